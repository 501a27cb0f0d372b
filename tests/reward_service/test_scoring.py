"""The one scoring path (reward_service.scoring): every domain gets the `</think>` rule and the
catch-all there, whichever executor runs it. The code domain runs on the sandbox pool's runner as
a plain process (native: our own programs only), so no Docker is needed here."""

import asyncio

import pytest

from reward_service.config import Settings
from reward_service.sandbox.warm_pool import SandboxPool
from reward_service.scoring import Job, Raised, check, score_item, score_items, score_jobs, settle
from reward_service.verifiers import base, code

STDIO = {"tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "40 2\n", "stdout": "42\n"}]}
ADD = "a, b = map(int, input().split())\nprint(a + b)"


def program(source: str, thinking: str = "") -> str:
    return f"{thinking}Here it is.\n```python\n{source}\n```\n"


def code_job(response: str) -> Job:
    return Job("code", response, STDIO, {"max_answer_chars": 1000}, 10.0)


class Checkers:
    """The checker executor, in this process (a monkeypatched verifier reaches it)."""

    async def run(self, jobs):
        return [(check(job), 0.0) for job in jobs]


async def _with_native_sandbox(jobs: list[Job], checkers=None):
    pool = SandboxPool(Settings(sandbox_enabled=True, sandbox_pool_size=1), native=True)
    await pool.start()
    while not pool.ready:
        assert not (pool.failure and not pool.starting), pool.failure
        await asyncio.sleep(0.05)
    try:
        return await score_jobs(jobs, {"sandbox": pool, "checkers": checkers or Checkers()})
    finally:
        await pool.close()


def test_a_code_verifier_raising_gives_that_item_an_error_and_the_batch_is_scored(monkeypatch):
    real = code.verdict

    def verdict(result, source):
        if "BOOM" in source:
            raise LookupError("an unexpected runner field")
        return real(result, source)

    monkeypatch.setattr(code, "verdict", verdict)
    jobs = [
        code_job(program(ADD)),
        code_job(program(ADD + "  # BOOM")),
        code_job(program("print(0)")),
        Job("math", "\\boxed{2}", {"answer": "2"}, {"max_answer_chars": 1000}, 5.0),
    ]
    scored = asyncio.run(_with_native_sandbox(jobs))
    assert [v.status for v, _ in scored] == ["correct", "error", "incorrect", "correct"]
    assert scored[1][0].detail == "verifier failed: LookupError: an unexpected runner field"
    assert scored[0][1] > 0  # seconds in the sandbox


def test_the_think_rule_is_the_same_for_code_and_checker_domains():
    unclosed = "<think>I will write it.\n"
    jobs = [
        code_job(program(ADD, thinking=unclosed)),
        code_job(program(ADD, thinking="<think>hmm</think>")),
        Job("math", unclosed + "\\boxed{2}", {"answer": "2"}, {}, 5.0),
    ]
    scored = asyncio.run(_with_native_sandbox(jobs))
    assert [v.status for v, _ in scored] == ["no_answer", "correct", "no_answer"]
    assert scored[0][0].detail == scored[2][0].detail == "<think> was opened but never closed; no final answer to grade"
    assert scored[0][1] == 0  # never sent to a container


def test_a_checker_verifier_raising_is_settled_per_item(monkeypatch):
    from reward_service.verifiers import DOMAINS

    math = DOMAINS["math"]

    def verify(text, reference, options):
        if "boom" in text:
            raise KeyError("boom")
        if "deep" in text:
            raise RecursionError("deep")
        return math.verify(text, reference, options)

    monkeypatch.setitem(DOMAINS, "math", math.__class__(**{**math.__dict__, "verify": verify}))
    jobs = [Job("math", t, {"answer": "2"}, {"max_answer_chars": 1000}, 5.0) for t in ("\\boxed{2}", "boom", "deep")]
    scored = asyncio.run(score_jobs(jobs, {"checkers": Checkers()}))
    assert [v.status for v, _ in scored] == ["correct", "error", "timeout"]
    assert scored[1][0].detail == "verifier failed: KeyError: 'boom'"
    assert score_item("math", "boom", {"answer": "2"}, {}).status == "error"  # the in-process path settles the same way


def test_an_executor_that_fails_outright_fails_only_its_own_items():
    class Broken:
        async def run(self, jobs):
            raise OSError("the executor is gone")

    jobs = [code_job(program(ADD)), Job("math", "\\boxed{2}", {"answer": "2"}, {"max_answer_chars": 1000}, 5.0)]
    scored = asyncio.run(score_jobs(jobs, {"sandbox": Broken(), "checkers": Checkers()}))
    assert [v.status for v, _ in scored] == ["error", "correct"]
    assert scored[0][0].detail == "the sandbox executor failed: OSError: the executor is gone"


@pytest.mark.parametrize(
    "outcome,status",
    [
        (base.correct("1"), "correct"),
        (Raised("MemoryError", ""), "timeout"),
        (ValueError("x"), "error"),
    ],
)
def test_settle(outcome, status):
    assert settle(outcome).status == status


def test_a_verdict_the_wire_model_refuses_is_that_items_error_not_a_500():
    from reward_service.admission import Load
    from reward_service.schemas import Item

    class Odd:
        async def run(self, jobs):
            bad = base.Verdict("correct", 1.0, "p", "1/1", ({"outcome": "crashed", "time_ms": 1.0, "detail": ""},))
            return [(bad if "odd" in job.text else base.correct("2"), 0.0) for job in jobs]

    items = [Item(id=i, domain="math", response=text, reference={"answer": "2"}) for i, text in enumerate(["odd", "2"])]
    results = asyncio.run(score_items(items, Settings(), {"checkers": Odd()}, Load(100, 2**20)))
    assert [(r.id, r.status) for r in results] == [(0, "error"), (1, "correct")]
    assert results[0].detail.startswith("the verifier returned a malformed verdict (tests.0.outcome:")
