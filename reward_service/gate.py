"""ASGI middleware in front of every route: request metrics, then the gate.

The gate decides before the body is read, so a refused request costs no parsing: a draining
server (SIGTERM) answers 503 with Retry-After; a wrong or missing API key is a 401 (compared in
constant time); a body over REWARD_MAX_BODY_BYTES a 413; a body that would take the bytes in
flight past REWARD_MAX_INFLIGHT_BYTES a 503; a body that does not arrive within
REWARD_BODY_TIMEOUT_S a 408. A request still running when the shutdown grace period ends is
answered 503 with Retry-After instead of uvicorn's 500, so the client retries it elsewhere.
"""

import asyncio
import hmac
import logging
import time

from fastapi.responses import JSONResponse

from reward_service import metrics
from reward_service.admission import Load, release_memory
from reward_service.config import Settings

__all__ = ["CountRequests", "Gate", "OPEN_PATHS"]

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
_TRIM_AFTER_BYTES = 2**20  # bodies this big leave heap worth handing back once all are done
_TOO_BIG, _BUSY, _SLOW = object(), object(), object()  # why a body was not read


class CountRequests:
    """Request counts and durations by route and status (plain ASGI: Starlette's BaseHTTPMiddleware
    costs a task group and a stream per request, which single-sample protocols feel)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        """Count and time one HTTP request."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), [500]

        async def send_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            metrics.REQUESTS.labels(path, str(status[0])).inc()
            metrics.REQUEST_SECONDS.labels(path).observe(time.perf_counter() - start)


class Gate:
    """Refuses what it can before the body is read; counts the bytes in flight (module docstring)."""

    def __init__(self, app, settings: Settings, load: Load):
        self.app, self.settings, self.load = app, settings, load
        self.key = settings.api_key.encode() if settings.api_key else None

    async def __call__(self, scope, receive, send):
        """Refuse the request, or pass it on with its body counted and timed."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if self.load.draining and scope["path"] not in OPEN_PATHS:  # health answers on: /readyz says draining
            return await self._refuse(
                scope, receive, send, 503, "the server is shutting down; retry on another replica"
            )
        if self.key and scope["path"] not in OPEN_PATHS and not self._key_ok(headers):
            return await self._refuse(
                scope, receive, send, 401, "missing or wrong API key: send 'Authorization: Bearer <REWARD_API_KEY>'"
            )
        declared = headers.get(b"content-length", b"")
        size = int(declared) if declared.isdigit() and len(declared) < 19 else 0
        if size > self.settings.max_body_bytes or len(declared) >= 19:
            return await self._too_big(scope, receive, send)
        if not self.load.take_bytes(size):
            return await self._busy(scope, receive, send)
        held = [size]
        started = [False]

        async def send_started(message):
            started[0] = started[0] or message["type"] == "http.response.start"
            await send(message)

        try:
            messages = await self._read_body(receive, held)
            if messages is _TOO_BIG:
                return await self._too_big(scope, receive, send)
            if messages is _BUSY:
                return await self._busy(scope, receive, send)
            if messages is _SLOW:
                return await self._refuse(
                    scope,
                    receive,
                    send,
                    408,
                    f"the request body did not arrive within "
                    f"{self.settings.body_timeout_s:g} s (REWARD_BODY_TIMEOUT_S)",
                )

            async def replay():
                return messages.pop(0) if messages else await receive()

            await self.app(scope, replay, send_started)
        except asyncio.CancelledError:
            # uvicorn cancels what still runs when the shutdown grace period is over; its answer
            # would be a 500, which a client must not retry. Ours is a 503 it retries elsewhere.
            if started[0]:
                raise
            log.warning("%s %s cut off by shutdown; answered 503", scope["method"], scope["path"])
            await self._refuse(
                scope, receive, send, 503, "the server shut down before this request finished; retry on another replica"
            )
        finally:
            self.load.give_bytes(held[0])
            if held[0] >= _TRIM_AFTER_BYTES and self.load.bytes == 0:
                await asyncio.to_thread(release_memory)

    def _key_ok(self, headers: dict) -> bool:
        scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self.key)

    async def _read_body(self, receive, held: list[int]):
        """The request's messages, or _TOO_BIG, _BUSY (over the bytes in flight) or _SLOW (past
        the body timeout). Bytes beyond the declared length (a chunked body) are counted into
        `held`, and admitted, as they arrive."""
        messages, size = [], 0
        deadline = time.monotonic() + self.settings.body_timeout_s
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                return _SLOW
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > self.settings.max_body_bytes:
                return _TOO_BIG
            if size > held[0]:
                if not self.load.take_bytes(size - held[0], own=held[0]):
                    return _BUSY
                held[0] = size
            if not message.get("more_body"):
                return messages

    async def _busy(self, scope, receive, send):
        await self._refuse(
            scope,
            receive,
            send,
            503,
            "this server has as many request bytes in flight as "
            "REWARD_MAX_INFLIGHT_BYTES allows; retry after Retry-After",
        )

    async def _too_big(self, scope, receive, send):
        msg = f"request body is over {self.settings.max_body_bytes} bytes (REWARD_MAX_BODY_BYTES); send smaller batches"
        await self._refuse(scope, receive, send, 413, msg)

    async def _refuse(self, scope, receive, send, status: int, detail: str):
        headers = {"Connection": "close"} if status in (408, 413) or self.load.draining else {}
        if status == 503:
            headers["Retry-After"] = str(self.settings.retry_after_s)
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        await JSONResponse({"detail": detail}, status_code=status, headers=headers)(scope, receive, send)
