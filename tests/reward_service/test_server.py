"""The real thing: `prorl serve` as a process (uvicorn) on a loopback port, spoken to over HTTP."""

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import free_port, wait_ready
from tests.reward_service.api.test_score import item
from tests.reward_service.sandbox.helpers import wait_code_ready
from tests.trainer.test_samples_gold import WRONG, gold
from trainer.datasets import SAMPLE_DOMAINS, sample_rows


def test_served_over_http_with_auth(server_process):
    url = server_process(env={"REWARD_API_KEY": "k", "REWARD_POOL_SIZE": "2"})
    with httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        body = {"items": [item("\\boxed{\\frac{2}{4}}", id="x"), item("\\boxed{2}", answer="3")]}
        assert http.post("/v1/score", json=body).status_code == 401
        r = http.post("/v1/score", json=body, headers={"Authorization": "Bearer k"})
        assert r.status_code == 200
        assert [x["status"] for x in r.json()["results"]] == ["correct", "incorrect"]
        assert http.post("/v1/score", content=b"{", headers={"Authorization": "Bearer k"}).status_code == 422


def test_several_server_processes_share_metrics(server_process):
    url = server_process("--workers", "2", env={"REWARD_POOL_SIZE": "1"})
    with httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(6):  # spread over both server processes
            r = http.post("/v1/score", json={"items": [item("\\boxed{1/2}")]}, headers={"Connection": "close"})
            assert r.json()["results"][0]["status"] == "correct"
        text = http.get("/metrics").text
    line = next(x for x in text.splitlines() if x.startswith('reward_items_total{domain="math",status="correct"}'))
    assert float(line.split()[-1]) == 6.0


@pytest.mark.docker
def test_all_five_domains_in_one_batch(server_process):
    """One request mixing every domain, each with a right and a wrong answer, to a real server."""
    url = server_process(
        env={"REWARD_POOL_SIZE": "2", "REWARD_SANDBOX_ENABLED": "true", "REWARD_SANDBOX_POOL_SIZE": "1"}
    )
    items, expected = [], []
    for domain in SAMPLE_DOMAINS:
        row = sample_rows(domain)[0]
        for kind, response in (("right", gold(row)), ("wrong", WRONG[domain])):
            items.append({"id": f"{domain}-{kind}", "domain": domain, "response": response, "reference": row.reference})
            expected.append((f"{domain}-{kind}", kind == "right"))
    with httpx.Client(base_url=url, timeout=60) as http:
        wait_code_ready(http)
        results = http.post("/v1/score", json={"items": items}).json()["results"]
    assert [(r["id"], r["reward"] == 1.0) for r in results] == expected
    assert {r["status"] for r in results} <= {"correct", "incorrect", "no_answer"}


def test_a_taken_port_is_a_clear_error(server_process):
    port = server_process("--log-level", "warning", env={"REWARD_POOL_SIZE": "1"}).rpartition(":")[2]
    done = subprocess.run(
        [sys.executable, "-m", "prorl", "serve", "--port", port], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"prorl serve: port {port} on 127.0.0.1 is already taken" in done.stderr and "--port" in done.stderr


def test_logs_go_to_stdout_the_services_own_included():
    port = free_port()
    env = {
        **os.environ,
        "REWARD_SANDBOX_ENABLED": "true",
        "REWARD_SANDBOX_DOCKER_HOST": "unix:///nonexistent/docker.sock",
        "REWARD_POOL_SIZE": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "prorl", "serve", "--port", str(port)],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_ready(lambda path: httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2))
        for _ in range(100):  # the pool's first check of the engine
            if "the Docker engine is not reachable" in httpx.get(f"http://127.0.0.1:{port}/readyz").json()["code"]:
                break
            time.sleep(0.1)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=60)
    assert "Uvicorn running on" in out and "code domain unavailable: the Docker engine is not reachable" in out, out
    assert err == "", err
