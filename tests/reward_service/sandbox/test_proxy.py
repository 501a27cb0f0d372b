"""The sandbox proxy (reward_service/sandbox/proxy.py): the checks on a container-create body, and,
against a real engine, the same channel the containerised service uses (the docker command line
with DOCKER_HOST=tcp://proxy), refusing what would give a compromised service the host."""

import contextlib
import copy
import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from reward_service.config import Settings
from reward_service.sandbox.containers import Limits, docker_command, new_owner
from reward_service.sandbox.images import image_tag
from reward_service.sandbox.proxy import Policy, Refused, check_create
from tests.conftest import free_port, make_client, wait_ready
from tests.reward_service.sandbox.helpers import code_item, wait_code_ready

# What the docker command line sends for the pool's `docker run` (captured from docker 28.2.2).
CLI_BODY = json.loads((Path(__file__).parent / "cli_create_body.json").read_text())
NAME = {"name": ["prorl-sbx-0123456789ab"]}


def mutated(path: str, value):
    body = copy.deepcopy(CLI_BODY)
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return body


def test_the_pools_own_body_passes_as_it_was_sent():
    forwarded = json.loads(check_create(NAME, CLI_BODY, Policy()))
    for key, value in forwarded.items():
        if key != "HostConfig":
            assert CLI_BODY[key] == value
    for key, value in forwarded["HostConfig"].items():
        expected = CLI_BODY["HostConfig"][key]
        if key == "RestartPolicy":
            assert value == {"Name": "no"}
        elif key == "Ulimits":
            assert value == [{k: u[k] for k in ("Name", "Soft", "Hard")} for u in expected]
        else:
            assert value == expected, key
    # Only the fields the gate knows travel on; empty ones it does not know are dropped.
    assert "Binds" not in forwarded["HostConfig"] and "MaskedPaths" not in forwarded["HostConfig"]


@pytest.mark.parametrize(
    "path,value,why",
    [
        ("HostConfig.Privileged", True, "privileged"),
        ("HostConfig.Binds", ["/:/host"], "HostConfig.Binds is not allowed"),
        ("HostConfig.Mounts", [{"Type": "bind", "Source": "/", "Target": "/host"}], "HostConfig.Mounts is not allowed"),
        ("HostConfig.NetworkMode", "host", "network mode 'host'"),
        ("HostConfig.NetworkMode", "bridge", "network mode 'bridge'"),
        ("HostConfig.CapAdd", ["SYS_ADMIN"], "HostConfig.CapAdd is not allowed"),
        ("HostConfig.CapDrop", ["NET_RAW"], "CapDrop must be ['ALL']"),
        ("Labels", {"prorl.owner": "x"}, "lacks the prorl.sandbox label"),
        ("Labels", {"prorl.sandbox": "", "com.docker.compose.project": "x"}, "labels other than"),
        ("Image", "debian:bookworm", "not a sandbox image"),
        ("User", "0:0", "sandboxes run as 10001:10001"),
        ("Entrypoint", ["/bin/sh"], "entrypoint"),
        ("Cmd", ["sh", "-c", "id"], "entrypoint"),
        ("Env", ["LD_PRELOAD=/tmp/x.so"], "Env is not allowed"),
        ("HostConfig.PidMode", "host", "HostConfig.PidMode is not allowed"),
        ("HostConfig.IpcMode", "host", "IPC mode 'host'"),
        ("HostConfig.UsernsMode", "host", "HostConfig.UsernsMode is not allowed"),
        ("HostConfig.Devices", [{"PathOnHost": "/dev/sda"}], "HostConfig.Devices is not allowed"),
        ("HostConfig.DeviceRequests", [{"Count": -1}], "HostConfig.DeviceRequests is not allowed"),
        ("HostConfig.Sysctls", {"kernel.shmmax": "1"}, "HostConfig.Sysctls is not allowed"),
        ("HostConfig.SecurityOpt", ["no-new-privileges", "seccomp=unconfined"], "SecurityOpt"),
        ("HostConfig.SecurityOpt", [], "SecurityOpt"),
        ("HostConfig.ReadonlyRootfs", False, "read-only"),
        ("HostConfig.Memory", 0, "memory 0"),
        ("HostConfig.Memory", 64 * 2**30, "at most 4096 MB"),
        ("HostConfig.MemorySwap", -1, "swap"),
        ("HostConfig.NanoCpus", 0, "NanoCpus"),
        ("HostConfig.PidsLimit", -1, "PidsLimit"),
        ("HostConfig.PidsLimit", True, "PidsLimit"),
        ("HostConfig.OomKillDisable", True, "OomKillDisable is not allowed"),
        ("HostConfig.OomScoreAdj", -1000, "OomScoreAdj"),
        ("HostConfig.MaskedPaths", [], "MaskedPaths"),
        ("HostConfig.LogConfig", {"Type": "json-file", "Config": {}}, "log driver"),
        ("HostConfig.Runtime", "kata", "runtime 'kata'"),
        ("HostConfig.Tmpfs", {"/etc": "rw"}, "tmpfs mounts"),
        ("HostConfig.Ulimits", [{"Name": "rtprio", "Soft": 99, "Hard": 99}], "ulimits"),
        ("HostConfig.RestartPolicy", {"Name": "always"}, "restart"),
        ("HostConfig.PortBindings", {"22/tcp": [{"HostPort": "2222"}]}, "HostConfig.PortBindings is not allowed"),
        ("HostConfig.VolumesFrom", ["victim"], "HostConfig.VolumesFrom is not allowed"),
        ("HostConfig.CgroupParent", "/", "HostConfig.CgroupParent is not allowed"),
        ("HostConfig.CpuQuota", 10**9, "HostConfig.CpuQuota is not allowed"),
        ("HostConfig", KeyError, "no HostConfig"),
        ("NetworkingConfig", {"EndpointsConfig": {"bridge": {}}}, "network endpoints"),
        # Docker reads keys case-insensitively: another spelling of a field is that field.
        ("HostConfig.privileged", True, "HostConfig.privileged is not allowed"),
        ("HostConfig.networkmode", "host", "HostConfig.networkmode is not allowed"),
    ],
)
def test_a_body_that_is_not_a_sandbox_is_refused(path, value, why):
    with pytest.raises(Refused, match=None) as refused:
        check_create(NAME, mutated(path, value), Policy())
    assert why in str(refused.value)


def test_empty_other_spellings_are_dropped_not_passed_on():
    # `maskedpaths: []` would unmask /proc for Docker; it is empty, so it is dropped.
    body = mutated("HostConfig.maskedpaths", [])
    body["HostConfig"]["memory"] = 0
    forwarded = json.loads(check_create(NAME, body, Policy()))
    assert "maskedpaths" not in forwarded["HostConfig"] and "memory" not in forwarded["HostConfig"]
    assert forwarded["HostConfig"]["Memory"] == CLI_BODY["HostConfig"]["Memory"]


@pytest.mark.parametrize("name", [[""], ["victim"], ["prorl-sbx-1", "prorl-sbx-2"], ["prorl-sbx-../x"]])
def test_container_names_must_be_the_pools(name):
    with pytest.raises(Refused, match="container name"):
        check_create({"name": name}, CLI_BODY, Policy())


# --- against a real engine ---------------------------------------------------------------------


def _wait_port(port: int, proc: subprocess.Popen) -> None:
    for _ in range(100):
        assert proc.poll() is None, "the proxy exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the proxy did not listen")


@contextlib.contextmanager
def running_proxy(*args: str):
    """`prorl sandbox proxy` on a loopback port; yields (its DOCKER_HOST, the process)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "prorl", "sandbox", "proxy", "--listen", f"127.0.0.1:{port}", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_port(port, proc)
        yield f"tcp://127.0.0.1:{port}", proc
    finally:
        proc.terminate()  # handled, so that as a container's pid 1 it stops at once too
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def proxy():
    with running_proxy("--max-containers", "64") as (host, proc):
        yield host
    assert proc.returncode == 0 and "sandbox proxy stopped" in proc.stdout.read()


def _docker(docker_host: str | None, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"}
    if docker_host:
        env["DOCKER_HOST"] = docker_host
    return subprocess.run(["docker", *args], input=stdin, env=env, capture_output=True, text=True, timeout=120)


def _sandbox_run(extra: list[str] = (), drop: tuple[str, ...] = ()) -> list[str]:
    """The pool's own `docker run`, with flags added before the image or (flag, value) pairs dropped."""
    command = docker_command(image_tag("python"), Limits.of(Settings()), new_owner())[1:]
    for flag in drop:
        i = command.index(flag)
        del command[i : i + 2]
    return [*command[:-1], *extra, command[-1]]


@pytest.mark.docker
@pytest.mark.parametrize(
    "extra,drop,why",
    [
        (["--privileged"], (), "privileged containers are not allowed"),
        (["-v", "/:/host"], (), "Binds is not allowed"),
        (["--network", "host"], ("--network",), "network mode 'host'"),
        (["--cap-add", "SYS_ADMIN"], (), "CapAdd is not allowed"),
        ([], ("--label",), "lacks the prorl.sandbox label"),
    ],
)
def test_the_proxy_refuses_containers_that_reach_the_host(proxy, extra, drop, why):
    command = _sandbox_run(extra, drop)
    name = command[command.index("--name") + 1]
    done = _docker(proxy, *command)
    assert done.returncode != 0 and "sandbox proxy refused this request" in done.stderr and why in done.stderr, (
        done.stderr
    )
    assert _docker(None, "ps", "-aq", "--filter", f"name={name}").stdout.strip() == ""


@pytest.mark.docker
def test_the_pools_own_container_runs_through_the_proxy(proxy):
    done = _docker(proxy, *_sandbox_run())  # stdin closes at once: the runner greets and exits
    assert done.returncode == 0 and json.loads(done.stdout.splitlines()[0]) == {"ready": True}, done.stderr


@pytest.mark.docker
def test_the_proxy_caps_live_sandboxes():
    # The cap counts every sandbox on the engine (other tests' warm pools too): room for one more.
    cap = len(_docker(None, "ps", "-aq", "--filter", "label=prorl.sandbox").stdout.split()) + 1
    with running_proxy("--max-containers", str(cap)) as (host, _):
        first = subprocess.Popen(
            ["docker", *_sandbox_run()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "DOCKER_HOST": host, "HOME": "/tmp"},
        )
        assert json.loads(first.stdout.readline()) == {"ready": True}
        second = _docker(host, *_sandbox_run())
        assert second.returncode != 0 and f"{cap} sandboxes exist already" in second.stderr, second.stderr
        first.stdin.close()
        assert first.wait(timeout=60) == 0


@pytest.mark.docker
def test_containers_that_are_not_sandboxes_are_out_of_reach(proxy):
    victim = f"victim-{uuid.uuid4().hex[:8]}"
    assert _docker(None, "create", "--name", victim, image_tag("python")).returncode == 0
    try:
        for args in (
            ["rm", "-f", victim],
            ["kill", victim],
            ["inspect", victim],
            ["start", victim],
            ["exec", victim, "id"],
            ["logs", victim],
            ["cp", f"{victim}:/etc/passwd", "/tmp/x"],
        ):
            done = _docker(proxy, *args)
            assert done.returncode != 0 and "sandbox proxy refused this request" in done.stderr, (args, done)
        assert _docker(None, "inspect", victim).returncode == 0  # still there
    finally:
        _docker(None, "rm", "-f", victim)


@pytest.mark.docker
@pytest.mark.parametrize(
    "args",
    [
        ["ps", "-a"],
        ["images"],
        ["volume", "ls"],
        ["network", "ls"],
        ["pull", "debian"],
        ["info"],
        ["image", "inspect", "debian:bookworm"],
        ["system", "df"],
    ],
)
def test_other_api_calls_are_refused(proxy, args):
    done = _docker(proxy, *args)
    assert done.returncode != 0 and "sandbox proxy refused this request" in done.stderr, done


@pytest.mark.docker
def test_no_second_request_rides_behind_an_allowed_one(proxy):
    port = int(proxy.rpartition(":")[2])
    evil = f"prorl-sbx-{uuid.uuid4().hex[:12]}"
    body = json.dumps(
        {"Image": image_tag("python"), "Labels": {"prorl.sandbox": ""}, "HostConfig": {"Privileged": True}}
    )
    smuggled = (
        f"POST /v1.41/containers/create?name={evil} HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: keep-alive\r\n\r\n{smuggled}".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and answer.count(b"HTTP/1.1 ") == 1
    assert _docker(None, "ps", "-aq", "--filter", f"name={evil}").stdout.strip() == ""


@pytest.mark.docker
def test_the_service_scores_code_through_the_proxy(proxy):
    with make_client(sandbox_enabled=True, sandbox_pool_size=1, sandbox_docker_host=proxy) as client:
        wait_ready(client.get)
        wait_code_ready(client)
        stdio = {"tests": [{"stdin": "2 3\n", "stdout": "5\n"}, {"stdin": "40 2\n", "stdout": "42\n"}]}
        items = [
            code_item("a, b = map(int, input().split())\nprint(a + b)", stdio),
            code_item("a, b = map(int, input().split())\nprint(a - b)", stdio),
            code_item(
                '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}',
                {**stdio, "language": "cpp"},
                language="cpp",
            ),
        ]
        results = client.post("/v1/score", json={"items": items}).json()["results"]
        assert [r["reward"] for r in results] == [1.0, 0.0, 1.0], results


@pytest.mark.docker  # the docker command line, not an engine
def test_no_engine_behind_the_proxy_is_a_clear_error():
    with running_proxy("--docker-socket", "/nonexistent/docker.sock") as (host, _):
        done = _docker(host, "version", "--format", "{{.Server.Version}}")
        assert (
            done.returncode != 0 and "the Docker engine is not reachable at /nonexistent/docker.sock" in done.stderr
        ), done
