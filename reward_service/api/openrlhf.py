"""OpenRLHF's remote reward model: `POST /get_reward` (`--reward.remote_url http://HOST:8000/get_reward`).

OpenRLHF sends `query` (prompt + response, decoded with special tokens), `prompts` and `labels`,
usually one sample per request, and reads `rewards`, `scores` and `extra_logs` (numbers only:
it turns each value into a tensor). The response is the query after its prompt, with trailing
special tokens removed. A malformed sample is a 422 when it is alone; beside valid ones it scores
0 with `prorl/invalid` set, so it cannot fail them. When our infrastructure fails on any sample
the answer is 503: OpenRLHF retries, then leaves the sample without a reward, which stops its step
instead of training on a made-up 0.
"""

import logging
import re

from fastapi import APIRouter, Depends

from reward_service.api.deps import Executors, get_executors
from reward_service.api.native import check_count
from reward_service.api.responses import REFUSALS, json_response
from reward_service.api.samples import Sample, failed, reject, score_samples, unavailable
from reward_service.config import Settings, get_settings
from reward_service.schemas import OpenRLHFRequest, OpenRLHFResponse, Result
from reward_service.verifiers import STATUSES

__all__ = ["router", "response_of"]

router = APIRouter(tags=["openrlhf"], responses=REFUSALS)
log = logging.getLogger(__name__)
_SPECIAL_TAIL = re.compile(r"(?:\s*(?:<\|[^|<>\s]{1,40}\|>|</s>|<eos>|<end_of_turn>))+\s*\Z")
_TAIL = 256  # chars of the prompt looked for when the query does not start with all of it


def response_of(query: str, prompt: str | None) -> str:
    """The model's response inside OpenRLHF's query: after the prompt (found by its last few
    hundred characters when tokenization changed its front or it was truncated), without the
    special tokens that end a turn."""
    response = query
    if prompt:
        if query.startswith(prompt):
            response = query[len(prompt) :]
        else:
            tail = prompt[-_TAIL:]
            at = query.find(tail)
            if at >= 0:
                response = query[at + len(tail) :]
    match = _SPECIAL_TAIL.search(response, max(0, len(response) - 400))
    return response[: match.start()] if match else response


@router.post("/get_reward", response_model=OpenRLHFResponse)
async def get_reward(
    body: OpenRLHFRequest, settings: Settings = Depends(get_settings), executors: Executors = Depends(get_executors)
):
    n = len(body.query)
    for name in ("prompts", "labels"):
        given = getattr(body, name)
        if given is not None and len(given) != n:
            reject(
                [
                    {
                        "loc": ["body", name],
                        "type": "value_error",
                        "msg": f"{len(given)} {name} for {n} queries: send one per query",
                    }
                ]
            )
    if body.labels is None:
        reject(
            [
                {
                    "loc": ["body", "labels"],
                    "type": "missing",
                    "msg": 'labels are required: one per query (an answer, or {"domain": ..., "reference": ...})',
                }
            ]
        )
    check_count(n, settings, ["body", "query"], "queries")
    if n == 0:
        return json_response({"rewards": [], "scores": [], "extra_logs": {}})
    prompts = body.prompts or [None] * n
    samples = [Sample(response_of(q, p), label) for q, p, label in zip(body.query, prompts, body.labels)]
    outcomes = await score_samples(samples, settings, executors, [["body", "labels", i] for i in range(n)])
    results = [o for o in outcomes if isinstance(o, Result)]
    if not results:
        reject([error for o in outcomes for error in o])
    if any(map(failed, results)):
        return unavailable(results, settings)
    for errors in (o for o in outcomes if isinstance(o, list)):
        log.warning("get_reward: invalid sample scored 0: %s", errors[0]["msg"][:300])
    rewards = [o.reward if isinstance(o, Result) else 0.0 for o in outcomes]
    logs = {
        f"prorl/{status}": [float(isinstance(o, Result) and o.status == status) for o in outcomes]
        for status in STATUSES
        if status != "error"
    }
    logs["prorl/invalid"] = [float(isinstance(o, list)) for o in outcomes]
    logs["prorl/elapsed_ms"] = [o.elapsed_ms if isinstance(o, Result) else 0.0 for o in outcomes]
    return json_response({"rewards": rewards, "scores": rewards, "extra_logs": logs})
