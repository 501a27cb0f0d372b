"""Hostile math answers: each comes back as `timeout` within its limit plus one second, the
worker that ran it is replaced, and the service keeps scoring other items meanwhile."""

import threading
import time

import pytest

from tests.reward_service.api.test_score import item, score

HOSTILE = {
    "exponent_tower_2": "\\boxed{10^{10^{10}}}",
    "exponent_tower_4": "\\boxed{10^{10^{10^{10}}}}",
    "power_chain": "\\boxed{9^9^9^9}",
    "huge_factorial": "\\boxed{100000000!}",
    "factorial_of_factorial": "\\boxed{(10^{8})!!}",
    "long_expression": "\\boxed{" + "+".join(["x^{2}"] * 1000) + "}",
    "deep_nesting": "\\boxed{" + "(" * 300 + "1" + ")" * 300 + "}",
    "deep_braces": "\\boxed{" + "\\frac{1}{" * 200 + "2" + "}" * 200 + "}",
    "big_power": "\\boxed{2^{2^{64}}}",
}


@pytest.mark.parametrize("response", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_answer_times_out_within_limit(client, response):
    limit = 2.0
    start = time.monotonic()
    r = score(client, [item(response, answer="5", options={"timeout_s": limit}), item("\\boxed{0.5}")])
    elapsed = time.monotonic() - start
    results = r.json()["results"]
    assert results[0]["status"] == "timeout", results[0]
    assert results[0]["reward"] == 0.0
    assert results[1]["status"] == "correct"
    assert elapsed < limit + 1.0, f"took {elapsed:.2f}s for a {limit}s limit"


def test_service_keeps_scoring_while_a_worker_is_stuck(client):
    slow = {}

    def stuck():
        slow["r"] = score(client, [item("\\boxed{10^{10^{10}}}", options={"timeout_s": 4})])

    thread = threading.Thread(target=stuck)
    thread.start()
    time.sleep(0.3)
    start = time.monotonic()
    r = score(client, [item(f"\\boxed{{{n}/2}}", answer=f"{n}/2") for n in range(40)])
    fast = time.monotonic() - start
    thread.join()
    assert all(x["status"] == "correct" for x in r.json()["results"])
    assert fast < 4, "the other worker should have scored the batch while one was stuck"
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
    thread.join(timeout=10)
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
    thread.join(timeout=10)
    assert result["r"].json()["results"][0]["status"] == "timeout"  # checked again, not lost to the kill


def _wait_for_busy(pool, exclude=()):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.1)
        # the stuck worker is the one whose CPU is busy
        busy = next((w for w in pool._workers if w is not None and w.process.pid not in exclude
                     and w.process.is_alive() and _cpu_busy(w.process.pid)), None)
        if busy is not None:
            return busy
    raise AssertionError("no checker worker got busy")


def _cpu_busy(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields[0] == "R"


def test_a_worker_that_cannot_start_fails_its_items_but_never_hangs(client, monkeypatch):
    pool = client.app.state.pool
    import reward_service.pool as pool_module

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
