"""Math scoring throughput: the service over HTTP versus plain math-verify in-process.

Starts a fresh `prorl serve` on a loopback port for each run (so its caches start cold; or uses
--url), sends realistic items in batches of 512 with 1 and 2 requests in flight, and prints
items/s and p50/p99 latency; then checks the same pairs in this process with plain math-verify
on one core and prints the ratio. The client runs on the same machine and shares its cores.

    python benchmarks/bench_math.py [--items 4096] [--long-items 1024] [--url http://host:port]
"""

import argparse
import concurrent.futures
import os
import statistics
import subprocess
import sys
import time

import httpx
import orjson

sys.path.insert(0, os.path.dirname(__file__))
from math_items import make_items  # noqa: E402

from reward_service.local import LocalServer  # noqa: E402


def start_server(
    *args: str, env: dict | None = None, ready: str = "/readyz", timeout_s: float = 60
) -> tuple[subprocess.Popen, str]:
    """`prorl serve` with `args` on a free loopback port, once `ready` answers 200."""
    try:
        server = LocalServer("--log-level", "warning", *args, env=env, ready_path=ready, timeout_s=timeout_s).start()
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    return server.proc, server.url


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def bench_service(url: str, items: list[dict], batch: int, in_flight: int) -> dict:
    """Items/s and latencies of `items` sent to `url` in batches of `batch`, `in_flight` requests at once."""
    bodies = [orjson.dumps({"items": items[i : i + batch]}) for i in range(0, len(items), batch)]
    client = httpx.Client(timeout=300)
    warm = orjson.dumps({"items": make_items(64, long=False, seed=999)})  # not the measured items
    client.post(f"{url}/v1/score", content=warm, headers={"content-type": "application/json"})

    def send(body: bytes) -> tuple[float, list[dict]]:
        start = time.perf_counter()
        r = client.post(f"{url}/v1/score", content=body, headers={"content-type": "application/json"})
        r.raise_for_status()
        return time.perf_counter() - start, orjson.loads(r.content)["results"]

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(in_flight) as pool:
        done = list(pool.map(send, bodies))
    wall = time.perf_counter() - start
    checks = [res["elapsed_ms"] for _, results in done for res in results]
    trips = [t * 1000 for t, _ in done]
    rewards = [res["reward"] for _, results in done for res in results]
    return {
        "items_per_s": len(items) / wall,
        "check_p50_ms": _pct(checks, 0.5),
        "check_p99_ms": _pct(checks, 0.99),
        "batch_p50_ms": _pct(trips, 0.5),
        "batch_p99_ms": _pct(trips, 0.99),
        "mean_reward": statistics.mean(rewards),
    }


def bench_plain(items: list[dict]) -> dict:
    """Items/s of plain math-verify on the same pairs, in this process on one core."""
    from math_verify import parse, verify

    latencies = []
    correct = 0
    start = time.perf_counter()
    for item in items:
        t = time.perf_counter()
        gold = parse("$" + item["reference"]["answer"] + "$")
        correct += verify(gold, parse(item["response"]))
        latencies.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - start
    return {
        "items_per_s": len(items) / wall,
        "p50_ms": _pct(latencies, 0.5),
        "p99_ms": _pct(latencies, 0.99),
        "mean_reward": correct / len(items),
    }


def main() -> None:
    """Run the service and plain math-verify on the same items; print both."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=4096, help="short boxed-answer items")
    parser.add_argument("--long-items", type=int, default=1024, help="long chain-of-thought items")
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--url", help="a running service; default: start one on loopback")
    args = parser.parse_args()

    for name, items in [
        ("short boxed", make_items(args.items, long=False)),
        ("long CoT", make_items(args.long_items, long=True, seed=1)),
    ]:
        mean_chars = statistics.mean(len(i["response"]) for i in items)
        pairs = len({(i["reference"]["answer"], i["response"].rsplit("boxed", 1)[1]) for i in items})
        print(f"\n== {name}: {len(items)} items, mean response {mean_chars:.0f} chars, {pairs} distinct answer pairs")
        rates = []
        for in_flight in (1, 2):
            proc, url = (None, args.url) if args.url else start_server()
            try:
                r = bench_service(url, items, args.batch, in_flight)
            finally:
                if proc is not None:
                    proc.terminate()
                    proc.wait(timeout=30)
            rates.append(r["items_per_s"])
            print(
                f"service, batch {args.batch}, {in_flight} in flight: {r['items_per_s']:8.0f} items/s | "
                f"check p50 {r['check_p50_ms']:.2f} ms p99 {r['check_p99_ms']:.2f} ms | "
                f"batch p50 {r['batch_p50_ms']:.0f} ms p99 {r['batch_p99_ms']:.0f} ms | reward {r['mean_reward']:.3f}"
            )
        p = bench_plain(items)
        print(
            f"plain math-verify, in-process, 1 core: {p['items_per_s']:8.0f} items/s | "
            f"p50 {p['p50_ms']:.2f} ms p99 {p['p99_ms']:.2f} ms | reward {p['mean_reward']:.3f}"
        )
        print(f"ratio service/plain: {max(rates) / p['items_per_s']:.2f}x")


if __name__ == "__main__":
    main()
