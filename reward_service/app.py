"""Builds the FastAPI app: settings, the pools' lifetime, the gate in front, routers."""

import asyncio
import logging
import signal
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from reward_service import __version__, metrics
from reward_service.admission import Busy, Load
from reward_service.api import health, native, nemo_gym, openrlhf, run_code, slime
from reward_service.api.openapi import publish_domains
from reward_service.api.responses import validation_error
from reward_service.checkers import CheckerPool
from reward_service.config import Settings, get_settings
from reward_service.gate import CountRequests, Gate
from reward_service.sandbox.warm_pool import SandboxPool

__all__ = ["create_app"]


class _QuietHealthChecks(logging.Filter):
    """Orchestrators probe /readyz every few seconds; a passing probe is not worth a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args  # uvicorn's access line: client, method, path, HTTP version, status
        return not (
            isinstance(args, tuple)
            and len(args) == 5
            and args[4] == 200
            and str(args[2]).partition("?")[0] in ("/healthz", "/readyz")
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service's app: pools started and stopped with it, the gate in front, every protocol's routes."""
    settings = settings or get_settings()
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _QuietHealthChecks) for f in access_log.filters):
        access_log.addFilter(_QuietHealthChecks())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool = CheckerPool(
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
        _drain_on_signals(load)
        yield
        sandbox_start.cancel()
        await sandbox.close()
        await asyncio.to_thread(starter.join)
        await asyncio.to_thread(pool.close)  # not on the loop: requests cut off by shutdown still get answers

    docs = settings.docs_enabled
    app = FastAPI(
        title="prorl reward service",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.load = load = Load(settings.max_inflight_items, settings.max_inflight_bytes)

    async def current_settings() -> Settings:  # async: a sync override would cost a thread hop per request
        return settings

    app.dependency_overrides[get_settings] = current_settings
    app.include_router(health.router)
    app.include_router(native.router)
    for protocol in (openrlhf, run_code, slime, nemo_gym):  # other frameworks' shapes, docs/integrations.md
        app.include_router(protocol.router)

    @app.exception_handler(HTTPException)
    async def unreadable_body(request: Request, exc: HTTPException):
        # FastAPI answers 400 when the body is not even JSON it can decode (bad UTF-8, nesting
        # past the parser's recursion limit); to a client that is a 422 like any bad JSON.
        if exc.status_code == 400 and exc.__cause__ is not None:
            msg = (
                f"the body is not readable JSON ({type(exc.__cause__).__name__}); "
                "send UTF-8 JSON nested less than a few hundred levels deep"
            )
            return JSONResponse({"detail": [{"loc": ["body"], "msg": msg, "type": "json_invalid"}]}, 422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy):
        return JSONResponse({"detail": str(exc)}, 503, {"Retry-After": str(settings.retry_after_s)})

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(Gate, settings=settings, load=load)
    app.add_middleware(CountRequests)
    publish_domains(app, settings)
    return app


def _drain_on_signals(load: Load) -> None:
    """On SIGTERM or SIGINT, refuse new requests at once (503), then let uvicorn's own handler
    start its graceful shutdown. Called at startup, after uvicorn has put its handlers in place."""
    if threading.current_thread() is not threading.main_thread():
        return  # a test client's app: no signals there
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def drain(signum, frame, previous=previous):
            load.draining = True
            previous(signum, frame)

        signal.signal(sig, drain)
