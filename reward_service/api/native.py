"""`POST /v1/score` and `GET /v1/domains`.

Request-level problems (bad JSON, wrong types, unknown domain, missing reference fields, too
many items) are a 422 naming the field and what is valid. Problems with one item's content come
back as that item's `status: "error"`; the rest of the batch is scored. Identical items in a
batch are checked once.
"""

from fastapi import APIRouter, Depends, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from reward_service.api.deps import Executors, get_executors
from reward_service.api.responses import REFUSALS, json_response
from reward_service.config import Settings, get_settings
from reward_service.schemas import DomainInfo, DomainsResponse, Item, ScoreRequest, ScoreResponse
from reward_service.scoring import score_items
from reward_service.verifiers import DOMAINS, domain_names

__all__ = ["router", "item_errors", "check_count", "nested_deeper"]

router = APIRouter(prefix="/v1", tags=["scoring"], responses=REFUSALS)


MAX_DEPTH = 32  # references nest a few levels; deeper is hostile (it could exhaust a checker's stack)


def item_errors(index: int, item: Item, settings: Settings, loc: list | None = None) -> list[dict]:
    """FastAPI-style errors for one item (empty when it is valid); `loc` is where it sits."""
    loc = loc or ["body", "items", index]
    domain = DOMAINS.get(item.domain)
    if domain is None:
        msg = f"unknown domain {item.domain!r}; valid domains: {', '.join(domain_names())}"
        return [{"loc": [*loc, "domain"], "msg": msg, "type": "value_error", "input": item.domain}]
    if nested_deeper(item.reference, MAX_DEPTH):
        msg = f"reference is nested more than {MAX_DEPTH} levels deep; no domain's reference needs that"
        return [{"loc": [*loc, "reference"], "msg": msg, "type": "value_error"}]
    errors, valid = [], {}
    for field, model, takes in (
        ("reference", domain.reference, f"a {item.domain} reference takes"),
        ("options", domain.options, f"{item.domain} options are"),
    ):
        try:
            valid[field] = model.model_validate(getattr(item, field))
        except ValidationError as exc:
            takes = f"{takes}: {', '.join(model.model_fields)}"
            errors += [
                {"loc": [*loc, field, *err["loc"]], "msg": f"{err['msg']} ({takes})", "type": err["type"]}
                for err in exc.errors(include_url=False)
            ]
    timeout = valid["options"].timeout_s if "options" in valid else None
    if timeout is not None and timeout > settings.max_timeout_s:
        msg = f"timeout_s must be at most {settings.max_timeout_s:g} (the server's REWARD_MAX_TIMEOUT_S)"
        errors.append({"loc": [*loc, "options", "timeout_s"], "msg": msg, "type": "less_than_equal"})
    return errors


def nested_deeper(value, limit: int) -> bool:
    """Whether lists and dicts in `value` nest more than `limit` levels (iterative: no recursion)."""
    level = [value]
    for _ in range(limit + 1):
        level = [v for x in level for v in (x.values() if isinstance(x, dict) else x if isinstance(x, list) else ())]
        if not level:
            return False
    return True


def check_count(n: int, settings: Settings, loc: list, what: str) -> None:
    """A 422 for a request carrying more than REWARD_MAX_ITEMS of `what`."""
    if n > settings.max_items:
        msg = f"{n} {what} is more than the maximum of {settings.max_items}; split the batch"
        raise RequestValidationError([{"loc": loc, "msg": msg, "type": "too_long"}])


@router.post("/score", response_model=ScoreResponse)
async def score(
    request: ScoreRequest,
    settings: Settings = Depends(get_settings),
    executors: Executors = Depends(get_executors),
) -> Response:
    items = request.items
    check_count(len(items), settings, ["body", "items"], "items")
    errors = [err for i, item in enumerate(items) for err in item_errors(i, item, settings)]
    if errors:
        raise RequestValidationError(errors)

    return json_response({"results": await score_items(items, settings, executors, executors.load)})


@router.get("/domains", response_model=DomainsResponse)
async def domains() -> DomainsResponse:
    return DomainsResponse(
        domains=[
            DomainInfo(name=d.name, description=d.description, reference_schema=d.reference.model_json_schema())
            for d in (DOMAINS[name] for name in domain_names())
        ]
    )
