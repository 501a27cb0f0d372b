"""Service settings, read once from `REWARD_*` environment variables.

Every knob an operator may want to turn lives here, so a deployment is configured by environment
alone (compose files, Kubernetes) and tests override `get_settings` instead of patching globals.
"""

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "settings_table"]


class Settings(BaseSettings):
    """Every setting of the service, each read from `REWARD_<NAME>` (the README's table is written from here)."""

    model_config = SettingsConfigDict(env_prefix="REWARD_")

    api_key: str | None = Field(
        default=None,
        description="When set, every route but health, metrics and docs requires 'Authorization: Bearer KEY'.",
    )
    pool_size: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        json_schema_extra={"shown_default": "cores"},
        description="Worker processes that run the checks (per server process).",
    )
    max_items: int = Field(default=4096, ge=1, description="Most items one request may carry.")
    max_body_bytes: int = Field(default=64 * 2**20, ge=1024, description="Largest request body.")
    default_timeout_s: float = Field(default=5.0, gt=0, description="Per-item limit when none is given.")
    max_timeout_s: float = Field(default=60.0, gt=0, description="Largest per-item limit a client may ask for.")
    worker_memory_mb: int = Field(default=4096, ge=256, description="Address-space cap of each worker process.")
    max_answer_chars: int = Field(
        default=1000, ge=16, description="Longer extracted answers are refused before parsing (status timeout)."
    )

    default_domain: str = Field(
        default="math", description="Domain of a framework's label that names none (docs/integrations.md)."
    )
    data_sources: dict[str, str] = Field(
        default_factory=dict,
        description='veRL data_source -> domain, over the built-in table (JSON, e.g. \'{"my_set": "stem"}\').',
    )
    retry_after_s: int = Field(
        default=5, ge=1, description="Retry-After of a 503 (our infrastructure failed, or busy)."
    )

    max_inflight_items: int = Field(
        default=16384, ge=1, description="Items one server process scores at once; past it, 503 with Retry-After."
    )
    max_inflight_bytes: int = Field(
        default=256 * 2**20,
        ge=1024,
        description="Request bytes one server process holds at once; past it, 503 with Retry-After.",
    )
    max_connections: int = Field(
        default=1000, ge=1, description="Open connections per server process; more are closed at once (and logged)."
    )
    header_timeout_s: float = Field(
        default=10.0, gt=0, description="Time a connection may take to send a request's headers, or stay silent."
    )
    body_timeout_s: float = Field(default=60.0, gt=0, description="Time a request's body may take to arrive (408).")
    keep_alive_s: float = Field(default=15.0, gt=0, description="Idle time before a kept-alive connection is closed.")
    shutdown_grace_s: float = Field(
        default=10.0,
        ge=0,
        description="On SIGTERM, time requests in flight get to finish; later ones are answered 503 with Retry-After.",
    )
    docs_enabled: bool = Field(default=True, description="Serve /docs, /redoc and /openapi.json.")

    sandbox_enabled: bool = Field(
        default=True,
        description="Run the code domain (needs Docker and `prorl sandbox build`; false: code items are error).",
    )
    sandbox_pool_size: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        json_schema_extra={"shown_default": "cores"},
        description="Containers per language that run jobs at once (as many warm spares take over from slow jobs).",
    )
    sandbox_memory_mb: int = Field(
        default=1024,
        ge=256,
        description="Memory of each sandbox container (no swap); an item's memory_mb may be up to this less 256.",
    )
    sandbox_cpus: float = Field(default=1.0, gt=0, description="CPU quota of each sandbox container.")
    sandbox_pids: int = Field(default=64, ge=16, description="Most processes in one sandbox container.")
    sandbox_tmpfs_mb: int = Field(default=128, ge=16, description="Scratch space (/tmp) of each container.")
    sandbox_output_limit_mb: int = Field(default=16, ge=1, description="Most output one test run may write.")
    sandbox_recycle_after: int = Field(default=1000, ge=1, description="Jobs before a container is replaced.")
    sandbox_start_timeout_s: float = Field(default=60.0, gt=0, description="Time a container may take to start.")
    sandbox_docker_host: str | None = Field(
        default=None,
        description="DOCKER_HOST for the sandboxes, if not the default (compose: tcp://sandbox-proxy:2375).",
    )


@lru_cache
def get_settings() -> Settings:
    """The settings from the environment, read once (tests override this dependency)."""
    return Settings()


def settings_table() -> str:
    """The README's table of settings (Markdown), written from `Settings` itself: `python -m
    reward_service.config` prints it, and a test keeps the README's copy equal to it."""
    rows = ["| variable | default | |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra or {}
        default = extra.get("shown_default") or field.get_default(call_default_factory=True)
        shown = "unset" if default is None else str(default).lower() if isinstance(default, bool) else f"{default}"
        if isinstance(default, dict):
            shown = "`{}`" if not default else f"`{default}`"
        rows.append(f"| `REWARD_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(settings_table(), end="")
