"""Shared by the math table tests: the per-item path they grade through, and how a table of
grouped cases becomes pytest parameters, with known gaps marked as strict xfails."""

import pytest

from reward_service.scoring import score_item


def verify(response, reference):
    """The whole per-item path a worker runs: reasoning stripped, then the math verifier."""
    return score_item("math", response, reference, {})


def table_params(groups: dict, known_gaps: dict | None = None) -> list:
    """One pytest param per case, id `group-index`. A known gap (id -> why) is a strict xfail:
    a human grades it as expected and we do not yet, so a fix shows up until its mark goes."""
    known_gaps = known_gaps or {}
    return [
        pytest.param(
            *case,
            id=f"{name}-{i}",
            marks=[pytest.mark.xfail(strict=True, reason=known_gaps[f"{name}-{i}"])]
            if f"{name}-{i}" in known_gaps
            else [],
        )
        for name, group in groups.items()
        for i, case in enumerate(group)
    ]


def check(gold: str, response: str, expected: str) -> None:
    v = verify(response, {"answer": gold})
    assert v.status == expected, (v.status, v.extracted, v.detail)
    assert v.reward == (1.0 if expected == "correct" else 0.0)
