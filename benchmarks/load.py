"""Soak test of `POST /v1/score`: minutes of mixed load from many concurrent clients, every result
checked against a reward known in advance, and the server's memory watched over time.

Each of --clients (64) clients loops until the time is up: a batch of 1, 4, 16, 64, 256 or 1024
items (small ones more often) from all five domains, checked on return: one result per item, the
unique ids in order (lost, duplicated, reordered), each reward the expected one unless the status
is `timeout`/`error`. Rewards are known by construction (math right or wrong by design, code that
passes or fails every test; stem/logic/instruction samples and math templates are also run through
the verifiers in this process first, and dropped if they disagree). A few items are slow (math
that keeps sympy busy until its limit, code that loops until its time limit); 5% of requests are
hostile raw bodies (NaN/Infinity, lone surrogates, ints past 64 bits, deep nesting, unknown keys,
oversized answers and bodies, malformed JSON): any 2xx/4xx is fine, a 5xx fails, except a 503
with Retry-After, which is backpressure (counted apart, and honoured).

Prints items/s per domain, p50/p99 latency per batch size, responses by status code, lost/wrong
results and the server's RSS at warm-up (10% of the run, at most a minute) and at the end, next to
the targets. Starts `prorl serve` itself (Docker and sandbox images needed unless --no-code) or
uses --url (with --pid for the RSS). The clients share the machine with the server.

    python benchmarks/load.py [--minutes 10] [--clients 64] [--url http://host:port --pid PID] [--json out.json]
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import orjson
import psutil

from reward_service.local import stop_process

sys.path.insert(0, os.path.dirname(__file__))
from bench_math import _pct, start_server  # noqa: E402
from bench_protocols import AB, simple_items, sympy_items  # noqa: E402
from math_items import PROBLEMS  # noqa: E402

__all__ = [
    "AB_TESTS",
    "SLOW_CODE",
    "SLOW_MATH",
    "Items",
    "RssSampler",
    "check_results",
    "common_args",
    "pct_ms",
    "serve",
    "stop",
]

SIZES, SIZE_WEIGHTS = (1, 4, 16, 64, 256, 1024), (35, 25, 18, 12, 7, 3)
DOMAINS = {"math": 40, "stem": 15, "logic": 15, "instruction": 15, "code": 15}
SLOW_MATH = ["\\boxed{10^{10^{10}}}", "\\boxed{100000000!}", "\\boxed{(10^{8})!!}", "\\boxed{2^{2^{64}}}"]
SLOW_CODE = ["while True:\n    pass", "import time\ntime.sleep(600)"]
AB_TESTS = [{"stdin": "3 4\n", "stdout": "7\n"}]
WRONG = {
    "stem": "\\boxed{Z}",
    "logic": "<answer>no idea</answer>",
    "instruction": "ok, fine, done",
    "code": "```python\nraise SystemExit(3)\n```",
}
SOFT = {"timeout", "error"}  # statuses whose reward is not compared
HEADERS = {"content-type": "application/json"}


class Items:
    """Items whose reward is known: `build(domain, uid)` -> (item, expected reward, slow?)."""

    def __init__(self, seed: int = 0, code: bool = True):
        from reward_service.scoring import score_item
        from trainer.datasets import sample_rows

        self.rng, self.code, self.dropped = random.Random(seed), code, 0
        self.templates: dict[str, list[tuple[str, dict, float]]] = defaultdict(list)
        for gold, right, wrong in PROBLEMS:
            for answer, expected in [(a, 1.0) for a in right] + [(a, 0.0) for a in wrong]:
                self._keep("math", f"so the result is $\\boxed{{{answer}}}$.", {"answer": gold}, expected, score_item)
        for domain in ("stem", "logic", "instruction"):
            for row in sample_rows(domain):
                right = (
                    row.extra["example_response"]
                    if domain == "instruction"
                    else f"<answer>{row.reference['entry']['answer']}</answer>"
                    if domain == "logic"
                    else f"\\boxed{{{row.reference['answer']}}}"
                )
                self._keep(domain, right, row.reference, 1.0, score_item)
                self._keep(domain, WRONG[domain], row.reference, 0.0, score_item)
        if code:  # the samples' own tests check that each solution scores 1
            for row in sample_rows("code"):
                self.templates["code"] += [
                    (row.extra["solution"], row.reference, 1.0),
                    (WRONG["code"], row.reference, 0.0),
                ]
            self.templates["code"].append((f"```python\n{AB}```", {"language": "python", "tests": AB_TESTS}, 1.0))

    def _keep(self, domain: str, response: str, reference: dict, expected: float, score_item) -> None:
        text = self._unique(domain, response, 987654)
        if score_item(domain, text, reference, {}).reward == expected:
            self.templates[domain].append((response, reference, expected))
        else:
            self.dropped += 1

    @staticmethod
    def _unique(domain: str, response: str, uid) -> str:
        # Identical items in a batch are checked once; a preamble keeps them apart. Not for
        # instruction rows, where any extra text may break an instruction (they dedupe, harmlessly).
        return response if domain == "instruction" else f"Attempt {uid}.\n\n{response}"

    def domains(self) -> list[str]:
        """The domains drawn from (code only when it is on)."""
        return [d for d in DOMAINS if d != "code" or self.code]

    def build(self, domain: str, uid) -> tuple[dict, float, bool]:
        """One item of `domain` with id `uid`, its expected reward, and slow=False."""
        if domain == "math" and self.rng.random() < 0.5:
            n = self.rng.randrange(10**9)
            if self.rng.random() < 0.5:
                [item] = sympy_items(1, n)
                return {**item, "id": uid}, float(n % 5 != 4), False
            [item] = simple_items(1, n)
            return {**item, "id": uid}, float(n % 3 != 0), False
        response, reference, expected = self.rng.choice(self.templates[domain])
        return (
            {"id": uid, "domain": domain, "response": self._unique(domain, response, uid), "reference": reference},
            expected,
            False,
        )

    def slow(self, uid, timeout_s: float = 1.0) -> tuple[dict, float, bool]:
        """A slow item, marked so: code that loops to its time limit, or math that keeps sympy busy to its limit."""
        if self.code and self.rng.random() < 0.4:
            program = self.rng.choice(SLOW_CODE)
            reference = {"language": "python", "tests": AB_TESTS * 2, "time_limit_s": 1, "total_time_limit_s": 2}
            return (
                {
                    "id": uid,
                    "domain": "code",
                    "response": f"# {uid}\n```python\n{program}\n```",
                    "reference": reference,
                },
                0.0,
                True,
            )
        return (
            {
                "id": uid,
                "domain": "math",
                "response": f"Attempt {uid}: {self.rng.choice(SLOW_MATH)}",
                "reference": {"answer": "5"},
                "options": {"timeout_s": timeout_s},
            },
            0.0,
            True,
        )

    def batch(self, size: int, prefix: str, slow_fraction: float) -> list[tuple[dict, float, bool]]:
        """`size` items over the weighted domains, a `slow_fraction` of them slow; ids alternate str and int."""
        domains = self.domains()
        weights = [DOMAINS[d] for d in domains]
        out = []
        for k in range(size):
            uid = f"{prefix}-{k}" if k % 2 else hash((prefix, k)) & (2**62 - 1)  # strings and ints
            out.append(
                self.slow(uid)
                if self.rng.random() < slow_fraction
                else self.build(self.rng.choices(domains, weights)[0], uid)
            )
        return out


def check_results(sent: list[tuple[dict, float, bool]], results: list[dict], tally: Counter, wrong: list) -> None:
    """Count lost, duplicated, reordered and wrong results of one answered batch into `tally`."""
    sent_ids = [item["id"] for item, _, _ in sent]
    got_ids = [r.get("id") for r in results]
    sent_count, got_count = Counter(sent_ids), Counter(got_ids)
    tally["lost"] += sum((sent_count - got_count).values())
    tally["duplicated"] += sum((got_count - sent_count).values())
    tally["reordered"] += int(sent_count == got_count and sent_ids != got_ids)
    by_id = {r.get("id"): r for r in results}
    for item, expected, slow in sent:
        r = by_id.get(item["id"])
        if r is None:
            continue
        tally[f"{item['domain']} {r['status']}"] += 1
        if r["status"] in SOFT:
            tally["soft (slow item)" if slow else f"soft ({r['status']}, not a slow item)"] += 1
        elif r["reward"] != expected:
            tally["wrong"] += 1
            if len(wrong) < 5:
                wrong.append({"item": {**item, "response": item["response"][-200:]}, "expected": expected, "result": r})


def hostile_bodies(max_items: int, max_body: int) -> list[tuple[str, bytes, tuple]]:
    """(name, raw body, acceptable status codes) of requests a service must survive."""

    def body(item: str) -> bytes:
        return b'{"items": [' + item.encode() + b"]}"

    ok = '"domain": "math", "response": "so \\\\boxed{1}", "reference": {"answer": "1"}'
    deep = 100_000
    return [
        ("nan timeout", body('{%s, "options": {"timeout_s": NaN}}' % ok), (422,)),
        ("infinite timeout", body('{%s, "options": {"timeout_s": Infinity}}' % ok), (422,)),
        ("nan answer", body('{"domain": "math", "response": "x", "reference": {"answer": NaN}}'), (422,)),
        ("nan response", body('{"domain": "math", "response": NaN, "reference": {"answer": "1"}}'), (422,)),
        ("-infinity id", body('{"id": -Infinity, %s}' % ok), (422,)),
        (
            "lone surrogate response",
            body('{"id": 1, "domain": "math", "response": "\\ud800 \\\\boxed{1}", "reference": {"answer": "1"}}'),
            (200,),
        ),
        ("lone surrogate id", body('{"id": "a\\udfff", %s}' % ok), (200,)),
        ("id past 64 bits", body('{"id": %d, %s}' % (2**70 + 1, ok)), (200, 422)),
        ("big int option", body('{%s, "options": {"seed": %d}}' % (ok, -(2**80))), (200, 422)),
        ("unknown option key", body('{%s, "options": {"frobnicate": {"x": [1, 2]}}}' % ok), (200, 422)),
        ("unknown item key", body('{%s, "colour": "red"}' % ok), (422,)),
        ("deeply nested body", b"[" * deep + b"]" * deep, (422,)),
        (
            "deeply nested reference",
            body(
                '{"domain": "math", "response": "x", "reference": {"answer": "1", "x": %s}}' % ("[" * deep + "]" * deep)
            ),
            (200, 422),
        ),
        (
            "oversized answer",
            body('{"domain": "math", "response": "\\\\boxed{%s}", "reference": {"answer": "1"}}' % ("9" * 2_000_000)),
            (200,),
        ),
        ("malformed json", b'{"items": [{"domain": "math", "response": ', (422,)),
        (
            "invalid utf-8",
            body('{"domain": "math", "response": "\xff", "reference": {"answer": "1"}}').replace(b"\xc3\xbf", b"\xff"),
            (422,),
        ),
        ("empty body", b"", (422,)),
        ("too many items", body(", ".join(["{%s}" % ok] * (max_items + 1))), (422,)),
        # The server may answer 413 and close before the upload ends: the client then sees a reset.
        ("oversized body", b'{"items": [], "pad": "' + b"x" * max_body + b'"}', (413, "reset")),
    ]


class RssSampler:
    """RSS of a process and of it with its children, every `every_s` seconds: (t, main MB, all MB)."""

    def __init__(self, pid: int, every_s: float = 3.0):
        self.process, self.every_s, self.samples = psutil.Process(pid), every_s, []
        self.t0 = time.monotonic()

    def sample(self) -> None:
        """Record the process's RSS and its children's now (nothing once it is gone)."""
        try:
            main = self.process.memory_info().rss
            kids = sum(c.memory_info().rss for c in self.process.children(recursive=True) if c.is_running())
        except psutil.Error:
            return
        self.samples.append((time.monotonic() - self.t0, main / 2**20, (main + kids) / 2**20))

    async def run(self) -> None:
        """Sample every `every_s` seconds until cancelled."""
        while True:
            self.sample()
            await asyncio.sleep(self.every_s)

    def at(self, t: float) -> tuple:
        """The first sample at or after `t` seconds, else the last one."""
        return next((s for s in self.samples if s[0] >= t), self.samples[-1])


def pct_ms(values: list[float]) -> dict:
    """Count, p50, p95, p99 and max of `values` (seconds) in ms; {'n': 0} when empty."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(1000 * _pct(values, 0.5)),
        "p95_ms": round(1000 * _pct(values, 0.95)),
        "p99_ms": round(1000 * _pct(values, 0.99)),
        "max_ms": round(1000 * max(values)),
    }


@contextmanager
def _output_to(path: str):
    """This process's stdout and stderr go to `path` meanwhile (and so do those of children started)."""
    saved = [os.dup(1), os.dup(2)]
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)


def serve(args, env: dict | None = None):
    """(process or None, url): the given --url, or a fresh `prorl serve` with every domain ready,
    logging to --server-log (a hostile body's traceback would drown the numbers)."""
    if args.url:
        return None, args.url.rstrip("/")
    env = {"REWARD_SANDBOX_ENABLED": "false" if args.no_code else "true", **(env or {})}
    print(f"starting prorl serve (log: {args.server_log})", flush=True)
    with _output_to(args.server_log):
        return start_server(env=env, ready="/readyz?all=true", timeout_s=180)


def stop(proc) -> None:
    """Ends a server that `serve` started (nothing for --url)."""
    stop_process(proc, grace_s=60)


def run_against_server(args, run) -> dict:
    """`run(url, pid)` (a coroutine function) against --url or a server started for it; the
    summary it returns is also written to --json when given."""
    proc, url = serve(args)
    try:
        summary = asyncio.run(run(url, proc.pid if proc else getattr(args, "pid", None)))
    finally:
        stop(proc)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    return summary


def common_args(parser: argparse.ArgumentParser) -> None:
    """Add the options both load.py and fairness.py take (--url, --no-code, --server-log, --json)."""
    parser.add_argument("--url", help="a running service; default: start one on loopback")
    parser.add_argument("--no-code", action="store_true", help="leave out the code domain (no Docker)")
    parser.add_argument("--server-log", default="/tmp/prorl-bench-server.log", help="the started server's output")
    parser.add_argument("--json", help="also write the summary here")


@dataclass
class Stats:
    codes: dict = field(default_factory=lambda: defaultdict(Counter))  # "batch"/"hostile" -> HTTP status -> n
    hostile: dict = field(default_factory=lambda: defaultdict(Counter))  # kind of body -> HTTP status -> n
    unexpected: Counter = field(default_factory=Counter)  # hostile bodies answered with another 2xx/4xx
    transport: Counter = field(default_factory=Counter)
    tally: Counter = field(default_factory=Counter)  # check_results' counts
    latency: dict = field(default_factory=lambda: defaultdict(list))  # batch size -> seconds
    items: Counter = field(default_factory=Counter)  # domain -> items answered
    wrong: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    server_errors: int = 0
    backpressure: int = 0
    hostile_sent: int = 0
    last_answer: float = 0.0


async def client(
    cid: int, http: httpx.AsyncClient, url: str, items: Items, hostile: list, args, deadline: float, stats: Stats
) -> None:
    rng = random.Random(cid)
    for n in range(10**9):
        if time.monotonic() >= deadline:
            return
        if rng.random() < args.hostile_fraction:  # the kinds are taken in turn by all clients, so each is sent
            stats.hostile_sent += 1
            name, body, accepted = hostile[stats.hostile_sent % len(hostile)]
            batch, kind = None, "hostile"
        else:
            batch = items.batch(rng.choices(SIZES, SIZE_WEIGHTS)[0], f"c{cid}r{n}", args.slow_fraction)
            name, body, kind = f"{len(batch)} items", orjson.dumps({"items": [i for i, _, _ in batch]}), "batch"
        start = time.monotonic()
        try:
            r = await http.post(f"{url}/v1/score", content=body, headers=HEADERS)
        except httpx.HTTPError as exc:  # after ~0 s: a closed keep-alive connection; later: dropped mid-request
            if batch is None and "reset" in accepted:
                stats.hostile[name][type(exc).__name__] += 1
                continue
            stats.transport[f"{kind}: {type(exc).__name__}"] += 1
            stats.failures.append(f"{kind} {name}: {exc!r} after {time.monotonic() - start:.2f} s")
            await asyncio.sleep(0.1)  # a server that is gone fails fast: do not spin
            continue
        took = time.monotonic() - start
        stats.codes[kind][r.status_code] += 1
        if batch is None:
            stats.hostile[name][r.status_code] += 1
        if r.status_code == 503 and "retry-after" in r.headers:
            stats.backpressure += 1
            await asyncio.sleep(min(float(r.headers["retry-after"]), 30))
        elif r.status_code >= 500:
            stats.server_errors += 1
            stats.failures.append(f"{kind} {name}: {r.status_code} {r.text[:200]}")
        elif batch is None:
            if r.status_code not in accepted:
                stats.unexpected[f"{name}: {r.status_code}"] += 1
        elif r.status_code != 200:
            stats.tally[f"batch answered {r.status_code}"] += 1
        else:
            check_results(batch, orjson.loads(r.content)["results"], stats.tally, stats.wrong)
            stats.latency[len(batch)].append(took)
            stats.items.update(item["domain"] for item, _, _ in batch)
            stats.last_answer = time.monotonic()


async def run(args, url: str, pid: int | None) -> dict:
    items = Items(seed=args.seed, code=not args.no_code)
    print(
        f"templates: {', '.join(f'{d} {len(t)}' for d, t in items.templates.items())} "
        f"({items.dropped} dropped: in-process reward differs from the design)",
        flush=True,
    )
    hostile, stats = hostile_bodies(args.max_items, args.max_body_bytes), Stats()
    sampler = RssSampler(pid) if pid else None
    sampler_task = asyncio.create_task(sampler.run()) if sampler else None
    total_s = 60 * args.minutes
    start = time.monotonic()
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(timeout=httpx.Timeout(args.request_timeout_s, connect=10), limits=limits) as http:
        tasks = [
            asyncio.create_task(client(c, http, url, items, hostile, args, start + total_s, stats))
            for c in range(args.clients)
        ]
        done, pending = await asyncio.wait(tasks, timeout=total_s + args.drain_s)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception():
                raise task.exception()
    wall = (stats.last_answer or time.monotonic()) - start
    if sampler:
        sampler.sample()
        sampler_task.cancel()
    summary = {
        "minutes": args.minutes,
        "clients": args.clients,
        "wall_s": round(wall, 1),
        "unfinished_at_stop": len(pending),
        "items_per_s": {d: round(n / wall, 1) for d, n in sorted(stats.items.items())},
        "latency_by_batch_size": {s: pct_ms(stats.latency[s]) for s in SIZES},
        "status_codes": {k: dict(sorted(v.items())) for k, v in stats.codes.items()},
        "transport_errors": dict(stats.transport),
        "5xx": stats.server_errors,
        "backpressure_503": stats.backpressure,
        "hostile_unexpected": dict(stats.unexpected),
        "hostile_by_kind": {k: dict(v) for k, v in sorted(stats.hostile.items())},
        "results": dict(sorted(stats.tally.items())),
        "failure_examples": stats.failures[:5],
        "wrong_examples": stats.wrong,
    }
    if sampler and sampler.samples:
        warm, end = sampler.at(min(60.0, 0.1 * total_s)), sampler.samples[-1]
        summary["rss"] = {
            "warm_t_s": round(warm[0]),
            "warm_main_mb": round(warm[1]),
            "warm_all_mb": round(warm[2]),
            "end_t_s": round(end[0]),
            "end_main_mb": round(end[1]),
            "end_all_mb": round(end[2]),
            "growth_main_pct": round(100 * (end[1] - warm[1]) / warm[1], 1),
            "growth_all_pct": round(100 * (end[2] - warm[2]) / warm[2], 1),
            "samples": [[round(t), round(m), round(a)] for t, m, a in sampler.samples],
        }
    return summary


def report(s: dict) -> None:
    verdict = {True: "OK  ", False: "MISS"}.get
    print(
        f"\n== {s['minutes']} min, {s['clients']} clients, {s['wall_s']} s measured, "
        f"{s['unfinished_at_stop']} requests unfinished at the stop"
    )
    print("items/s: " + "  ".join(f"{d} {v}" for d, v in s["items_per_s"].items()))
    print("latency by batch size:")
    for size, p in s["latency_by_batch_size"].items():
        if p["n"]:
            print(
                f"  {size:>5} items  n={p['n']:<5} p50 {p['p50_ms']:>7} ms  p99 {p['p99_ms']:>7} ms  "
                f"max {p['max_ms']:>7} ms"
            )
    print(f"status codes: {json.dumps(s['status_codes'])}")
    print(
        f"transport errors: {s['transport_errors']}  backpressure 503s (Retry-After honoured): {s['backpressure_503']}"
    )
    print("hostile bodies: " + ", ".join(f"{k} {v}" for k, v in s["hostile_by_kind"].items()))
    if s["hostile_unexpected"]:
        print(f"hostile bodies answered otherwise than expected (not 5xx): {s['hostile_unexpected']}")
    checks = {k: v for k, v in s["results"].items() if k.split()[0] not in DOMAINS}
    print("results: " + ", ".join(f"{k} {v}" for k, v in checks.items()))
    print("item statuses: " + ", ".join(f"{k} {v}" for k, v in s["results"].items() if k not in checks))
    for example in s["failure_examples"] + s["wrong_examples"]:
        print(f"  e.g. {str(example)[:400]}")
    r, t = s.get("rss"), s["results"]
    bad = t.get("lost", 0) + t.get("duplicated", 0) + t.get("reordered", 0) + t.get("wrong", 0)
    print("targets:")
    print(
        f"  {verdict(s['5xx'] == 0 and not s['transport_errors'])} zero 5xx or failed requests: "
        f"{s['5xx']} 5xx, {sum(s['transport_errors'].values())} transport errors"
    )
    print(f"  {verdict(bad == 0)} zero lost/duplicated/reordered/wrong results: {bad}")
    if r:
        print(
            f"  {verdict(r['growth_main_pct'] < 10)} RSS growth under 10% after warm-up: main {r['warm_main_mb']} MB "
            f"(t={r['warm_t_s']} s) -> {r['end_main_mb']} MB (t={r['end_t_s']} s), {r['growth_main_pct']:+}%; "
            f"with children {r['warm_all_mb']} -> {r['end_all_mb']} MB, {r['growth_all_pct']:+}%"
        )
    else:
        print("  ---- RSS not sampled (give --pid with --url)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10, help="how long clients start new requests")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (and connections)")
    common_args(parser)
    parser.add_argument("--pid", type=int, help="with --url: the server process whose RSS to sample")
    parser.add_argument("--slow-fraction", type=float, default=0.002, help="share of items that are slow")
    parser.add_argument("--hostile-fraction", type=float, default=0.05, help="share of requests that are hostile")
    parser.add_argument("--max-items", type=int, default=4096, help="the server's REWARD_MAX_ITEMS")
    parser.add_argument("--max-body-bytes", type=int, default=64 * 2**20, help="the server's REWARD_MAX_BODY_BYTES")
    parser.add_argument("--request-timeout-s", type=float, default=600, help="client timeout per request")
    parser.add_argument("--drain-s", type=float, default=300, help="after the time is up, wait this long for answers")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    report(run_against_server(args, lambda url, pid: run(args, url, pid)))


if __name__ == "__main__":
    main()
