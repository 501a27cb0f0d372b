"""The compose stack as an operator meets it: image sizes, seconds from `docker compose up` to
healthy (every domain ready, the sandboxes included), scoring throughput through the published
port (benchmarks/math_items.py's short math responses, and code items run in sandboxes started
through the proxy) with one replica and with three, and seconds to tear it all down. Needs the
images (`make images`).

    python benchmarks/bench_stack.py [--math 4000] [--code 200]
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from math_items import make_items  # noqa: E402

from prorl.images import stack_tag  # noqa: E402
from reward_service.client import RewardClient  # noqa: E402
from reward_service.sandbox.images import image_tag  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def compose(project: str, env: dict, *args: str) -> float:
    """Seconds `docker compose -p project ARGS` took (raises if it failed)."""
    start = time.perf_counter()
    subprocess.run(["docker", "compose", "-p", project, *args], cwd=REPO, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def published(project: str, env: dict, index: int) -> str:
    """A replica's URL: Docker picks each replica's port from the range, in no fixed order."""
    address = subprocess.run(
        ["docker", "compose", "-p", project, "port", "--index", str(index), "reward", "8000"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"http://127.0.0.1:{address.rpartition(':')[2]}"


def image_mb(image: str) -> float:
    """The image's size in MB, as the engine reports it."""
    size = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", image], capture_output=True, text=True, check=True
    ).stdout
    return int(size) / 1e6


def code_items(count: int) -> list[dict]:
    """`count` distinct a+b code items with five stdin/stdout tests each."""
    tests = [{"stdin": f"{i} {i}\n", "stdout": f"{2 * i}\n"} for i in range(5)]
    return [
        {
            "domain": "code",
            "response": f"```python\na, b = map(int, input().split())\nprint(a + b + {k} - {k})\n```",
            "reference": {"tests": tests},
        }
        for k in range(count)
    ]


def throughput(urls: list[str], work: list[dict]) -> tuple[float, int]:
    """Items/s, and how many came back unscored (None or `error`)."""
    client = RewardClient(urls, batch_size=64, concurrency=4 * len(urls))
    start = time.perf_counter()
    results = client.score_sync(work)
    return len(work) / (time.perf_counter() - start), sum(r is None or r.status == "error" for r in results)


def main() -> None:
    """Print image sizes, start-up, throughput at one and three replicas, and tear-down time of the stack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--math", type=int, default=4000)
    parser.add_argument("--code", type=int, default=200)
    args = parser.parse_args()
    tag = stack_tag("reward").partition(":")[2]
    for image in (f"prorl-reward:{tag}", f"prorl-trainer:{tag}", image_tag("python"), image_tag("cpp")):
        print(f"image {image}: {image_mb(image):.0f} MB")

    project = f"prorlbench{uuid.uuid4().hex[:6]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_")}
    env.update(PRORL_TAG=tag, PRORL_PORT="18400-18402")
    try:
        print(f"docker compose up --wait (one replica): {compose(project, env, 'up', '-d', '--wait', 'reward'):.1f} s")
        for replicas in (1, 3):
            if replicas > 1:
                took = compose(project, env, "up", "-d", "--wait", "--scale", f"reward={replicas}", "reward")
                print(f"scale to {replicas} replicas: {took:.1f} s")
            urls = [published(project, env, i) for i in range(1, replicas + 1)]
            for name, work in (("math", make_items(args.math, long=False)), ("code", code_items(args.code))):
                rate, unscored = throughput(urls, work)
                print(f"{replicas} replica(s), {name}: {rate:.0f} items/s over {len(work)} items ({unscored} unscored)")
    finally:
        print(f"docker compose down --volumes: {compose(project, env, 'down', '--volumes', '--timeout', '30'):.1f} s")


if __name__ == "__main__":
    main()
