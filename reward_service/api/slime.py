"""slime's remote reward model: `POST /slime/reward` (`--rm-type remote_rm --rm-url
http://HOST:8000/slime/reward --reward-key reward`).

slime posts one sample, `{"prompt", "response", "label"}`, and keeps the reply as the sample's
reward, or its `--reward-key` field. A malformed label is a 422 naming what to send; an
infrastructure failure a 503, which slime retries (10 tries with backoff) and then raises, so
the rollout stops instead of training on a made-up 0.
"""

from fastapi import APIRouter, Depends

from reward_service.api.deps import Executors, get_executors
from reward_service.api.responses import REFUSALS, json_response
from reward_service.api.samples import Sample, failed, reject, score_samples, unavailable
from reward_service.config import Settings, get_settings
from reward_service.schemas import SlimeRequest, SlimeResponse

__all__ = ["router"]

router = APIRouter(prefix="/slime", tags=["slime"], responses=REFUSALS)


@router.post("/reward", response_model=SlimeResponse)
async def reward(
    body: SlimeRequest, settings: Settings = Depends(get_settings), executors: Executors = Depends(get_executors)
):
    sample = Sample(body.response, body.label, (body.model_extra or {}).get("data_source"))
    [outcome] = await score_samples([sample], settings, executors, [["body", "label"]])
    if isinstance(outcome, list):
        reject(outcome)
    if failed(outcome):
        return unavailable([outcome], settings)
    return json_response(SlimeResponse(**outcome.model_dump(include={"reward", "status", "detail", "extracted"})))
