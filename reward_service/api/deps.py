"""FastAPI dependencies: settings, the worker pool, and the optional bearer-token check."""

import hmac

from fastapi import Depends, HTTPException, Request

from reward_service.config import Settings, get_settings
from reward_service.pool import WorkerPool

__all__ = ["get_pool", "get_executors", "require_api_key"]


# All async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.

async def get_pool(request: Request) -> WorkerPool:
    return request.app.state.pool


async def get_executors(request: Request) -> dict:
    """What scores each domain's items, by `Domain.executor` name."""
    return {"checkers": request.app.state.pool, "sandbox": request.app.state.sandbox}


async def require_api_key(request: Request, settings: Settings = Depends(get_settings)) -> None:
    if not settings.api_key:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), settings.api_key):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong API key: send 'Authorization: Bearer <REWARD_API_KEY>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
