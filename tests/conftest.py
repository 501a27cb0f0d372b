"""Shared fixtures: an app with a real worker pool, driven in-process through TestClient, and a
helper that runs `prorl serve` as a real process on a loopback port."""

import os
import subprocess
import time

import httpx
import pytest

# No model hub and no telemetry: everything the tests load is on disk (CI has no such network).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Only the code-domain tests (marked docker) start sandbox containers; they enable it themselves.
os.environ.setdefault("REWARD_SANDBOX_ENABLED", "false")

from fastapi.testclient import TestClient  # noqa: E402

from reward_service.app import create_app  # noqa: E402
from reward_service.config import Settings  # noqa: E402

# free_port is imported from here by the tests.
from reward_service.local import LocalServer, free_port, stop_process  # noqa: E402, F401


def wait_ready(get, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if get("/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("service did not become ready")


def make_client(**overrides) -> TestClient:
    settings = Settings(pool_size=2, **overrides)
    return TestClient(create_app(settings))


@pytest.fixture(scope="session")
def client():
    with make_client() as c:
        wait_ready(c.get)
        yield c


def start_server(port: int, *args: str, env: dict | None = None) -> subprocess.Popen:
    """`prorl serve` as a real process on a loopback port (not waited for: see wait_ready)."""
    return LocalServer(*args, port=port, env=env).start(wait=False).proc


def stop_servers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        stop_process(proc)


@pytest.fixture
def server_process():
    """Start `prorl serve` with the given extra arguments; yields a function returning the URL."""
    servers = []

    def start(*args: str, env: dict | None = None) -> str:
        servers.append(LocalServer(*args, env=env, timeout_s=60).start())
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    """A tiny random Llama saved as a Hugging Face folder (tests/trainer/tiny.py)."""
    from tests.trainer.tiny import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def pick_data(tmp_path_factory) -> str:
    from tests.trainer.tiny import write_pick_data

    return write_pick_data(tmp_path_factory.mktemp("data") / "pick.jsonl")
