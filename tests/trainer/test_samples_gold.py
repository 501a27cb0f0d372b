"""Every built-in sample's known-good answer scores reward 1.0 through the real HTTP service:
math `\\boxed{answer}`, stem `\\boxed{letter}` (or the value), logic `<answer>gold</answer>`,
instruction the row's `example_response`, code the row's `solution` (Docker sandboxes; marked
docker). A wrong answer per domain must score below 1, so a service that says yes to
everything fails here too. The code solutions also run on the sandbox's runner in --native mode
(no Docker; they are our own programs), so a broken sample shows up without an engine."""

import pytest

from tests.reward_service.sandbox.helpers import native_runner, sandbox_service
from trainer.datasets import sample_rows

WRONG = {
    "math": "\\boxed{-123456789}",
    "stem": "\\boxed{Z}",
    "logic": "<answer>certainly not this</answer>",
    "instruction": "",
    "code": "```python\nprint('nothing')\n```",
}


def gold(row) -> str:
    if row.domain == "code":
        return row.extra["solution"]
    if row.domain == "instruction":
        return row.extra["example_response"]
    if row.domain == "logic":
        return f"<answer>{row.reference['entry']['answer']}</answer>"
    return f"Let me work it out.\n\nThe answer is \\boxed{{{row.reference['answer']}}}."


def score(client, rows, responses) -> list[dict]:
    items = [
        {"id": str(row.extra.get("id", n)), "domain": row.domain, "response": text, "reference": row.reference}
        for n, (row, text) in enumerate(zip(rows, responses))
    ]
    r = client.post("/v1/score", json={"items": items})
    assert r.status_code == 200, r.text[:2000]
    return r.json()["results"]


def check_domain(client, domain):
    rows = sample_rows(domain)
    results = score(client, rows, [gold(row) for row in rows])
    failed = [(res["id"], res["status"], res["reward"], res["detail"][:200]) for res in results if res["reward"] != 1.0]
    assert not failed, f"{len(failed)} of {len(rows)} {domain} samples do not score 1.0: {failed}"
    wrong = score(client, rows[:3], [WRONG[domain]] * 3)
    assert all(res["reward"] < 1.0 for res in wrong), wrong


@pytest.mark.parametrize("domain", ["math", "stem", "logic", "instruction"])
def test_sample_gold_scores_one(client, domain):
    check_domain(client, domain)


@pytest.mark.docker
def test_code_sample_solutions_score_one():
    with sandbox_service() as client:
        check_domain(client, "code")


def test_code_sample_solutions_pass_the_native_runner():
    rows = sample_rows("code")
    with native_runner() as run:
        failed = [
            (row.extra["id"], v.detail)
            for row in rows
            if (v := run(row.extra["solution"], row.reference)).reward != 1.0
        ]
        assert not failed
        # Each solution solves its own problem only: the next row's solution fails this row's tests.
        assert all(
            run(rows[(n + 1) % len(rows)].extra["solution"], row.reference).reward < 1.0 for n, row in enumerate(rows)
        )
