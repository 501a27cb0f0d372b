"""JSON answers that can always be written, whatever the request held: the service echoes ids,
rows and, in 422s, the offending input, which may carry lone surrogates (valid in a JSON string,
not in UTF-8), integers past 64 bits, NaN or Infinity (not JSON at all) or deep nesting."""

import json
import math

import orjson
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel

__all__ = ["json_response", "validation_error", "REFUSALS"]


def _refusal(why: str) -> dict:
    schema = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
    return {"description": why, "content": {"application/json": {"schema": schema}}}


# What any scoring route may answer besides its own result (reward_service.gate, the 503s).
REFUSALS = {
    401: _refusal("Missing or wrong API key (when REWARD_API_KEY is set)."),
    408: _refusal("The body did not arrive within REWARD_BODY_TIMEOUT_S."),
    413: _refusal("The body is over REWARD_MAX_BODY_BYTES."),
    503: _refusal("Busy, shutting down, or our infrastructure failed: retry after Retry-After (seconds)."),
}


def json_response(content, status_code: int = 200, headers: dict | None = None) -> Response:
    """`content` as JSON. Lone surrogates come back as U+FFFD, NaN and Infinity as null."""
    try:
        body = orjson.dumps(content, default=_fields)  # writes NaN and Infinity as null
    except TypeError:  # lone surrogates, or integers past 64 bits
        try:
            body = json.dumps(_scrub(content), allow_nan=False).encode()
        except (RecursionError, ValueError):
            msg = "the answer echoes this request, which is nested too deeply to write back; send a shallower body"
            return Response(
                orjson.dumps({"detail": [{"loc": ["body"], "msg": msg, "type": "value_error"}]}),
                status_code=422,
                media_type="application/json",
            )
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


def _fields(value):
    """A wire model (reward_service.schemas) as orjson writes it: its fields."""
    if isinstance(value, BaseModel):
        return value.__dict__
    raise TypeError(f"{type(value).__name__} is not JSON")


def _scrub(value):
    """`value` with every string valid UTF-8 and every float finite (else None)."""
    if isinstance(value, BaseModel):
        value = value.__dict__
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """FastAPI's 422, written so that the input it echoes can never turn it into a 500."""
    try:
        detail = jsonable_encoder(exc.errors())
    except (RecursionError, ValueError, TypeError):
        detail = [{k: v for k, v in err.items() if k in ("loc", "msg", "type")} for err in exc.errors()]
    return json_response({"detail": detail}, 422)
