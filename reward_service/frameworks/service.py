"""The service as the framework modules reach it: URLs and key from arguments or the environment
(`PRORL_REWARD_URL`, comma-separated for replicas; `REWARD_API_KEY`), one `RewardClient` per
event loop (a client belongs to one loop), and a background loop for sync callers, which may
call from many threads at once (veRL runs a sync reward function in a thread pool) and from
forked processes (which get a loop of their own)."""

import asyncio
import os
import threading
import weakref

from reward_service.client import RewardClient
from reward_service.schemas import Result

__all__ = ["Service", "URL_ENV"]

URL_ENV = "PRORL_REWARD_URL"


class Service:
    """The reward service as a framework module reaches it: URLs, key, and a client per event loop."""

    def __init__(self, url: str | list[str] | None = None, api_key: str | None = None, **client_options):
        urls = url or os.environ.get(URL_ENV, "")
        urls = [u.strip() for u in urls.split(",") if u.strip()] if isinstance(urls, str) else list(urls)
        if not urls:
            raise ValueError(f"no reward service URL: pass url='http://HOST:8000' or set {URL_ENV}")
        self.urls = urls
        self.api_key = api_key or os.environ.get("REWARD_API_KEY") or None
        self.options = {"batch_size": 64, **client_options}
        RewardClient(self.urls, api_key=self.api_key, **self.options)  # check the arguments now
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> its client
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_pid = 0  # a forked child (a DataLoader or process-pool worker) gets its own loop
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:  # picklable (process pools, Ray): the loop and clients stay behind
        return {key: value for key, value in self.__dict__.items() if key in ("urls", "api_key", "options")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._clients, self._loop, self._loop_pid, self._lock = weakref.WeakKeyDictionary(), None, 0, threading.Lock()

    async def score(self, items: list[dict]) -> list[Result | None]:
        """Results in order; None where an item could not be scored (after the client's retries)."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = RewardClient(self.urls, api_key=self.api_key, **self.options)
        return await client.score(items)

    def score_sync(self, items: list[dict]) -> list[Result | None]:
        """`score` from sync code, on any thread: runs on this object's background loop."""
        with self._lock:
            if self._loop is None or self._loop_pid != os.getpid():  # a fork copies the loop, not its thread
                self._loop, self._loop_pid = asyncio.new_event_loop(), os.getpid()
                self._clients = weakref.WeakKeyDictionary()
                threading.Thread(target=self._loop.run_forever, daemon=True, name="prorl-reward").start()
        return asyncio.run_coroutine_threadsafe(self.score(items), self._loop).result()
