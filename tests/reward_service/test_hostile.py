"""Hostile math answers: each comes back as `timeout`, either refused by the verifier's guards
before parsing or killed once its own limit has passed (and then the worker that ran it is
replaced), and the service keeps scoring other items meanwhile. Nothing here asserts on wall
time: how fast that happens is measured by the benchmarks (benchmarks/fairness.py)."""

import threading
import time

import pytest

from tests.reward_service.api.test_score import item, score

KILLED = "worker killed"  # ran into the item's limit: the pool killed the worker and started another
# name: (response, what the detail of its `timeout` says): KILLED, or why the guards refused it unparsed
HOSTILE = {
    "exponent_tower_2": ("\\boxed{10^{10^{10}}}", KILLED),
    "exponent_tower_4": ("\\boxed{10^{10^{10^{10}}}}", "exponent tower"),
    "power_chain": ("\\boxed{9^9^9^9}", "exponent tower"),
    "huge_factorial": ("\\boxed{100000000!}", KILLED),
    "factorial_of_factorial": ("\\boxed{(10^{8})!!}", KILLED),
    "long_expression": ("\\boxed{" + "+".join(["x^{2}"] * 1000) + "}", "character limit"),
    "deep_nesting": ("\\boxed{" + "(" * 300 + "1" + ")" * 300 + "}", "deep"),
    "deep_braces": ("\\boxed{" + "\\frac{1}{" * 200 + "2" + "}" * 200 + "}", "character limit"),
    "big_power": ("\\boxed{2^{2^{64}}}", KILLED),
}


@pytest.mark.parametrize("response,detail", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_answer_is_a_timeout_and_a_killed_worker_is_replaced(client, response, detail):
    limit = 2.0
    restarts = _restarts(client, "timeout")
    r = score(client, [item(response, answer="5", options={"timeout_s": limit}), item("\\boxed{0.5}")])
    hostile, other = r.json()["results"]
    assert hostile["status"] == "timeout" and hostile["reward"] == 0.0, hostile
    assert detail in hostile["detail"], hostile
    if detail == KILLED:  # its own limit, not the default, and only once it had passed
        assert f"within {limit:g} s" in hostile["detail"]
        assert hostile["elapsed_ms"] >= limit * 1000
    assert _restarts(client, "timeout") == restarts + (detail == KILLED)  # a refused answer costs no worker
    assert other["status"] == "correct"


def _restarts(client, reason: str) -> float:
    """reward_worker_restarts_total{reason=...} as /metrics reports it (0 before the first)."""
    prefix = f'reward_worker_restarts_total{{reason="{reason}"}} '
    lines = client.get("/metrics").text.splitlines()
    return next((float(line.removeprefix(prefix)) for line in lines if line.startswith(prefix)), 0.0)


def test_service_keeps_scoring_while_a_worker_is_stuck(client):
    pool = client.app.state.pool
    slow = {}

    def stuck():
        slow["r"] = score(client, [item("\\boxed{10^{10^{10}}}", options={"timeout_s": 8})])

    thread = threading.Thread(target=stuck)
    thread.start()
    busy = _wait_for_busy(pool)  # the stuck item is on its worker before the batch is sent
    r = score(client, [item(f"\\boxed{{{n}/2}}", answer=f"{n}/2") for n in range(40)])
    # The stuck worker is killed only once its item's 8 s have passed: still alive means the batch
    # was answered by the other workers meanwhile, not after it.
    answered_meanwhile = busy.process.is_alive() and "r" not in slow
    thread.join()
    assert all(x["status"] == "correct" for x in r.json()["results"])
    assert answered_meanwhile, "the batch waited for the stuck worker instead of going to another one"
    assert slow["r"].json()["results"][0]["status"] == "timeout"


def test_a_worker_killed_while_busy_gets_the_item_again_once_then_it_is_an_error(client):
    pool = client.app.state.pool
    result = {}

    def run():
        result["r"] = score(client, [item("\\boxed{10^{10^{10}}}", options={"timeout_s": 20})])

    thread = threading.Thread(target=run)
    thread.start()
    killed = []
    for _ in range(2):  # the first death earns the item a fresh worker; the second is final
        busy = _wait_for_busy(pool, exclude=killed)
        killed.append(busy.process.pid)
        busy.process.kill()
    thread.join(timeout=60)  # a guard against a hang, not a speed check
    assert not thread.is_alive(), "the request never got an answer after its worker was killed twice"
    res = result["r"].json()["results"][0]
    assert res["status"] == "error" and "died" in res["detail"]
    after = score(client, [item("\\boxed{1/2}"), item("\\boxed{0.5}", id=2)]).json()["results"]
    assert [x["status"] for x in after] == ["correct", "correct"]
    assert 'reason="died"' in client.get("/metrics").text


def test_a_worker_killed_once_while_busy_does_not_cost_the_item(client):
    pool = client.app.state.pool
    result = {}

    def run():  # hangs on the first worker; the retry on a fresh worker answers within its limit
        result["r"] = score(client, [item("\\boxed{10^{10^{10}}}", options={"timeout_s": 2})])

    thread = threading.Thread(target=run)
    thread.start()
    _wait_for_busy(pool).process.kill()
    thread.join(timeout=60)  # a guard against a hang, not a speed check
    assert not thread.is_alive(), "the request never got an answer after its worker was killed"
    assert result["r"].json()["results"][0]["status"] == "timeout"  # checked again, not lost to the kill


def _wait_for_busy(pool, exclude=()):
    """The worker stuck on an item: the one whose CPU is busy on three polls in a row (a worker
    that is only starting up is busy for a moment, then idle)."""
    polls = {}
    deadline = time.monotonic() + 60  # a guard against a hang, not a speed check
    while time.monotonic() < deadline:
        time.sleep(0.1)
        running = {
            w.process.pid: w
            for w in pool._workers
            if w is not None and w.process.pid not in exclude and w.process.is_alive() and _cpu_busy(w.process.pid)
        }
        polls = {pid: polls.get(pid, 0) + 1 for pid in running}
        busy = next((running[pid] for pid, n in polls.items() if n >= 3), None)
        if busy is not None:
            return busy
    raise AssertionError("no checker worker got busy")


def _cpu_busy(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields[0] == "R"


def test_a_worker_that_cannot_start_fails_its_items_but_never_hangs(client, monkeypatch):
    pool = client.app.state.pool
    import reward_service.checkers as pool_module

    class Broken:
        def __init__(self, *args):
            raise RuntimeError("a checker process failed to start (test)")

    for slot, worker in enumerate(pool._workers):
        pool._workers[slot] = None
        if worker is not None:
            worker.kill()
    monkeypatch.setattr(pool_module, "_Worker", Broken)
    results = score(client, [item("\\boxed{1/2}", id=i) for i in range(6)]).json()["results"]
    assert {r["status"] for r in results} == {"error"}
    assert "failed to start" in results[0]["detail"]
    monkeypatch.undo()
    results = score(client, [item("\\boxed{1/2}")]).json()["results"]
    assert results[0]["status"] == "correct"
