"""The checker pool's fairness: requests take turns (round robin), and a slow item hands its turn
to a spare worker. Checked by the order in which requests finish, never by wall time."""

import asyncio

import pytest

from reward_service.checkers import CheckerPool
from reward_service.scoring import Job
from reward_service.turns import Turns


def test_turns_go_round_robin_between_owners():
    turns = Turns()
    for work in ("a1", "a2", "a3"):
        turns.push("a", work)
    turns.push("b", "b1")
    assert [turns.pop() for _ in range(4)] == ["a1", "b1", "a2", "a3"]
    assert not turns


def _math(answer: str, timeout_s: float = 5.0) -> Job:
    return Job("math", f"\\boxed{{{answer}}}", {"answer": "1/2"}, {"max_answer_chars": 1000}, timeout_s)


@pytest.fixture(scope="module")
def pool():
    pool = CheckerPool(1)
    pool.start()
    yield pool
    pool.close()


async def _finish_order(pool, first: list[Job], second: list[Job]) -> list[str]:
    order = []

    async def run(name, jobs, delay):
        await asyncio.sleep(delay)
        results = await pool.run(jobs)
        order.append(name)
        return results

    big, small = await asyncio.gather(run("first", first, 0), run("second", second, 0.05))
    assert [v.status for v, _ in small] == ["correct"]
    return order, big


def test_a_one_item_request_is_not_queued_behind_a_big_batch(pool):
    # 400 items in chunks of 16 on one worker: first in first out would finish the big one first.
    # Each item is a different answer (n/2n), so no cache makes the big batch over before the
    # one-item request, sent 50 ms later, arrives.
    order, big = asyncio.run(_finish_order(pool, [_math(f"{n}/{2 * n}") for n in range(1, 401)], [_math("1/2")]))
    assert order == ["second", "first"]
    assert {v.status for v, _ in big} == {"correct"}


def test_a_slow_item_hands_its_turn_to_a_spare_worker(pool):
    # The first request hangs sympy until its 8 s limit on the only regular worker.
    order, big = asyncio.run(_finish_order(pool, [_math("10^{10^{10}}", timeout_s=8)], [_math("0.5")]))
    assert order == ["second", "first"]
    assert big[0][0].status == "timeout"
