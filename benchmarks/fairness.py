"""Head-of-line blocking in `POST /v1/score`: how long a one-item request waits behind big batches
and slow items, and whether the code sandboxes serve requests in arrival order.

Scenario 1 (--seconds, default 60): while one client keeps a 4096-item math batch in flight
(answers that need sympy, new to the server each round), and others keep slow items in flight
(math answers that keep sympy busy until the server's per-item limit; code that loops until its
time limit), another client sends a one-item request every ~100 ms, alternating a math item and a
code item with one test. Prints p50/p95/p99/max latency of each kind, next to the targets: p99
under 1 s (math) and under 2 s (one code test). Every result is checked against its known reward.

Scenario 2, sandbox queue order, on the then quiet server: eight code requests of --fifo-items
CPU-bound items each, sent 0.25 s apart; prints when each was sent and answered. Served in
arrival order, answers come back in the order sent, about evenly spaced.

Starts its own `prorl serve` (Docker and `prorl sandbox build` needed) or uses --url.

    python benchmarks/fairness.py [--seconds 60] [--url http://host:port] [--json out.json]
"""

import argparse
import asyncio
import os
import sys
import time
from collections import Counter

import httpx
import orjson

sys.path.insert(0, os.path.dirname(__file__))
from bench_protocols import AB, sympy_items  # noqa: E402
from load import AB_TESTS, SLOW_CODE, SLOW_MATH, check_results, common_args, pct_ms, run_against_server  # noqa: E402

HEADERS = {"content-type": "application/json"}
TARGET_P99_S = {"math": 1.0, "code": 2.0}
CPU = "a, b = map(int, input().split())\ns = 0\nfor i in range(2_000_000):\n    s += i\nprint(a + b)  # {uid}"


class Sender:
    """POSTs batches of (item, expected reward, slow?) and checks every answer into `tally`."""

    def __init__(self, http: httpx.AsyncClient, url: str):
        self.http, self.url, self.tally, self.wrong = http, url, Counter(), []
        self.serial, self.math_serial = 0, 10**6

    async def send(self, batch: list[tuple[dict, float, bool]]) -> float | None:
        """Seconds to the answer, or None when the request failed (counted)."""
        start = time.monotonic()
        try:
            r = await self.http.post(
                f"{self.url}/v1/score", content=orjson.dumps({"items": [i for i, _, _ in batch]}), headers=HEADERS
            )
        except httpx.HTTPError as exc:
            self.tally[f"transport {type(exc).__name__}"] += 1
            return None
        took = time.monotonic() - start
        if r.status_code != 200:
            self.tally[f"HTTP {r.status_code}"] += 1
            if r.status_code == 503 and "retry-after" in r.headers:
                await asyncio.sleep(min(float(r.headers["retry-after"]), 30))
            return None
        check_results(batch, orjson.loads(r.content)["results"], self.tally, self.wrong)
        return took

    def uid(self) -> str:
        """A fresh item id."""
        self.serial += 1
        return f"f{self.serial}"

    def math_batch(self, size: int) -> list[tuple[dict, float, bool]]:
        """`size` sympy math items never sent before, with their expected rewards."""
        start, self.math_serial = self.math_serial, self.math_serial + size  # pairs new to the server: uncached
        return [
            ({**item, "id": f"m{start + k}"}, float((start + k) % 5 != 4), False)
            for k, item in enumerate(sympy_items(size, start))
        ]

    def code_item(self, program: str, tests: list[dict], expected: float, slow: bool, **limits) -> tuple:
        """A code item with a fresh id (put into `program` where it says {uid}), tests and limits."""
        uid = self.uid()
        reference = {"language": "python", "tests": tests, **limits}
        return (
            {
                "id": uid,
                "domain": "code",
                "response": f"```python\n{program.format(uid=uid)}\n```",
                "reference": reference,
            },
            expected,
            slow,
        )

    def slow_math(self, k: int) -> tuple:
        """A math item that keeps sympy busy until the server's per-item limit."""
        uid = self.uid()
        return (
            {
                "id": uid,
                "domain": "math",
                "response": f"Attempt {uid}: {SLOW_MATH[k % len(SLOW_MATH)]}",
                "reference": {"answer": "5"},
            },
            0.0,
            True,
        )


async def repeat(halt: asyncio.Event, make, sender: Sender, log: list) -> None:
    """Send a batch from `make` again and again until `halt`, logging each answer's seconds."""
    while not halt.is_set():
        took = await sender.send(make())
        if took is not None:
            log.append(took)


async def head_of_line(sender: Sender, args) -> dict:
    """Scenario 1: latencies of one-item probes while big batches and slow items are in flight."""
    halt, big, slow = asyncio.Event(), [], []

    def slow_math() -> list[tuple]:
        return [sender.slow_math(k) for k in range(args.slow_items)]

    def slow_code() -> list[tuple]:
        return [sender.code_item(SLOW_CODE[k % 2], AB_TESTS, 0.0, True) for k in range(args.slow_items)]

    background = [asyncio.create_task(repeat(halt, lambda: sender.math_batch(args.batch), sender, big))]
    background += [
        asyncio.create_task(repeat(halt, make, sender, slow))
        for make in [slow_math] + ([] if args.no_code else [slow_code])
        for _ in range(args.slow_requests)
    ]
    await asyncio.sleep(2)  # let the background reach the server
    latencies = {"math": [], "code": []}

    async def probe(kind: str) -> None:
        if kind == "math":
            batch = sender.math_batch(1)
        else:
            batch = [sender.code_item(AB + "# {uid}", AB_TESTS, 1.0, False)]
        took = await sender.send(batch)
        if took is not None:
            latencies[kind].append(took)

    kinds = ["math", "code"] if not args.no_code else ["math"]
    probes, start, n = [], time.monotonic(), 0
    while time.monotonic() < start + args.seconds:
        probes.append(asyncio.create_task(probe(kinds[n % len(kinds)])))
        n += 1
        await asyncio.sleep(max(0.0, start + n * args.interval - time.monotonic()))
    await asyncio.wait(probes, timeout=args.drain_s)
    unanswered = sum(not p.done() for p in probes)
    halt.set()
    done, pending = await asyncio.wait(background, timeout=args.drain_s)  # a quiet server for scenario 2
    for task in probes + list(pending):
        task.cancel()
    print(
        f"background: {len(big)} batches of {args.batch} answered ({pct_ms(big)}); "
        f"{len(slow)} slow requests answered; {len(pending)} still in flight at the stop"
    )
    return {
        "probes_sent": n,
        "unanswered": unanswered,
        "math": pct_ms(latencies["math"]),
        "code": pct_ms(latencies["code"]),
        "big_batches": pct_ms(big),
        "slow_requests": len(slow),
    }


async def queue_order(sender: Sender, args) -> list[dict]:
    """Scenario 2: when each of the CPU-bound code requests, sent apart, was sent and answered."""
    tests = [{"stdin": f"{i} {i}\n", "stdout": f"{2 * i}\n"} for i in range(2)]
    t0 = time.monotonic()
    rows = []

    async def one(k: int) -> None:
        await asyncio.sleep(k * args.fifo_gap)
        sent = time.monotonic() - t0
        took = await sender.send([sender.code_item(CPU, tests, 1.0, False) for _ in range(args.fifo_items)])
        answered = None if took is None else round(sent + took, 2)
        rows.append({"request": k, "sent_s": round(sent, 2), "answered_s": answered})

    await asyncio.gather(*(one(k) for k in range(args.fifo_requests)))
    return sorted(rows, key=lambda r: r["request"])


def report(hol: dict, fifo: list[dict], tally: Counter, wrong: list) -> None:
    """Print latencies against their targets, the queue order's inversions, and the results tally."""
    print("\n== one-item requests under load (latency)")
    for kind in ("math", "code"):
        p = hol[kind]
        if not p["n"]:
            continue
        ok = p["p99_ms"] < 1000 * TARGET_P99_S[kind]
        print(
            f"  {kind:5} n={p['n']:<4} p50 {p['p50_ms']:>6} ms  p95 {p['p95_ms']:>6} ms  p99 {p['p99_ms']:>6} ms  "
            f"max {p['max_ms']:>6} ms   target p99 < {TARGET_P99_S[kind]:g} s: {'OK' if ok else 'MISS'}"
        )
    print(f"  probes sent {hol['probes_sent']}, unanswered at the end {hol['unanswered']}")
    if fifo:
        print("\n== sandbox queue order (code requests sent 0.25 s apart)")
        for row in fifo:
            print(f"  request {row['request']}: sent at {row['sent_s']:5.2f} s, answered at {row['answered_s']} s")
        done = [r["request"] for r in sorted(fifo, key=lambda r: r["answered_s"] or 1e9)]
        inversions = sum(a > b for i, a in enumerate(done) for b in done[i + 1 :])
        print(f"  answer order {done}: {inversions} inversions (0 = FIFO)")
    print("\nresults: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    for example in wrong:
        print(f"  e.g. {str(example)[:400]}")


async def run(args, url: str) -> dict:
    """Warm up, run both scenarios against `url`, print the report; the summary as a dict."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=httpx.Timeout(args.drain_s, connect=10), limits=limits) as http:
        sender = Sender(http, url)
        await sender.send(sender.math_batch(64))  # warm-up
        if not args.no_code:
            await sender.send([sender.code_item(AB + "# {uid}", AB_TESTS, 1.0, False)])
        hol = await head_of_line(sender, args)
        fifo = [] if args.no_code else await queue_order(sender, args)
    report(hol, fifo, sender.tally, sender.wrong)
    return {"head_of_line": hol, "queue_order": fifo, "results": dict(sender.tally), "wrong_examples": sender.wrong}


def main() -> None:
    """Parse the arguments and run the benchmark against --url or a server it starts."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="how long one-item requests are sent")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between one-item requests")
    parser.add_argument("--batch", type=int, default=4096, help="items of the big math batch kept in flight")
    parser.add_argument("--slow-requests", type=int, default=1, help="slow math (and slow code) requests in flight")
    parser.add_argument("--slow-items", type=int, default=2, help="slow items per slow request")
    parser.add_argument("--fifo-requests", type=int, default=8)
    parser.add_argument("--fifo-items", type=int, default=4, help="CPU-bound code items per queue-order request")
    parser.add_argument("--fifo-gap", type=float, default=0.25, help="seconds between queue-order requests")
    parser.add_argument("--drain-s", type=float, default=300, help="longest wait for any one answer")
    common_args(parser)
    args = parser.parse_args()
    run_against_server(args, lambda url, pid: run(args, url))


if __name__ == "__main__":
    main()
