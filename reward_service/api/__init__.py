"""HTTP routers: scoring (`/v1/*`) and health (`/healthz`, `/readyz`, `/metrics`)."""

__all__: list[str] = []
