"""What the framework protocols share: their samples (a response, a label, maybe a data source)
become our items, are scored through the one scoring path, and an infrastructure failure becomes
a 503 with Retry-After, never a reward of 0."""

from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError

from reward_service.api.deps import Executors
from reward_service.api.native import item_errors
from reward_service.api.responses import json_response
from reward_service.config import Settings
from reward_service.frameworks.labels import LabelError, parse_label
from reward_service.schemas import Item, Result
from reward_service.scoring import score_items

__all__ = ["Sample", "score_samples", "reject", "unavailable", "failed"]


@dataclass(frozen=True)
class Sample:
    """One sample as a framework sends it: the response, its label, maybe its data source."""

    response: str
    label: Any
    data_source: Any = None  # as the client sent it; only a string names a data source


def _item(sample: Sample, settings: Settings, loc: list) -> Item | list[dict]:
    """The sample's item, or its errors (FastAPI's shape) at `loc`."""
    try:
        source = sample.data_source if isinstance(sample.data_source, str) else None
        domain, reference = parse_label(sample.label, source, settings.default_domain, settings.data_sources)
    except LabelError as exc:
        return [{"loc": loc, "msg": str(exc), "type": "value_error"}]
    item = Item.model_construct(domain=domain, response=sample.response, reference=reference)  # id, options: defaults
    return item_errors(0, item, settings, loc) or item


async def score_samples(
    samples: list[Sample], settings: Settings, executors: Executors, locs: list[list]
) -> list[Result | list[dict]]:
    """For each sample its result or its errors (FastAPI's shape); the valid ones are scored."""
    prepared = [_item(sample, settings, loc) for sample, loc in zip(samples, locs)]
    valid = [p for p in prepared if isinstance(p, Item)]
    results = iter(await score_items(valid, settings, executors, executors.load) if valid else [])
    return [next(results) if isinstance(p, Item) else p for p in prepared]


def reject(errors: list[dict]):
    """Answer 422 with `errors` (FastAPI's shape)."""
    raise RequestValidationError(errors)


def failed(result: Result) -> bool:
    """Our infrastructure failed on this item (not: the model was wrong)."""
    return result.status == "error"


def unavailable(results: list[Result], settings: Settings):
    """The 503 for a request with items our infrastructure could not score."""
    reasons = sorted({r.detail for r in results if failed(r)})
    count = sum(map(failed, results))
    detail = f"{count} sample(s) could not be scored (our side, not the model's): {'; '.join(reasons)[:800]}"
    return json_response({"detail": detail}, 503, {"Retry-After": str(settings.retry_after_s)})
