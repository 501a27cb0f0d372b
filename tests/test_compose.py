"""The full stack as an operator runs it: compose.yaml with the images `make images` built from this
checkout. The service scores all five domains through the published port, its sandboxes start
through the proxy (which refuses a privileged container on the same channel), the trainer
container trains a step against it, three replicas share the load while one is killed mid-run,
and everything is torn down (containers, volumes, networks), also on failure."""

import asyncio
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from prorl.images import stack_tag
from reward_service.client import RewardClient
from reward_service.sandbox.images import image_tag
from tests.trainer.test_samples_gold import check_domain
from trainer.datasets import SAMPLE_DOMAINS

pytestmark = [pytest.mark.docker, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[1]


def _free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports."""
    for _ in range(200):
        base = 20000 + int.from_bytes(os.urandom(2), "big") % 30000
        socks = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind(("0.0.0.0", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError("no free port range")


class Stack:
    def __init__(self):
        self.project = f"prorltest{uuid.uuid4().hex[:8]}"
        self.tag = stack_tag("reward").partition(":")[2]
        # The tests' own REWARD_* settings (sandboxes off) must not reach the stack.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_") and k != "DOCKER_HOST"}
        self.env.update(PRORL_TAG=self.tag, PRORL_PORT=str(_free_ports(1)))

    def compose(self, *args: str, timeout: float = 600, check: bool = True, env: dict | None = None):
        done = subprocess.run(
            ["docker", "compose", "-p", self.project, "--profile", "train", *args],
            cwd=REPO,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check:
            assert done.returncode == 0, (
                f"docker compose {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done

    def url(self, index: int = 1) -> str:
        address = self.compose("port", "--index", str(index), "reward", "8000").stdout.strip()
        return f"http://127.0.0.1:{address.rpartition(':')[2]}"


def _leftovers(project: str) -> dict[str, str]:
    label = f"label=com.docker.compose.project={project}"
    found = {
        what: subprocess.run(["docker", *args, "--filter", label], capture_output=True, text=True).stdout.strip()
        for what, args in {
            "containers": ["ps", "-aq"],
            "volumes": ["volume", "ls", "-q"],
            "networks": ["network", "ls", "-q"],
        }.items()
    }
    return {what: ids for what, ids in found.items() if ids}


@pytest.fixture(scope="module")
def stack():
    s = Stack()
    for name in ("reward", "trainer"):
        image = f"prorl-{name}:{stack_tag(name).partition(':')[2]}"
        inspected = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
        assert inspected.returncode == 0, (
            f"{image} (this checkout's) is not built: run `make images` (prorl images build)"
        )
    try:
        s.compose("up", "-d", "--wait", "--wait-timeout", "300", "reward")
        yield s
    finally:
        replicas = s.compose("ps", "-aq", "reward", check=False).stdout.split()
        s.compose("down", "--volumes", "--remove-orphans", "--timeout", "30", check=False)
        assert not _leftovers(s.project), _leftovers(s.project)
        # Sandboxes belong to the replicas (labelled host:pid:token, the host being the container's id):
        # gone with them, a killed replica's too (its attach streams closed, so their runners exited).
        deadline = time.time() + 60
        while time.time() < deadline:
            owners = subprocess.run(
                ["docker", "ps", "-a", "--filter", "label=prorl.sandbox", "--format", '{{.Label "prorl.owner"}}'],
                capture_output=True,
                text=True,
            ).stdout.split()
            left = [o for o in owners if any(r.startswith(o.partition(":")[0]) for r in replicas)]
            if not left:
                break
            time.sleep(1)
        assert not left, f"sandbox containers outlived the stack: {left}"


def test_the_stack_scores_all_five_domains_on_the_published_port(stack):
    with httpx.Client(base_url=stack.url(), timeout=120) as http:
        assert http.get("/readyz?all=true").json()["code"] == "ready"
        for domain in SAMPLE_DOMAINS:  # math and code among them, code in sandboxes behind the proxy
            check_domain(http, domain)


def test_the_service_reaches_docker_only_through_the_proxy(stack):
    assert stack.compose("exec", "-T", "reward", "test", "-e", "/var/run/docker.sock", check=False).returncode == 1
    channel = ["exec", "-T", "-e", "DOCKER_HOST=tcp://sandbox-proxy:2375", "reward", "docker"]
    sandbox = image_tag("python")
    for args in (
        ["run", "--rm", "--privileged", "--label", "prorl.sandbox", sandbox],
        ["run", "--rm", "-v", "/:/host", "--label", "prorl.sandbox", sandbox],
        ["run", "--rm", "--network", "host", "--label", "prorl.sandbox", sandbox],
        ["ps", "-a"],
        ["pull", "alpine"],
    ):
        done = stack.compose(*channel, *args, check=False)
        assert done.returncode != 0 and "sandbox proxy refused this request" in done.stderr, (args, done.stderr)
    # The compose network is the only way to the proxy: it publishes no port.
    assert stack.compose("port", "sandbox-proxy", "2375", check=False).stdout.strip() in ("", ":0")


def _tiny_run_files(tmp_path: Path, tiny_model: str, pick_data: str) -> Path:
    """The tiny model and data where the trainer container (uid 10003) can read them."""
    data = tmp_path / "data"
    shutil.copytree(tiny_model, data / "tiny")
    shutil.copy(pick_data, data / "pick.jsonl")
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return data


def _train_step(stack: Stack, data: Path, run: str, urls: str) -> dict:
    stack.compose(
        "run",
        "--rm",
        "-T",
        "-v",
        f"{data}:/data:ro",
        "trainer",
        "prorl",
        "train",
        "model=/data/tiny",
        "train_data=/data/pick.jsonl",
        f"output_dir=/app/runs/{run}",
        f"reward_urls={urls}",
        "prompts_per_step=2",
        "group_size=2",
        "response_length_schedule=[[0, 4]]",
        "temperature=1.0",
        "steps=1",
        "save_every=1",
    )
    lines = stack.compose("run", "--rm", "-T", "--no-deps", "trainer", "cat", f"/app/runs/{run}/metrics.jsonl").stdout
    return json.loads([line for line in lines.splitlines() if line.startswith("{")][-1])


def test_the_trainer_container_trains_a_step_against_the_service(stack, tmp_path, tiny_model, pick_data):
    metrics = _train_step(stack, _tiny_run_files(tmp_path, tiny_model, pick_data), "one", "[http://reward:8000]")
    assert metrics["step"] == 1 and metrics["reward/failed_items"] == 0


class _Gate(httpx.AsyncHTTPTransport):
    """Passes `after` requests, then holds the rest until `opened` is set."""

    def __init__(self, after: int):
        super().__init__()
        self.after, self.sent = after, 0
        self.reached, self.opened = threading.Event(), threading.Event()

    async def handle_async_request(self, request):
        self.sent += 1
        if self.sent > self.after:
            self.reached.set()
            while not self.opened.is_set():
                await asyncio.sleep(0.01)
        return await super().handle_async_request(request)


def test_three_replicas_lose_no_item_when_one_is_killed(stack, tmp_path, tiny_model, pick_data):
    base = _free_ports(3)
    stack.env["PRORL_PORT"] = f"{base}-{base + 2}"
    stack.compose("up", "-d", "--wait", "--wait-timeout", "300", "--scale", "reward=3", "reward")
    urls = [stack.url(i) for i in (1, 2, 3)]
    for url in urls:
        assert httpx.get(url + "/readyz", timeout=10).status_code == 200

    items = [
        {
            "id": f"m{i}",
            "domain": "math",
            "response": f"\\boxed{{{i if i % 3 else i + 1}}}",
            "reference": {"answer": str(i)},
        }
        for i in range(3000)
    ]
    gate = _Gate(after=20)  # requests past the 20th wait until the replica is dead: mid-run, however fast
    client = RewardClient(
        urls, batch_size=16, concurrency=3, max_retries=20, backoff_s=0.05, max_backoff_s=0.5, transport=gate
    )
    out = {}
    scorer = threading.Thread(target=lambda: out.update(results=client.score_sync(items)))
    scorer.start()
    assert gate.reached.wait(60), "the client sent fewer than 20 requests in a minute"
    killed = subprocess.run(["docker", "kill", f"{stack.project}-reward-2"], capture_output=True, text=True)
    assert killed.returncode == 0, killed.stderr
    assert "results" not in out
    gate.opened.set()
    scorer.join(timeout=300)
    results = out["results"]
    assert [r.id for r in results] == [item["id"] for item in items]  # every item once, in order
    assert [r.reward for r in results] == [0.0 if i % 3 == 0 else 1.0 for i in range(3000)]
    assert client.stats.failed_items == 0 and client.stats.failovers >= 1

    # The trainer container, given the replicas by name (one of them dead), fails over too.
    names = ",".join(f"http://{stack.project}-reward-{i}:8000" for i in (1, 2, 3))
    metrics = _train_step(stack, _tiny_run_files(tmp_path, tiny_model, pick_data), "replicas", f"[{names}]")
    assert metrics["reward/failed_items"] == 0
