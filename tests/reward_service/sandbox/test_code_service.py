"""The code domain as a service: 50 concurrent submissions, an unreachable Docker engine, a
container killed from outside, leftovers from a crashed run, and clean-up at shutdown."""

import asyncio
import socket
import subprocess
import sys

import httpx
import pytest

from reward_service.sandbox.containers import LABEL
from tests.conftest import make_client, wait_ready
from tests.reward_service.sandbox.helpers import code_item, score, wait_code_ready

pytestmark = pytest.mark.docker

STDIO = {"tests": [{"stdin": f"{a} {b}\n", "stdout": f"{a + b}\n"} for a, b in [(1, 2), (5, 8), (40, 2)]]}
CORRECT = "a, b = map(int, input().split())\nprint(a + b)"


def sandbox_containers(owner: str | None = None) -> list[str]:
    label = f"prorl.owner={owner}" if owner else LABEL
    args = ["docker", "ps", "-aq", "--filter", f"label={label}"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()


def test_fifty_concurrent_submissions(server_process):
    url = server_process(env={"REWARD_SANDBOX_ENABLED": "true", "REWARD_SANDBOX_POOL_SIZE": "2"})
    with httpx.Client(base_url=url, timeout=10) as http:
        wait_code_ready(http)
    # Submission i adds i % 4 to every sum: only i % 4 == 0 is right; i % 4 == 3 also crashes on
    # the last test, so rewards are 1, 0, 0, 0 by i % 4 and the outcomes say which is which.
    programs = [
        f"a, b = map(int, input().split())\nassert {i % 4} != 3 or a != 40\nprint(a + b + {i % 4})" for i in range(50)
    ]

    async def submit(http, i):
        r = await http.post("/v1/score", json={"items": [code_item(programs[i], STDIO, id=i)]})
        return r.json()["results"][0]

    async def main():
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            return await asyncio.gather(*(submit(http, i) for i in range(50)))

    results = asyncio.run(main())
    assert [r["id"] for r in results] == list(range(50))
    assert [r["reward"] for r in results] == [1.0 if i % 4 == 0 else 0.0 for i in range(50)]
    for i, r in enumerate(results):
        expected = (
            ["passed"] * 3 if i % 4 == 0 else ["wrong_answer"] * 2 + ["runtime_error" if i % 4 == 3 else "wrong_answer"]
        )
        assert [t["outcome"] for t in r["tests"]] == expected, (i, r)


def test_unreachable_docker_engine_is_an_error_not_a_hang(server_process):
    url = server_process(
        env={"REWARD_SANDBOX_ENABLED": "true", "REWARD_SANDBOX_DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    )
    with httpx.Client(base_url=url, timeout=30) as http:
        ready = http.get("/readyz").json()
        items = [code_item(CORRECT, STDIO), {"domain": "math", "response": "\\boxed{2}", "reference": {"answer": "2"}}]
        for _ in range(50):  # the first check of the engine takes a moment
            results = http.post("/v1/score", json={"items": items}).json()["results"]
            if "not reachable" in results[0]["detail"]:
                break
        code, math = results
    assert ready["status"] == "ready"
    assert code["status"] == "error" and "Docker engine is not reachable" in code["detail"], code
    assert math["status"] == "correct"


def test_container_killed_from_outside_is_replaced_and_the_job_rerun():
    with make_client(sandbox_enabled=True, sandbox_pool_size=1) as client:
        wait_ready(client.get)
        wait_code_ready(client)
        owner = client.app.state.sandbox.owner
        before = set(sandbox_containers(owner))
        assert len(before) == 4  # per language: one that runs jobs, one spare
        for cid in before:
            subprocess.run(["docker", "kill", cid], capture_output=True)
        first = score(client, CORRECT, STDIO)  # the job finds its container dead, and is run again
        assert first["reward"] == 1.0, first
        wait_code_ready(client)
        assert score(client, CORRECT, STDIO)["reward"] == 1.0
        assert not before & set(sandbox_containers(owner))
    assert sandbox_containers(owner) == []  # shutdown removed the replacements too


def test_leftovers_of_a_dead_service_are_removed_at_start():
    image = subprocess.run(
        ["docker", "images", "-q", "--filter", "label=prorl.sandbox.image"], capture_output=True, text=True
    ).stdout.split()[0]
    leftover = subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--label",
            LABEL,
            "--label",
            f"prorl.owner={socket.gethostname()}:999999:deadbeef",
            "--entrypoint",
            "sleep",
            image,
            "600",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with make_client(sandbox_enabled=True, sandbox_pool_size=1) as client:
        wait_ready(client.get)
        wait_code_ready(client)
        owner = client.app.state.sandbox.owner
        assert not any(leftover.startswith(c) for c in sandbox_containers())
        assert len(sandbox_containers(owner)) == 4  # its own: two per language (one a spare)
    assert sandbox_containers(owner) == []


def test_missing_image_names_the_build_command(monkeypatch):
    import reward_service.sandbox.warm_pool as pool_module

    monkeypatch.setattr(pool_module, "image_tag", lambda language: f"prorl-sandbox-{language}:not-built")
    with make_client(sandbox_enabled=True, sandbox_pool_size=1) as client:
        wait_ready(client.get)
        for _ in range(100):
            result = score(client, CORRECT, STDIO)
            if "missing" in result["detail"]:
                break
        assert result["status"] == "error", result
        assert (
            "prorl-sandbox-python:not-built is missing" in result["detail"]
            and "prorl sandbox build" in result["detail"]
        )
        assert "prorl sandbox build" in client.get("/readyz").json()["code"]


def test_sandbox_build_command():
    built = subprocess.run([sys.executable, "-m", "prorl", "sandbox", "build"], capture_output=True, text=True)
    assert built.returncode == 0 and built.stdout.count("is already built") == 2, built
    unreachable = subprocess.run(
        [sys.executable, "-m", "prorl", "sandbox", "build", "--docker-host", "unix:///nonexistent/docker.sock"],
        capture_output=True,
        text=True,
    )
    assert unreachable.returncode == 1 and "Docker engine is not reachable" in unreachable.stderr
    unknown = subprocess.run(
        [sys.executable, "-m", "prorl", "sandbox", "build", "java"], capture_output=True, text=True
    )
    assert unknown.returncode == 1 and "unknown language 'java'; valid: python, cpp" in unknown.stderr
