"""A NeMo-Gym resources server: `POST /nemo_gym/seed_session` and `POST /nemo_gym/verify`
(base URL `http://HOST:8000/nemo_gym`; `/ng-rollout/<id>/verify`, which Gym sends when its
observability is on, works too).

`/verify` takes the dataset row plus `response` (an OpenAI Responses object: the text is its
`message` items' `output_text` parts) and answers the request echoed plus `reward`. The row
carries the label as our item (`domain` and `reference`), or as `label` or `expected_answer`
(any label format), with an optional `data_source`. When our infrastructure fails the answer is
`reward: 0` with `mask_sample: true` (top level and `instance_config`, where older NeMo-RL reads
it) and `failure_kind: "infrastructure"`: the sample is left out, not learned from. A malformed
row is a 422 naming the field.
"""

from typing import Any

from fastapi import APIRouter, Body, Depends

from reward_service.api.deps import Executors, get_executors
from reward_service.api.responses import REFUSALS, json_response
from reward_service.api.samples import Sample, failed, reject, score_samples
from reward_service.config import Settings, get_settings
from reward_service.schemas import NeMoGymVerifyResponse

__all__ = ["router", "output_text"]

router = APIRouter(prefix="/nemo_gym", tags=["nemo-gym"], responses=REFUSALS)
_LABEL_FIELDS = ("label", "expected_answer", "ground_truth", "answer")


def output_text(response: Any) -> str | None:
    """The text of a Responses object's `message` items, joined; None if it has no `output` list."""
    output = response.get("output") if isinstance(response, dict) else None
    if not isinstance(output, list):
        return None
    parts = []
    for entry in output:
        if isinstance(entry, dict) and entry.get("type") == "message" and isinstance(entry.get("content"), list):
            parts += [
                part["text"]
                for part in entry["content"]
                if isinstance(part, dict) and part.get("type") == "output_text" and isinstance(part.get("text"), str)
            ]
    return "".join(parts)


def _label(row: dict) -> Any:
    if "domain" in row:
        return {"domain": row["domain"], "reference": row.get("reference")}
    if "reference" in row:  # the reference of the row's data source's domain, or the default one
        return row["reference"]
    for field in _LABEL_FIELDS:
        if field in row:
            return row[field]
    reject(
        [
            {
                "loc": ["body"],
                "type": "missing",
                "msg": "the row carries no label: add 'domain' and 'reference' (our item), or 'label' / "
                "'expected_answer' (an answer, or an item as a JSON string)",
            }
        ]
    )


@router.post("/seed_session")
@router.post("/ng-rollout/{rollout_id}/seed_session", include_in_schema=False)
async def seed_session(body: dict[str, Any] = Body(default_factory=dict)) -> dict:
    return {}  # scoring keeps no state between calls


@router.post("/verify", response_model=NeMoGymVerifyResponse)
@router.post("/ng-rollout/{rollout_id}/verify", include_in_schema=False)
async def verify(
    row: dict[str, Any] = Body(...),
    settings: Settings = Depends(get_settings),
    executors: Executors = Depends(get_executors),
):
    text = output_text(row.get("response"))
    if text is None:
        reject(
            [
                {
                    "loc": ["body", "response"],
                    "type": "missing",
                    "msg": "'response' must be an OpenAI Responses object with an 'output' list",
                }
            ]
        )
    sample = Sample(text, _label(row), row.get("data_source"))
    [outcome] = await score_samples([sample], settings, executors, [["body", "label"]])
    if isinstance(outcome, list):
        reject(outcome)
    mask = failed(outcome)
    instance_config = row.get("instance_config") if isinstance(row.get("instance_config"), dict) else {}
    return json_response(
        {
            **row,
            "reward": outcome.reward,
            "mask_sample": mask,
            "failure_kind": "infrastructure" if mask else None,
            "failure_reason": outcome.detail if mask else None,
            "instance_config": {**instance_config, "mask_sample": mask},
            "prorl": outcome.model_dump(include={"status", "detail", "extracted", "elapsed_ms"}),
        }
    )
