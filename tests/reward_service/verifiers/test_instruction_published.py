"""Conformance of the instruction verifier with Google's published IFEval results.

Source: google-research/google-research ``instruction_following_eval/data/`` (Apache-2.0):
``input_data.jsonl`` (prompt, ids, kwargs), ``input_response_data_gpt4_20231107_145030.jsonl``
(GPT-4's responses) and ``eval_results_strict.jsonl`` / ``eval_results_loose.jsonl`` (Google's
per-instruction verdicts). ``ifeval_published.jsonl`` holds a subset of those rows, one JSON object a
line: ``{"source", "key", "prompt", "instruction_id_list", "kwargs", "response", "strict", "loose"}``.

Rows whose published verdict differs from ours only through a deliberate deviation are left out, for
example ``keywords:letter_frequency`` with a non-letter such as "#" or "!" (keys 1122, 1129): IFEval
swaps such a letter for a random ASCII letter, so its verdict there is random.
"""

import json
from pathlib import Path

import pytest

from reward_service.verifiers.instruction import verify

FIXTURE = Path(__file__).with_name("ifeval_published.jsonl")
ROWS = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


def _followed(row: dict, index: int, mode: str) -> bool:
    """Our verdict on one instruction of the row, through the public verify()."""
    reference = {
        "prompt": row["prompt"],
        "key": row["key"],
        "mode": mode,
        "instruction_id_list": [row["instruction_id_list"][index]],
        "kwargs": [row["kwargs"][index]],
    }
    verdict = verify(row["response"], reference)
    assert verdict.status != "error", verdict.detail
    return verdict.reward == 1.0


def test_fixture_is_well_formed():
    assert 0 < len(ROWS) <= 60
    assert len({row["key"] for row in ROWS}) == len(ROWS)
    for row in ROWS:
        n = len(row["instruction_id_list"])
        assert len(row["kwargs"]) == len(row["strict"]) == len(row["loose"]) == n
        # loose is at least as lenient as strict, instruction by instruction
        assert all(loose or not strict for strict, loose in zip(row["strict"], row["loose"]))


@pytest.mark.parametrize("mode", ["strict", "loose"])
@pytest.mark.parametrize("row", ROWS, ids=[str(row["key"]) for row in ROWS])
def test_matches_published_verdicts(row, mode):
    published = row[mode]
    ours = [_followed(row, i, mode) for i in range(len(row["instruction_id_list"]))]
    assert ours == published, list(zip(row["instruction_id_list"], published, ours))
    whole = verify(
        row["response"],
        {
            "prompt": row["prompt"],
            "key": row["key"],
            "mode": mode,
            "instruction_id_list": row["instruction_id_list"],
            "kwargs": row["kwargs"],
        },
    )
    assert whole.reward == pytest.approx(sum(published) / len(published))
