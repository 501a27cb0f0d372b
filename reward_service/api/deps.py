"""FastAPI dependencies: the worker pool and what scores each domain (the API key is checked
earlier, by reward_service.gate, before the body is read)."""

from dataclasses import dataclass

from fastapi import Request

from reward_service.admission import Load
from reward_service.checkers import CheckerPool
from reward_service.sandbox.warm_pool import SandboxPool

__all__ = ["get_pool", "get_executors", "Executors"]


@dataclass(frozen=True)
class Executors:
    """What scores items: each domain's executor by `Domain.executor` name, and the process's load."""

    checkers: CheckerPool
    sandbox: SandboxPool
    load: Load

    def __getitem__(self, name: str):
        return {"checkers": self.checkers, "sandbox": self.sandbox}[name]


# All async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.


async def get_pool(request: Request) -> CheckerPool:
    """The app's checker pool."""
    return request.app.state.pool


async def get_executors(request: Request) -> Executors:
    """What scores items in this app: its pools and its load."""
    state = request.app.state
    return Executors(state.pool, state.sandbox, state.load)
