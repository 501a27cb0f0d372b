"""The trainer's side of the reward service: connect to the configured ones (or start a local one
when no URL is configured and the service is installed here), and score model responses against
dataset rows through `RewardClient`. A refused API key stops the run with the setting to fix.

Scoring returns `None` for an item the service could not score after retries (or an item it
reports as an infrastructure `error`): the caller drops it from the step rather than treating
it as a wrong answer.
"""

import asyncio
import ctypes
import os
import signal
import sys
from contextlib import ExitStack

from prorl.extras import missing
from reward_service.client import DEFAULT_RETRIES, AuthError, RewardClient
from reward_service.local import LocalServer
from reward_service.schemas import Result
from trainer.data import Row
from trainer.distributed import SOLO, World, gather

__all__ = ["LocalRewardService", "check_local_service", "connect", "score_responses"]

_KEY_HINT = (
    "set reward_api_key in the trainer's config (--reward-api-key for prorl eval) or REWARD_API_KEY in its "
    "environment to the service's REWARD_API_KEY"
)


def check_local_service() -> None:
    """Raise ValueError naming both fixes when no local service can be started here."""
    absent = missing("service")
    if absent:
        raise ValueError(
            "no reward service URL was given and the service is not installed here to start one "
            f"(missing: {', '.join(absent)}): point the trainer at a running `prorl serve` (reward_urls: "
            '[http://HOST:8000] in the config, --reward-url for eval), or pip install "prorl[service]"'
        )


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec (Linux): SIGTERM when the trainer dies, even by SIGKILL or the
    out-of-memory killer, so that no orphaned service keeps its port, checkers and memory."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class LocalRewardService:
    """`prorl serve` as a child process on a free loopback port, for the length of a `with`, and
    no longer than the trainer's process (on Linux)."""

    def __init__(self, workers: int = 0, startup_timeout_s: float = 120.0):
        env = {"REWARD_POOL_SIZE": str(workers)} if workers else {}
        tied = {"preexec_fn": _die_with_parent} if sys.platform == "linux" else {}
        self.server = LocalServer("--log-level", "warning", env=env, timeout_s=startup_timeout_s, **tied)

    def __enter__(self) -> str:
        check_local_service()
        return self.server.start().url

    def __exit__(self, *exc) -> None:
        self.server.stop()


def _local_urls(stack: ExitStack, world: World, workers: int) -> list[str]:
    """With no reward_urls: one local service per node, started by the node's first rank for the
    length of `stack`, and its URL for every rank of that node (a loopback URL means nothing on
    another node). One process: the service it starts."""
    url = stack.enter_context(LocalRewardService(workers)) if world.local_rank == 0 else None
    return [u for node, u in gather(world, (world.node, url)) if node == world.node and u]


def connect(
    stack: ExitStack,
    urls: list[str],
    api_key: str = "",
    retries: int = DEFAULT_RETRIES,
    workers: int = 0,
    timeout_s: float = 60.0,
    world: World = SOLO,
) -> RewardClient:
    """A client for `urls`, or for a local service started for the length of `stack` when there
    are none (on N ranks, one per node); returns once one answers and accepts the key (`api_key`,
    else $REWARD_API_KEY)."""
    urls = urls or _local_urls(stack, world, workers)
    client = RewardClient(urls, api_key=api_key or os.environ.get("REWARD_API_KEY") or None, max_retries=retries)
    try:
        asyncio.run(client.ready(timeout_s))
    except AuthError as exc:
        raise ValueError(f"{exc}: {_KEY_HINT}") from None
    except TimeoutError as exc:
        raise ValueError(f"{exc}; check reward_urls and that the services are up") from None
    return client


def score_responses(client: RewardClient, rows: list[Row], texts: list[str], timeout_s: float) -> list[Result | None]:
    """One result per text, None where scoring failed."""
    items = [
        {"domain": row.domain, "response": text, "reference": row.reference, "options": {"timeout_s": timeout_s}}
        for row, text in zip(rows, texts)
    ]
    try:
        results = client.score_sync(items)
    except AuthError as exc:  # a key rotated mid-run: stop rather than train on missing rewards
        raise ValueError(f"{exc}: {_KEY_HINT}") from None
    return [None if r is None or r.status == "error" else r for r in results]
