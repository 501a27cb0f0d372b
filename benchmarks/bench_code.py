"""Code-domain throughput: submissions/s and latency in Docker sandboxes, next to the identical
harness (the same runner, zygote and comparisons) run natively with no sandbox, and the ratio.

Each submission is a distinct Python program run against 10 stdin/stdout tests, all in one
container visit. Two workloads: `trivial` (read two numbers, print the sum) and `cpu` (about
20 ms of arithmetic per test). For each concurrency c, c submissions are in flight at a time on
a pool of c warm containers (or c native runners). Drives reward_service.sandbox.warm_pool directly,
so the numbers are the sandbox's, not HTTP's.

    python benchmarks/bench_code.py [--submissions 200] [--concurrency 1 2 4]
"""

import argparse
import asyncio
import statistics
import time

from reward_service.config import Settings
from reward_service.sandbox.warm_pool import SandboxPool
from reward_service.scoring import Job, settle

WORKLOADS = {
    "trivial": "a, b = map(int, input().split())\nprint(a + b + {k} - {k})",
    "cpu": "a, b = map(int, input().split())\ns = 0\n"
    "for i in range(150_000):\n    s += i * i % 7\nprint(a + b + {k} - {k})",
}
TESTS = [{"stdin": f"{i} {i * 7}\n", "stdout": f"{i * 8}\n"} for i in range(10)]


def jobs(workload: str, count: int) -> list[Job]:
    """`count` distinct submissions of `workload`, each with the ten stdin/stdout tests."""
    return [
        Job("code", f"```python\n{WORKLOADS[workload].format(k=k)}\n```", {"tests": TESTS}, {}, 60.0)
        for k in range(count)
    ]


async def measure(pool: SandboxPool, work: list[Job], concurrency: int) -> tuple[float, list[float]]:
    """(wall seconds, per-submission latencies) for `work` with `concurrency` in flight; exits on a failed one."""
    gate = asyncio.Semaphore(concurrency)
    latencies = []

    async def one(job: Job) -> None:
        async with gate:
            start = time.perf_counter()
            [(outcome, _)] = await pool.run([job])
            verdict = settle(outcome)  # what a verifier raised, as the service would report it
            latencies.append(time.perf_counter() - start)
            if verdict.reward != 1.0:
                raise SystemExit(f"a benchmark submission failed: {verdict}")

    start = time.perf_counter()
    await asyncio.gather(*(one(job) for job in work))
    return time.perf_counter() - start, latencies


async def run(native: bool, workload: str, count: int, concurrency: int) -> dict:
    """Rate, p50 and p99 (ms) of `count` submissions on a fresh pool of `concurrency` containers (or native runners)."""
    pool = SandboxPool(Settings(sandbox_enabled=True, sandbox_pool_size=concurrency), native=native)
    await pool.start()
    while not pool.ready:
        if pool.failure and not pool.starting:
            raise SystemExit(f"sandbox pool failed: {pool.failure}")
        await asyncio.sleep(0.1)
    try:
        await measure(pool, jobs(workload, 2 * concurrency), concurrency)  # warm-up
        seconds, latencies = await measure(pool, jobs(workload, count), concurrency)
    finally:
        await pool.close()
    latencies.sort()
    return {
        "rate": count / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


async def main() -> None:
    """Print sandbox versus native throughput and latency for each workload and concurrency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    print(f"{args.submissions} Python submissions x {len(TESTS)} stdin tests each")
    print(
        f"{'workload':8} {'conc':>4} | {'sandbox/s':>9} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'native/s':>8} {'p50 ms':>7} {'p99 ms':>7} | {'overhead':>8}"
    )
    for workload in WORKLOADS:
        for concurrency in args.concurrency:
            sandbox = await run(False, workload, args.submissions, concurrency)
            native = await run(True, workload, args.submissions, concurrency)
            print(
                f"{workload:8} {concurrency:>4} | {sandbox['rate']:9.1f} {sandbox['p50']:7.1f} {sandbox['p99']:7.1f} | "
                f"{native['rate']:8.1f} {native['p50']:7.1f} {native['p99']:7.1f} | "
                f"{native['rate'] / sandbox['rate']:7.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main())
