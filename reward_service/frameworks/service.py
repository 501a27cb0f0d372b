"""The service as the framework modules reach it: URLs and key from arguments or the environment
(`PRORL_REWARD_URL`, comma-separated for replicas; `REWARD_API_KEY`), one `RewardClient` per
event loop (a client belongs to one loop), and a background loop for sync callers, which may
call from many threads at once (veRL runs a sync reward function in a thread pool)."""

import asyncio
import os
import threading
import weakref

from reward_service.client import RewardClient

__all__ = ["Service", "URL_ENV"]

URL_ENV = "PRORL_REWARD_URL"


class Service:
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
        self._lock = threading.Lock()

    async def score(self, items: list[dict]) -> list[dict | None]:
        """Results in order; None where an item could not be scored (after the client's retries)."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = RewardClient(self.urls, api_key=self.api_key, **self.options)
        return await client.score(items)

    def score_sync(self, items: list[dict]) -> list[dict | None]:
        """`score` from sync code, on any thread: runs on this object's background loop."""
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, daemon=True, name="prorl-reward").start()
        return asyncio.run_coroutine_threadsafe(self.score(items), self._loop).result()
