"""The trainer's side of the reward service: connect to the configured ones (or start a local one
when no URL is configured and the service is installed here), and score model responses against
dataset rows through `RewardClient`. A refused API key stops the run with the setting to fix.

Scoring returns `None` for an item the service could not score after retries (or an item it
reports as an infrastructure `error`): the caller drops it from the step rather than treating
it as a wrong answer.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time
from contextlib import ExitStack

import httpx

from prorl.extras import missing
from reward_service.client import AuthError, RewardClient
from trainer.data import Row

__all__ = ["LocalRewardService", "check_local_service", "connect", "score_responses"]

_KEY_HINT = ("set reward_api_key in the trainer's config (--reward-api-key for prorl eval) or REWARD_API_KEY in its "
             "environment to the service's REWARD_API_KEY")


def check_local_service() -> None:
    """Raise ValueError naming both fixes when no local service can be started here."""
    absent = missing("service")
    if absent:
        raise ValueError(
            "no reward service URL was given and the service is not installed here to start one "
            f"(missing: {', '.join(absent)}): point the trainer at a running `prorl serve` (reward_urls: "
            "[http://HOST:8000] in the config, --reward-url for eval), or pip install \"prorl[service]\"")


class LocalRewardService:
    """`prorl serve` as a child process on a free loopback port, for the length of a `with`."""

    def __init__(self, workers: int = 0, startup_timeout_s: float = 120.0):
        self.workers = workers
        self.startup_timeout_s = startup_timeout_s
        self.proc = None
        self.url = ""

    def __enter__(self) -> str:
        check_local_service()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = dict(os.environ)
        if self.workers:
            env["REWARD_POOL_SIZE"] = str(self.workers)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prorl", "serve", "--port", str(port), "--log-level", "warning"], env=env,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the local reward service exited at start-up with code {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"the local reward service did not become ready in {self.startup_timeout_s:.0f}s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def connect(stack: ExitStack, urls: list[str], api_key: str = "", retries: int = 6, workers: int = 0,
            timeout_s: float = 60.0) -> RewardClient:
    """A client for `urls`, or for a local service started for the length of `stack` when there
    are none; returns once one answers and accepts the key (`api_key`, else $REWARD_API_KEY)."""
    urls = urls or [stack.enter_context(LocalRewardService(workers))]
    client = RewardClient(urls, api_key=api_key or os.environ.get("REWARD_API_KEY") or None, max_retries=retries)
    try:
        asyncio.run(client.ready(timeout_s))
    except AuthError as exc:
        raise ValueError(f"{exc}: {_KEY_HINT}") from None
    except TimeoutError as exc:
        raise ValueError(f"{exc}; check reward_urls and that the services are up") from None
    return client


def score_responses(client: RewardClient, rows: list[Row], texts: list[str], timeout_s: float) -> list[dict | None]:
    """One result dict per text (`reward`, `status`, ...), None where scoring failed."""
    items = [
        {"domain": row.domain, "response": text, "reference": row.reference, "options": {"timeout_s": timeout_s}}
        for row, text in zip(rows, texts)
    ]
    try:
        results = client.score_sync(items)
    except AuthError as exc:  # a key rotated mid-run: stop rather than train on missing rewards
        raise ValueError(f"{exc}: {_KEY_HINT}") from None
    return [None if r is None or r.get("status") == "error" else r for r in results]
