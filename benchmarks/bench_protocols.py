"""Per-request overhead of the one-sample-per-request protocols (OpenRLHF, slime, NeMo-Gym, veRL,
SandboxFusion clients all send one sample at a time): requests/s and latency for

- single-item math through `POST /get_reward` (OpenRLHF's shape) at concurrency 1, 16 and 64,
  for answers decided without sympy (integers) and for answers that need it (fractions in other
  forms), next to such sympy items in batches of 256 through `/v1/score` (every pair is new to
  the server: its caches answer none of them);
- `POST /run_code` (SandboxFusion's shape) with the classic a+b program, one test per request,
  at concurrency 1, 4 and 16, in the isolated Docker sandbox.

The load comes from a minimal keep-alive HTTP/1.1 client (one connection per request in flight),
so the numbers are the server's, not a heavy client's; it shares the machine's cores all the same.
Starts `prorl serve` with the given --workers (server processes) unless --url is given.

    python benchmarks/bench_protocols.py [--workers 1] [--requests 3000] [--url http://host:port]
"""

import argparse
import asyncio
import os
import sys
import time
from urllib.parse import urlsplit

import orjson

sys.path.insert(0, os.path.dirname(__file__))
from bench_math import start_server  # noqa: E402

AB = "a, b = map(int, input().split())\nprint(a + b)\n"


class Connection:
    """One keep-alive HTTP/1.1 connection: POST a JSON body, read status and body."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    async def open(self) -> "Connection":
        """Open the TCP connection."""
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` to `path`; (status, response body)."""
        self.writer.write(
            b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (path.encode(), self.host.encode(), len(body))
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        """Close the connection."""
        self.writer.close()


async def drive(url: str, path: str, bodies: list[bytes], concurrency: int, check) -> dict:
    """Send `bodies` to `path` over `concurrency` connections, `check` each answer; rate, p50/p99 and client CPU."""
    parts = urlsplit(url)
    connections = [await Connection(parts.hostname, parts.port).open() for _ in range(concurrency)]
    latencies, queue = [], list(reversed(bodies))

    async def worker(connection: Connection) -> None:
        while queue:
            body = queue.pop()
            start = time.perf_counter()
            status, answer = await connection.post(path, body)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status}: {answer[:300]!r}")
            check(orjson.loads(answer))

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(c) for c in connections))
    wall = time.perf_counter() - start
    for connection in connections:
        connection.close()
    latencies.sort()
    return {
        "per_s": len(bodies) / wall,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "client_cpu_ms": 1000 * (time.process_time() - cpu) / len(bodies),
    }


def simple_items(count: int, start: int) -> list[dict]:
    """Integer answers, a third of them wrong: decided by the verifier's exact-match paths, no
    sympy. Every pair is new to the server (`start` differs per run), so no cache answers it."""
    return [
        {
            "domain": "math",
            "response": f"Step {i}: so the total is \\boxed{{{i + (i % 3 == 0)}}}.",
            "reference": {"answer": str(i)},
        }
        for i in range(start, start + count)
    ]


def sympy_items(count: int, start: int) -> list[dict]:
    """Answers in another form than the gold (an unreduced fraction, a root, a factored
    polynomial, pi over n), a fifth of them wrong: each needs sympy, and each pair is new to the
    server (for up to 100,000 items in all)."""
    items = []
    for i in range(start, start + count):
        a = i % 100_000 + 2
        gold, answer = [
            (f"\\frac{{{a}}}{{{a + 1}}}", f"\\frac{{{2 * a}}}{{{2 * a + 2}}}"),
            (f"{a}\\sqrt{{2}}", f"\\sqrt{{{2 * a * a}}}"),
            (f"x^2-{a * a}", f"(x-{a})(x+{a})"),
            (f"\\frac{{\\pi}}{{{a}}}", f"\\pi/{a}"),
            (f"\\frac{{{a}}}{{{a + 1}}}", f"\\frac{{{a + 1}}}{{{a}}}"),  # wrong
        ][i % 5]
        items.append(
            {
                "domain": "math",
                "response": f"Step {i}: simplifying, the result is $\\boxed{{{answer}}}$.",
                "reference": {"answer": gold},
            }
        )
    return items


def openrlhf_bodies(items: list[dict]) -> list[bytes]:
    """One OpenRLHF /get_reward body per item (query, prompt and label)."""
    return [
        orjson.dumps(
            {"query": ["Question?\n" + i["response"]], "prompts": ["Question?\n"], "labels": [i["reference"]["answer"]]}
        )
        for i in items
    ]


def expect_rewards(answer: dict) -> None:
    """Check a /get_reward answer holds one reward."""
    assert len(answer["rewards"]) == 1


def expect_success(answer: dict) -> None:
    """Exit unless a /run_code answer ran a+b and printed 7."""
    if answer["status"] != "Success" or answer["run_result"]["stdout"] != "7\n":
        raise SystemExit(f"/run_code did not run a+b: {answer}")


def batched(url: str, items: list[dict], batch: int = 256, in_flight: int = 2) -> float:
    """Items/s for `items` sent to /v1/score in batches of `batch`, `in_flight` at a time."""
    bodies = [orjson.dumps({"items": items[i : i + batch]}) for i in range(0, len(items), batch)]
    result = asyncio.run(drive(url, "/v1/score", bodies, in_flight, lambda a: None))
    return result["per_s"] * batch


def row(name: str, concurrency: int, r: dict) -> None:
    """Print one result line: rate, latency percentiles and client CPU per request."""
    print(
        f"{name:<34} c={concurrency:<3} {r['per_s']:8.0f} req/s   p50 {r['p50_ms']:7.1f} ms   "
        f"p99 {r['p99_ms']:7.1f} ms   client {r['client_cpu_ms']:.2f} ms CPU/req",
        flush=True,
    )


def bench_math(url: str, n: int) -> None:
    """Print /get_reward rates for math without and with sympy at several concurrencies, and batched."""
    asyncio.run(drive(url, "/get_reward", openrlhf_bodies(simple_items(200, 10**9)), 16, expect_rewards))  # warm-up
    start = 0
    for name, make in (("math, no sympy (/get_reward)", simple_items), ("math, sympy (/get_reward)", sympy_items)):
        for concurrency in (1, 16, 64):
            count = n if concurrency > 1 else n // 5
            bodies = openrlhf_bodies(make(count, start))
            start += count
            row(name, concurrency, asyncio.run(drive(url, "/get_reward", bodies, concurrency, expect_rewards)))
    rate = batched(url, sympy_items(n, start))
    print(f"{'math, sympy, batches of 256 (/v1/score)':<40} {rate:8.0f} items/s", flush=True)


def bench_code(url: str, n: int) -> None:
    """Print /run_code rates for the a+b program at concurrency 1, 4 and 16."""
    code = [orjson.dumps({"code": AB + f"# {i}\n", "stdin": "3 4\n", "language": "python"}) for i in range(n // 2)]
    asyncio.run(drive(url, "/run_code", code[:100], 4, expect_success))  # warm-up
    for concurrency in (1, 4, 16):
        count = len(code) if concurrency > 1 else len(code) // 5
        row(
            "a+b (/run_code)",
            concurrency,
            asyncio.run(drive(url, "/run_code", code[:count], concurrency, expect_success)),
        )


def main() -> None:
    """Start a server (or use --url) and run the math and code halves."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running service; default: start one on loopback")
    parser.add_argument("--workers", type=int, default=1, help="server processes (prorl serve --workers)")
    parser.add_argument("--sandbox-pool", type=int, default=4, help="warm containers per language")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--only", choices=["math", "code"], help="one half of the benchmark")
    args = parser.parse_args()

    if args.url:
        proc, url = None, args.url
    else:
        env = {"REWARD_SANDBOX_ENABLED": "true", "REWARD_SANDBOX_POOL_SIZE": str(args.sandbox_pool)}
        proc, url = start_server("--workers", str(args.workers), env=env, ready="/readyz?all=true", timeout_s=120)
        time.sleep(2)  # with several server processes, let the others finish starting too
    try:
        print(f"{os.cpu_count()} cores; server: {url} ({args.workers} process(es))")
        n = args.requests
        if args.only != "code":
            bench_math(url, n)
        if args.only != "math":
            bench_code(url, n)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
