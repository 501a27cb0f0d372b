"""Liveness, readiness and Prometheus metrics; open even when an API key is set."""

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from reward_service import metrics
from reward_service.api.deps import get_pool
from reward_service.checkers import CheckerPool

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(
    request: Request,
    pool: CheckerPool = Depends(get_pool),
    every_domain: bool = Query(False, alias="all", description="also wait for the code sandboxes, when enabled"),
):
    """200 when every checker worker is alive. The code domain reports on its own ("ready",
    "starting", "replacing containers ..." or why it is unavailable) and holds the answer back only
    with ?all=true. 503 while draining for shutdown, starting, or below strength."""
    sandbox = request.app.state.sandbox
    code = sandbox.status()
    if request.app.state.load.draining:
        return JSONResponse({"status": "draining", "detail": "shutting down"}, status_code=503)
    if pool.failure:
        return JSONResponse({"status": "failed", "detail": pool.failure}, status_code=503)
    strength = pool.strength
    if not pool.ready:
        detail = f"{strength} of {pool.size} checker workers alive" if pool.started else "worker pool is starting"
        return JSONResponse(
            {"status": "starting", "detail": detail, "workers": strength, "code": code}, status_code=503
        )
    if every_domain and sandbox.enabled and not sandbox.ready:
        return JSONResponse(
            {"status": "starting", "detail": f"code domain: {code}", "workers": strength, "code": code}, status_code=503
        )
    return {"status": "ready", "workers": strength, "code": code}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def prometheus_metrics() -> Response:
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
