"""Prometheus metrics. With PROMETHEUS_MULTIPROC_DIR set (done by `prorl serve --workers N`),
every server process writes its samples there and /metrics adds them up."""

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

__all__ = [
    "REQUESTS",
    "REQUEST_SECONDS",
    "ITEMS",
    "ITEM_SECONDS",
    "TIMEOUTS",
    "WORKER_RESTARTS",
    "SANDBOX_REPLACED",
    "render",
]

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter("reward_requests_total", "HTTP requests by route and status code", ["route", "code"])
REQUEST_SECONDS = Histogram("reward_request_seconds", "HTTP request latency", ["route"], buckets=_LATENCY_BUCKETS)
ITEMS = Counter("reward_items_total", "Scored items by domain and status", ["domain", "status"])
ITEM_SECONDS = Histogram(
    "reward_item_seconds", "Time to check one item in a worker", ["domain"], buckets=_LATENCY_BUCKETS
)
TIMEOUTS = Counter("reward_timeouts_total", "Items that hit their time or resource limit", ["domain"])
WORKER_RESTARTS = Counter("reward_worker_restarts_total", "Worker processes replaced", ["reason"])
SANDBOX_REPLACED = Counter("reward_sandbox_replaced_total", "Sandbox containers replaced", ["reason"])


def render() -> tuple[bytes, str]:
    """The /metrics body and its content type; summed over every server process when multiprocess."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST
