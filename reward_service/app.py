"""Builds the FastAPI app: settings, the worker pool's lifetime, body-size limit, routers."""

import asyncio
import logging
import threading
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from reward_service import __version__, metrics
from reward_service.api import health, nemo_gym, openrlhf, run_code, score, slime
from reward_service.config import Settings, get_settings
from reward_service.pool import WorkerPool
from reward_service.sandbox.pool import SandboxPool

__all__ = ["create_app"]


class _QuietHealthChecks(logging.Filter):
    """Orchestrators probe /readyz every few seconds; a passing probe is not worth a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args  # uvicorn's access line: client, method, path, HTTP version, status
        return not (isinstance(args, tuple) and len(args) == 5 and args[4] == 200
                    and str(args[2]).partition("?")[0] in ("/healthz", "/readyz"))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _QuietHealthChecks) for f in access_log.filters):
        access_log.addFilter(_QuietHealthChecks())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool = WorkerPool(
            settings.pool_size,
            memory_mb=settings.worker_memory_mb,
            on_restart=lambda reason: metrics.WORKER_RESTARTS.labels(reason).inc(),
        )
        app.state.pool = pool
        sandbox = SandboxPool(settings, on_replace=lambda reason: metrics.SANDBOX_REPLACED.labels(reason).inc())
        app.state.sandbox = sandbox
        # Health answers at once; /readyz turns 200 when the workers are up. The sandboxes start
        # alongside; until they are up (or when Docker is missing) only code items wait or fail.
        starter = threading.Thread(target=pool.start, daemon=True, name="pool-start")
        starter.start()
        sandbox_start = asyncio.create_task(sandbox.start())
        yield
        sandbox_start.cancel()
        await sandbox.close()
        starter.join()
        pool.close()

    app = FastAPI(title="prorl reward service", version=__version__, lifespan=lifespan)
    app.state.settings = settings

    async def current_settings() -> Settings:  # async: a sync override would cost a thread hop per request
        return settings

    app.dependency_overrides[get_settings] = current_settings
    app.include_router(health.router)
    app.include_router(score.router)
    for protocol in (openrlhf, run_code, slime, nemo_gym):  # other frameworks' shapes, docs/integrations.md
        app.include_router(protocol.router)

    @app.exception_handler(HTTPException)
    async def unreadable_body(request: Request, exc: HTTPException):
        # FastAPI answers 400 when the body is not even JSON it can decode (bad UTF-8, nesting
        # past the parser's recursion limit); to a client that is a 422 like any bad JSON.
        if exc.status_code == 400 and exc.__cause__ is not None:
            msg = (f"the body is not readable JSON ({type(exc.__cause__).__name__}); "
                   "send UTF-8 JSON nested less than a few hundred levels deep")
            return JSONResponse({"detail": [{"loc": ["body"], "msg": msg, "type": "json_invalid"}]}, 422)
        return await http_exception_handler(request, exc)

    app.add_middleware(_CountRequests)
    app.add_middleware(_BodyLimit, max_bytes=settings.max_body_bytes)
    return app


class _CountRequests:
    """Request counts and durations by route and status (plain ASGI: Starlette's BaseHTTPMiddleware
    costs a task group and a stream per request, which single-sample protocols feel)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
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
            metrics.REQUEST_SECONDS.labels(path).observe(time.perf_counter() - start)
            metrics.REQUESTS.labels(path, str(status[0])).inc()


class _BodyLimit:
    """Rejects bodies over the limit even when they come without a Content-Length (chunked)."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._reject(scope, receive, send)
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                return await self._reject(scope, receive, send)
            if not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        return await self.app(scope, replay, send)

    async def _reject(self, scope, receive, send):
        metrics.REQUESTS.labels("unmatched", "413").inc()
        msg = f"request body is over {self.max_bytes} bytes (REWARD_MAX_BODY_BYTES); send smaller batches"
        await JSONResponse({"detail": msg}, status_code=413)(scope, receive, send)
