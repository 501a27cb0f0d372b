"""Faults around the sandboxes of a real `prorl serve`: a container killed while idle, one killed
while it runs a job, the Docker engine restarted under load, and a big request that must not hold
up a small one. Each fault may cost an item an `error` or a rerun, never a wrong reward, and the
service recovers by itself, without a restart.

Every program here is correct, so any `incorrect` is a wrong reward. The pool runs one job at a
time per language and keeps a spare (REWARD_SANDBOX_POOL_SIZE=1: two containers per language)."""

import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from reward_service.sandbox.containers import LABEL
from tests.conftest import free_port, start_server, stop_servers, wait_ready
from tests.reward_service.sandbox.helpers import code_item, wait_code_ready

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[3]
CORRECT = "a, b = map(int, input().split())\nprint(a + b)"
STDIO = {"tests": [{"stdin": "2 3\n", "stdout": "5\n"}]}
# Room for programs that sleep: the defaults (2 s a test, 5 s an item) would time them out.
ROOMY = {**STDIO, "time_limit_s": 20, "total_time_limit_s": 40}
FULL_STRENGTH = "ready"
DOCKER_PID_FILE = "/var/run/docker.pid"


def sleeper(seconds: float, marker: str, n: int = 0) -> str:
    """A correct program that sleeps first, its process named `marker` so that `docker top`
    shows which container runs it. `n` makes it unique: identical items of a request run once."""
    return (
        f"import time  # program {n}\nopen('/proc/self/comm', 'w').write({marker!r})\ntime.sleep({seconds})\n{CORRECT}"
    )


@dataclass
class Server:
    url: str
    pid: int
    http: httpx.Client

    def containers(self, language: str | None = None) -> list[str]:
        """Its sandbox containers (short ids), also those exited but not yet removed."""
        listed = subprocess.run(
            [
                "docker",
                "ps",
                "-a",
                "--filter",
                f"label={LABEL}",
                "--format",
                '{{.ID}} {{.Label "prorl.owner"}} {{.Image}}',
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        ours = f"{socket.gethostname()}:{self.pid}:"
        return [
            cid
            for cid, owner, image in (line.split() for line in listed.splitlines())
            if owner.startswith(ours) and (language is None or image.startswith(f"prorl-sandbox-{language}:"))
        ]

    def score(self, *items: dict, timeout: float = 120) -> list[dict]:
        r = httpx.post(self.url + "/v1/score", json={"items": list(items)}, timeout=timeout)
        assert r.status_code == 200, r.text
        return r.json()["results"]

    def replaced(self, reason: str) -> float:
        """reward_sandbox_replaced_total{reason=...}: containers this server replaced, and why."""
        for line in self.http.get("/metrics").text.splitlines():
            if line.startswith(f'reward_sandbox_replaced_total{{reason="{reason}"}}'):
                return float(line.split()[-1])
        return 0.0

    def wait_full_strength(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.http.get("/readyz", params={"all": "true"}).status_code == 200:
                return
            time.sleep(0.1)
        raise AssertionError(f"sandboxes not back to full strength: {self.http.get('/readyz').json()}")

    def running(self, marker: str, language: str = "python", timeout: float = 60) -> str:
        """The container in which a process named `marker` runs (waits for one to appear)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for cid in self.containers(language):
                # `docker top -o` refuses a format without pid
                top = subprocess.run(["docker", "top", cid, "-o", "pid,comm"], capture_output=True, text=True)
                if marker in top.stdout.split():
                    return cid
            time.sleep(0.05)
        raise AssertionError(f"no container runs {marker} after {timeout} s")


@pytest.fixture
def server():
    """`prorl serve` with the code domain on, one busy container and one spare per language."""
    port = free_port()
    proc = start_server(port, env={"REWARD_SANDBOX_ENABLED": "true", "REWARD_SANDBOX_POOL_SIZE": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            wait_ready(lambda path: httpx.get(url + path, timeout=2))
            wait_code_ready(http)
            yield Server(url, proc.pid, http)
    finally:
        stop_servers([proc])


def in_background(fn) -> tuple[threading.Thread, dict]:
    """Run `fn` in a thread; the dict gets its `result` or `exception`."""
    out = {}

    def run():
        try:
            out["result"] = fn()
        except BaseException as exc:  # reported by the test, not lost in the thread
            out["exception"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def one_python_down(seen: tuple[str, int, str]) -> tuple[str, int, bool]:
    """(which /readyz, its status code, whether its `code` says python is 1 container short)."""
    which, status, code = seen
    return which, status, code.startswith("replacing containers (") and "python 1 of 2" in code and "cpp 2 of 2" in code


def assert_right_or_error(result: dict) -> None:
    """A correct program's result after a fault: right, or an infrastructure error; never 0 as wrong."""
    assert result["status"] in ("correct", "error"), result
    assert result["reward"] == (1.0 if result["status"] == "correct" else 0.0), result


def test_container_killed_while_idle_is_replaced_at_once(server):
    before = server.containers("python")
    assert len(before) == 2, before  # the one that runs jobs and its spare
    subprocess.run(["docker", "kill", before[0]], capture_output=True, check=True)

    # No item is sent: the watcher notices the death itself. /readyz stays 200 (the other domains
    # and one python container are up) and says what is going on; ?all=true holds back until full.
    seen, deadline = [], time.time() + 60
    while time.time() < deadline:
        plain = server.http.get("/readyz")
        every = server.http.get("/readyz", params={"all": "true"})
        seen += [("plain", plain.status_code, plain.json()["code"]), ("all", every.status_code, every.json()["code"])]
        if ("plain", 200, True) in map(one_python_down, seen) and seen[-1] == ("all", 200, FULL_STRENGTH):
            break
        time.sleep(0.05)
    assert ("plain", 200, True) in map(one_python_down, seen), sorted(set(seen))
    assert ("all", 503, True) in map(one_python_down, seen), sorted(set(seen))
    assert seen[-1] == ("all", 200, FULL_STRENGTH), sorted(set(seen))
    assert server.replaced("died_idle") == 1.0

    after = server.containers("python")
    assert before[0] not in after and before[1] in after and len(after) == 2, (before, after)
    [result] = server.score(code_item(CORRECT, STDIO))
    assert (result["status"], result["reward"]) == ("correct", 1.0), result


def test_container_killed_while_busy_reruns_the_job_in_another(server):
    thread, out = in_background(lambda: server.score(code_item(sleeper(4, "prorl-busy"), ROOMY)))
    busy = server.running("prorl-busy")
    subprocess.run(["docker", "kill", busy], capture_output=True, check=True)
    thread.join(120)
    assert not thread.is_alive() and "exception" not in out, out

    # One broken container, a healthy engine and an idle spare: the pool's second try
    # (SandboxPool.execute) runs the job there, so it must come back right, not `error`.
    [result] = out["result"]
    assert (result["status"], result["reward"]) == ("correct", 1.0), result
    assert server.replaced("broken") == 1.0
    server.wait_full_strength()
    assert busy not in server.containers()
    assert len(server.containers("python")) == 2
    [again] = server.score(code_item(CORRECT, STDIO))
    assert (again["status"], again["reward"]) == ("correct", 1.0), again


def engine_pid() -> int | None:
    """The running dockerd's pid, from its pid file, if this is a dockerd we can stop and start."""
    try:
        pid = int(Path(DOCKER_PID_FILE).read_text())
    except (OSError, ValueError):
        return None
    return None if gone(pid) or Path(f"/proc/{pid}/comm").read_text().strip() != "dockerd" else pid


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def stop_engine(pid: int) -> None:
    """What `systemctl stop docker` does: SIGTERM; dockerd closes its API, gives each container
    its stop timeout (10 s; the runner, pid 1, ignores SIGTERM, so it is killed then), and exits."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 90
    while not gone(pid):
        if time.time() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.2)


def engine_up() -> None:
    if subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
        return
    try:
        if gone(int(Path(DOCKER_PID_FILE).read_text())):
            Path(DOCKER_PID_FILE).unlink()  # left by a dockerd that was killed: a new one refuses to start
    except (OSError, ValueError):
        pass
    # A new session: the dockerd it starts must outlive this test (and any kill of its group).
    started = subprocess.run(
        ["bash", str(ROOT / "scripts/docker_up.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,
    )
    assert started.returncode == 0, started.stdout + started.stderr


@pytest.mark.slow
def test_engine_restart_with_items_in_flight(server):
    pid = engine_pid()
    if pid is None or os.geteuid() != 0:
        pytest.skip(f"restarting the engine needs root and a dockerd with {DOCKER_PID_FILE} (scripts/docker_up.sh)")
    # Longer than dockerd's 10 s stop timeout: two run (one turns slow, the spare takes the next)
    # and one waits when the engine goes, and none can finish before the containers are killed.
    long = {**STDIO, "time_limit_s": 45, "total_time_limit_s": 60}
    items = [code_item(sleeper(30, "prorl-busy", i), long, id=i) for i in range(3)]
    thread, out = in_background(lambda: server.score(*items, timeout=300))
    try:
        server.running("prorl-busy")
        stop_engine(pid)
    finally:
        engine_up()
    thread.join(300)
    assert not thread.is_alive() and "exception" not in out, out

    # Each in-flight item is right or an error: a correct program that broke two containers
    # because the engine went away must not be scored 0 as if it were wrong.
    results = out["result"]
    assert [r["id"] for r in results] == [0, 1, 2]
    for result in results:
        assert_right_or_error(result)
    assert "error" in [r["status"] for r in results], results  # or the fault missed them

    # Back without a restart of the service: items are errors while the pool waits for the engine
    # (retrying with backoff), then right; the pool gets back to full strength.
    deadline, outcomes = time.time() + 120, []
    while time.time() < deadline:
        [result] = server.score(code_item(CORRECT, STDIO))
        assert_right_or_error(result)
        outcomes.append(result["status"])
        if result["status"] == "correct":
            break
        time.sleep(1)
    assert outcomes[-1] == "correct", f"code items still failing 120 s after the engine came back: {result}"
    server.wait_full_strength(timeout=max(deadline - time.time(), 10))
    assert len(server.containers("python")) == 2 and len(server.containers("cpp")) == 2


def test_small_request_is_served_before_a_big_one_that_came_first(server):
    """Completion order, not times: with one container running jobs (a 0.3 s job never turns slow
    enough to use the spare), first-come-first-served would finish the small request last."""
    big = [code_item(sleeper(0.3, "prorl-big", i), ROOMY, id=i) for i in range(12)]
    finished = []

    def send(name, items):
        results = server.score(*items)
        finished.append(name)
        return results

    big_thread, big_out = in_background(lambda: send("big", big))
    server.running("prorl-big")  # the big request's jobs are queued
    small = send("small", [code_item(CORRECT, STDIO, id="small")])
    big_thread.join(120)
    assert not big_thread.is_alive() and "exception" not in big_out, big_out

    assert finished == ["small", "big"]
    assert [(r["status"], r["reward"]) for r in small] == [("correct", 1.0)], small
    assert [(r["status"], r["reward"]) for r in big_out["result"]] == [("correct", 1.0)] * 12, big_out
