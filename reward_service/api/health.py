"""Liveness, readiness and Prometheus metrics; open even when an API key is set."""

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from reward_service import metrics
from reward_service.api.deps import get_pool
from reward_service.pool import WorkerPool

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, pool: WorkerPool = Depends(get_pool),
           every_domain: bool = Query(False, alias="all", description="also wait for the code sandboxes, when enabled")):
    sandbox = request.app.state.sandbox
    if pool.ready and every_domain and sandbox.enabled and not sandbox.ready:
        return JSONResponse({"status": "starting", "detail": f"code domain: {sandbox.status()}", "workers": pool.size,
                             "code": sandbox.status()}, status_code=503)
    if pool.ready:
        # Ready means the checkers are up; the code domain reports on its own ("ready", "starting"
        # or why it is unavailable) and never holds back the other domains unless ?all=true.
        return {"status": "ready", "workers": pool.size, "code": sandbox.status()}
    if pool.failure:
        return JSONResponse({"status": "failed", "detail": pool.failure}, status_code=503)
    return JSONResponse({"status": "starting", "detail": "worker pool is starting"}, status_code=503)


@router.get("/metrics")
def prometheus_metrics() -> Response:
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
