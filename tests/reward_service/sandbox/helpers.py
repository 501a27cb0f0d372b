"""Helpers for the code-domain tests: items, scoring one program, waiting for the sandboxes."""

import contextlib
import json
import subprocess
import sys
import time


def wait_code_ready(client, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if client.get("/readyz").json().get("code") == "ready":
            return
        time.sleep(0.2)
    raise AssertionError(f"the code domain did not come up: {client.get('/readyz').json()}")


def code_item(program: str, reference: dict, language: str = "python", **extra) -> dict:
    fence = "python" if language == "python" else "cpp"
    return {"domain": "code", "response": f"Here it is.\n```{fence}\n{program}\n```\n", "reference": reference, **extra}


def score(client, program: str, reference: dict, language: str = "python") -> dict:
    r = client.post("/v1/score", json={"items": [code_item(program, reference, language)]})
    assert r.status_code == 200, r.text
    return r.json()["results"][0]


@contextlib.contextmanager
def native_runner():
    """The sandbox's runner as a plain local process (`--native`, no Docker; only for programs
    we wrote ourselves). Yields `run(response, reference) -> Verdict`."""
    from reward_service.verifiers import code

    runner = subprocess.Popen(
        [sys.executable, "reward_service/sandbox/inside/runner.py", "--native"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert json.loads(runner.stdout.readline()) == {"ready": True}

        def run(response: str, reference: dict):
            job, program = code.prepare(response, reference, 1 << 20, 1024)
            runner.stdin.write(json.dumps(job) + "\n")
            runner.stdin.flush()
            return code.verdict(json.loads(runner.stdout.readline()), program)

        yield run
    finally:
        runner.stdin.close()
        runner.wait(timeout=60)


@contextlib.contextmanager
def sandbox_service():
    """An in-process service with the code domain on, one warm container per language (so
    consecutive jobs reuse the same container), ready to score."""
    from tests.conftest import make_client, wait_ready

    with make_client(sandbox_enabled=True, sandbox_pool_size=1) as client:
        wait_ready(client.get)
        wait_code_ready(client)
        yield client
