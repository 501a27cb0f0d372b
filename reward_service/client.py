"""Async client for the reward service: batching, load balancing, failover and 422 bisection.

A trainer scores thousands of rollouts per step against one or more service replicas, and a
replica may restart mid-run. This client splits the items into batches, sends a few at once,
and retries a batch after a connection error, a timeout or a 502/503/504 (scoring is pure, so a
retry is safe): when and where, reward_service.failover decides. Anything else is not retried;
a 401/403 (a missing or wrong API key) raises `AuthError` at once, since no retry can fix it and
a trainer must not go on without rewards. The service answers 422 for a whole request when one
item is malformed, so the client bisects such a batch until the good items are scored and only
the bad ones are left; a 500 (a server bug some item set off) is bisected the same way, so one
poisoned item never loses its batch.

Results are typed (`reward_service.schemas.Result`, checked against the wire model as they
arrive). An item that could not be scored comes back as `None` and is logged with the reason,
never as reward 0: "the model was wrong" and "our infrastructure failed" must stay apart for the
trainer. One client belongs to one event loop; sync code calls `score_sync`, which runs its own.
"""

import asyncio
import logging
import time
from dataclasses import asdict, dataclass

import httpx
from prometheus_client import Counter
from pydantic import ValidationError

from reward_service.failover import DEFAULT_RETRIES, Replicas, RetryPolicy
from reward_service.schemas import Result, ScoreResponse

__all__ = ["RewardClient", "ClientStats", "AuthError", "DEFAULT_RETRIES"]

log = logging.getLogger(__name__)

REQUESTS = Counter("reward_client_requests_total", "POST /v1/score attempts by outcome", ["outcome"])
RETRIES = Counter("reward_client_retries_total", "Score requests sent again after a transient failure")
FAILED_ITEMS = Counter("reward_client_failed_items_total", "Items returned as None (not scored)")

_RETRYABLE = {502, 503, 504}
_BISECTED = {422, 500}  # the request as a whole was refused or crashed: some item in it is to blame


@dataclass
class ClientStats:
    """Counters of a client's work since the last `pop_stats()`."""

    requests: int = 0
    retries: int = 0
    failovers: int = 0
    failed_items: int = 0


class AuthError(Exception):
    """The service refused our API key (or its absence): a setting to fix, not a failure to retry."""


class _Failed(Exception):
    """A batch that will not be scored; the message is the reason logged for its items."""


class _Rejected(_Failed):
    """A 422 or 500: the whole request failed because of (at least) one item in it."""


class RewardClient:
    """Scores items against one or more service replicas (`base_urls`).

    `batch_size` items go in one request and `concurrency` requests are in flight at once. A
    transient failure is retried as `RetryPolicy(max_retries, backoff_s, max_backoff_s)` says, on
    the replica `Replicas` picks. `stats` counts requests, retries, failovers and failed items;
    `pop_stats()` takes and resets them.
    """

    def __init__(
        self,
        base_urls: str | list[str],
        *,
        api_key: str | None = None,
        batch_size: int = 256,
        concurrency: int = 4,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 120.0,
        max_retries: int = DEFAULT_RETRIES,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ValueError("base_urls is empty; pass at least one URL, e.g. 'http://127.0.0.1:8000'")
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"base URL {url!r} must start with http:// or https://")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        if connect_timeout_s <= 0 or read_timeout_s <= 0:
            raise ValueError("connect_timeout_s and read_timeout_s must be positive seconds")
        self.retry = RetryPolicy(max_retries, backoff_s, max_backoff_s)
        self.base_urls = [url.rstrip("/") for url in urls]
        self.replicas = Replicas(self.base_urls)
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.stats = ClientStats()
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # The read timeout bounds one whole batch on the server, so it is long; connecting is quick.
        self._timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        self._transport = transport
        self._http = self._new_http()

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(headers=self._headers, timeout=self._timeout, transport=self._transport)

    async def __aenter__(self) -> "RewardClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    def pop_stats(self) -> dict[str, int]:
        """The counters since the last call (e.g. per training step), then reset to zero."""
        stats, self.stats = asdict(self.stats), ClientStats()
        return stats

    async def ready(self, timeout_s: float = 60.0) -> str:
        """Wait until any base URL's /readyz answers 200 and return that URL, after checking that
        it accepts our API key (raises AuthError if not; /readyz itself needs no key)."""
        deadline = time.monotonic() + timeout_s
        last: dict[str, str] = {}
        while True:
            for url in self.base_urls:
                try:
                    r = await self._http.get(url + "/readyz", timeout=min(5.0, max(0.1, timeout_s)))
                    if r.status_code == 200:
                        _check_auth(await self._http.get(url + "/v1/domains", timeout=10.0), url, bool(self._headers))
                        return url
                    last[url] = f"HTTP {r.status_code}"
                except httpx.TransportError as exc:
                    last[url] = f"{type(exc).__name__}: {exc}"
            if time.monotonic() >= deadline:
                answers = "; ".join(f"{url}: {why}" for url, why in last.items())
                raise TimeoutError(f"no reward service was ready within {timeout_s:g}s ({answers})")
            await asyncio.sleep(0.2)

    async def score(self, items: list[dict]) -> list[Result | None]:
        """Score items (wire `Item` dicts); typed results in input order, `None` where an item failed."""
        return await self._score(self._http, items)

    def score_sync(self, items: list[dict]) -> list[Result | None]:
        """`score` for sync code: runs its own event loop and HTTP connections for this call."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("score_sync() was called inside a running event loop; await score() instead")

        async def run() -> list[Result | None]:
            http = self._new_http()
            try:
                return await self._score(http, items)
            finally:
                if self._transport is None:  # closing would also close a transport the caller owns
                    await http.aclose()

        return asyncio.run(run())

    async def _score(self, http: httpx.AsyncClient, items: list[dict]) -> list[Result | None]:
        items = list(items)
        results: list[Result | None] = [None] * len(items)
        slots = asyncio.Semaphore(self.concurrency)

        async def run(start: int) -> None:
            batch = items[start : start + self.batch_size]
            async with slots:
                results[start : start + len(batch)] = await self._batch(http, batch)

        await asyncio.gather(*(run(start) for start in range(0, len(items), self.batch_size)))
        return results

    async def _batch(self, http: httpx.AsyncClient, batch: list[dict]) -> list[Result | None]:
        try:
            return await self._post(http, batch)
        except _Rejected as exc:
            if len(batch) > 1:
                # One malformed item fails the whole request: bisect to find it and score the rest.
                mid = len(batch) // 2
                return await self._batch(http, batch[:mid]) + await self._batch(http, batch[mid:])
            reason = str(exc)
        except _Failed as exc:
            reason = str(exc)
        self.stats.failed_items += len(batch)
        FAILED_ITEMS.inc(len(batch))
        ids = [item.get("id") for item in batch[:5]]
        more = f" and {len(batch) - 5} more" if len(batch) > 5 else ""
        log.error("%d item(s) not scored (ids %s%s): %s", len(batch), ids, more, reason)
        return [None] * len(batch)

    async def _post(self, http: httpx.AsyncClient, batch: list[dict]) -> list[Result]:
        """One batch with bounded retries and failover; raises _Failed or _Rejected."""
        failed_url = None
        for attempt in range(self.retry.attempts):
            url, retry_after = self.replicas.pick(), 0.0
            if attempt:
                self.stats.retries += 1
                RETRIES.inc()
                if url != failed_url:
                    self.stats.failovers += 1
            self.stats.requests += 1
            try:
                r = await http.post(url + "/v1/score", json={"items": batch})
            except httpx.TransportError as exc:
                REQUESTS.labels("timeout" if isinstance(exc, httpx.TimeoutException) else "connection_error").inc()
                reason = f"{url}: {type(exc).__name__}: {exc}"
            else:
                REQUESTS.labels("ok" if r.status_code == 200 else f"http_{r.status_code}").inc()
                if r.status_code == 200:
                    self.replicas.answered(url)
                    return _results(r, len(batch), url)
                _check_auth(r, url, bool(self._headers))
                reason = f"{url}: HTTP {r.status_code}: {_detail(r)}"
                if r.status_code in _BISECTED:
                    raise _Rejected(reason)
                if r.status_code not in _RETRYABLE:
                    raise _Failed(reason + (" (lower batch_size)" if r.status_code == 413 else ""))
                retry_after = _retry_after(r)
            self.replicas.failed(url)
            failed_url = url
            if attempt + 1 < self.retry.attempts:
                log.warning(
                    "score request failed (attempt %d of %d), retrying: %s", attempt + 1, self.retry.attempts, reason
                )
                await asyncio.sleep(self.retry.delay(attempt, retry_after, len(self.base_urls)))
        raise _Failed(f"gave up after {self.retry.attempts} attempts; last: {reason}")


def _retry_after(r: httpx.Response) -> float:
    """The server's Retry-After in seconds (0 when absent, or an HTTP date we do not parse)."""
    try:
        return max(0.0, float(r.headers.get("retry-after", 0)))
    except ValueError:
        return 0.0


def _check_auth(r: httpx.Response, url: str, sent_key: bool) -> None:
    if r.status_code in (401, 403):
        why = "refused our API key" if sent_key else "requires an API key and none was given"
        raise AuthError(f"the reward service at {url} {why} (HTTP {r.status_code}: {_detail(r)})")


def _results(r: httpx.Response, n: int, url: str) -> list[Result]:
    """The response's results, checked against the wire model; _Failed when they are not that."""
    try:
        results = ScoreResponse.model_validate_json(r.content).results
    except ValidationError as exc:
        raise _Failed(f"{url}: HTTP 200 without a valid results list ({str(exc)[:300]})") from None
    if len(results) != n:
        raise _Failed(f"{url}: expected {n} results, got {len(results)}")
    return results


def _detail(r: httpx.Response) -> str:
    """The service's error message: FastAPI's `detail`, a string or a list of field errors."""
    try:
        detail = r.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return r.text[:500]
    if isinstance(detail, list):
        # loc is ["body", "items", <index in this request>, field...]; the field is what helps.
        detail = "; ".join(
            f"{'.'.join(map(str, e.get('loc', [])[3:] or e.get('loc', [])))}: {e.get('msg')}"
            for e in detail
            if isinstance(e, dict)
        )
    return str(detail)[:500]
