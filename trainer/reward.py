"""The trainer's side of the reward service: start a local one when no URL is configured, and
score model responses against dataset rows through `RewardClient`.

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

import httpx

from reward_service.client import RewardClient
from trainer.data import Row

__all__ = ["LocalRewardService", "score_responses"]


class LocalRewardService:
    """`prorl serve` as a child process on a free loopback port, for the length of a `with`."""

    def __init__(self, workers: int = 0, startup_timeout_s: float = 120.0):
        self.workers = workers
        self.startup_timeout_s = startup_timeout_s
        self.proc = None
        self.url = ""

    def __enter__(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = dict(os.environ)
        if self.workers:
            env["REWARD_POOL_SIZE"] = str(self.workers)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reward_service.cli", "serve", "--port", str(port), "--log-level", "warning"], env=env,
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


def wait_ready(client: RewardClient, timeout_s: float = 60.0) -> None:
    asyncio.run(client.ready(timeout_s))


def score_responses(client: RewardClient, rows: list[Row], texts: list[str], timeout_s: float) -> list[dict | None]:
    """One result dict per text (`reward`, `status`, ...), None where scoring failed."""
    items = [
        {"domain": row.domain, "response": text, "reference": row.reference, "options": {"timeout_s": timeout_s}}
        for row, text in zip(rows, texts)
    ]
    results = client.score_sync(items)
    return [None if r is None or r.get("status") == "error" else r for r in results]
