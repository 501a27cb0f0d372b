"""Scoring throughput of the stem, logic and instruction domains: the service over HTTP versus the
same verifier called in this process on one core.

Items come from the built-in samples (stem, instruction) and from Reasoning Gym (logic: every
task), half with a right and half with a wrong answer; each response gets its own preamble so no
two items in a batch are identical (identical items are checked once). Starts a fresh
`prorl serve` per domain on a loopback port (or uses --url) and sends batches of 512 with two
requests in flight. The client shares this machine's cores.

    python benchmarks/bench_domains.py [--items 4096] [--url http://host:port]
"""

import argparse
import concurrent.futures
import os
import statistics
import sys
import time

import httpx
import orjson

sys.path.insert(0, os.path.dirname(__file__))
from bench_math import _pct, start_server  # noqa: E402

from trainer.datasets import logic, sample_rows  # noqa: E402

WRONG = {"stem": "\\boxed{Z}", "logic": "<answer>no idea</answer>", "instruction": "ok, fine, done"}


def _right(row) -> str:
    if row.domain == "instruction":
        return row.extra["example_response"]
    if row.domain == "logic":
        return f"<answer>{row.reference['entry']['answer']}</answer>"
    return f"\\boxed{{{row.reference['answer']}}}"


def make_items(domain: str, count: int) -> list[dict]:
    """`count` items of `domain`, alternately right and wrong, each with its own preamble."""
    rows = logic.generate("all", 3, seed=7) if domain == "logic" else sample_rows(domain)
    rows = [r for r in rows if domain != "logic" or r.reference["entry"]["answer"] is not None]
    items = []
    for i in range(count):
        row = rows[i % len(rows)]
        answer = _right(row) if i % 2 == 0 else WRONG[domain]
        preamble = f"Attempt {i}: let me think about this carefully.\n\n"
        items.append({"domain": domain, "response": preamble + answer, "reference": row.reference})
    return items


def bench_service(url: str, items: list[dict], batch: int = 512, in_flight: int = 2) -> dict:
    """Items/s, check-time percentiles and rewards scoring `items` through the service's /v1/score."""
    bodies = [orjson.dumps({"items": items[i : i + batch]}) for i in range(0, len(items), batch)]
    client = httpx.Client(timeout=600)
    headers = {"content-type": "application/json"}
    client.post(f"{url}/v1/score", content=orjson.dumps({"items": items[:16]}), headers=headers)  # warm-up

    def send(body: bytes) -> list[dict]:
        r = client.post(f"{url}/v1/score", content=body, headers=headers)
        r.raise_for_status()
        return orjson.loads(r.content)["results"]

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(in_flight) as pool:
        results = [res for batch_results in pool.map(send, bodies) for res in batch_results]
    wall = time.perf_counter() - start
    checks = [res["elapsed_ms"] for res in results]
    return {
        "items_per_s": len(items) / wall,
        "check_p50_ms": _pct(checks, 0.5),
        "check_p99_ms": _pct(checks, 0.99),
        "mean_reward": statistics.mean(res["reward"] for res in results),
        "statuses": sorted({res["status"] for res in results}),
    }


def bench_plain(items: list[dict]) -> dict:
    """Items/s and mean reward scoring `items` with score_item in this process."""
    from reward_service.scoring import score_item

    start = time.perf_counter()
    rewards = [score_item(i["domain"], i["response"], i["reference"], {}).reward for i in items]
    wall = time.perf_counter() - start
    return {"items_per_s": len(items) / wall, "mean_reward": statistics.mean(rewards)}


def main() -> None:
    """Print service versus in-process throughput for the stem, logic and instruction domains."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=4096)
    parser.add_argument("--url", help="a running service; default: start one on loopback")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    for domain in ("stem", "logic", "instruction"):
        items = make_items(domain, args.items)
        proc, url = (None, args.url) if args.url else start_server()
        try:
            service = bench_service(url, items)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
        plain = bench_plain(items[: max(256, args.items // 4)])
        print(
            f"{domain:12} service {service['items_per_s']:8.1f} items/s  check p50 {service['check_p50_ms']:.2f} ms "
            f"p99 {service['check_p99_ms']:.2f} ms  mean reward {service['mean_reward']:.3f} {service['statuses']}  |  "
            f"in-process, one core {plain['items_per_s']:8.1f} items/s (mean reward {plain['mean_reward']:.3f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
