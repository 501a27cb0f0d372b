"""Rows generated offline for the prolonged run: IFEval-style instructions whose every row is a
valid IFEval reference that the instruction verifier scores as phrased, and Reasoning Gym puzzles
made easier through their task settings."""

import pytest

from reward_service.verifiers import instruction as verifier
from trainer.datasets import instruction, logic

# A response that follows each instruction the generator asks for (one instruction per row).
COMPLIANT = {
    "change_case:english_lowercase": lambda kw: "the sun is warm today and we walk to the sea with our friends",
    "change_case:english_capital": lambda kw: "THE SUN IS WARM TODAY AND WE WALK TO THE SEA WITH OUR FRIENDS",
    "punctuation:no_comma": lambda kw: "The day was calm.",
    "startend:quotation": lambda kw: '"The day was calm."',
    "startend:end_checker": lambda kw: f"The day was calm. {kw['end_phrase']}",
    "detectable_format:title": lambda kw: "<<A calm day>>\nThe day was calm.",
    "length_constraints:number_words": lambda kw: "The day was calm.",
    "keywords:existence": lambda kw: f"A story with {' and '.join(kw['keywords'])} in it.",
    "keywords:forbidden_words": lambda kw: "The day was calm.",
    "detectable_content:postscript": lambda kw: "The day was calm.\nP.S. See you soon.",
    "detectable_format:number_bullet_lists": lambda kw: "\n".join(f"* point {i}" for i in range(kw["num_bullets"])),
}


def test_generated_instruction_rows_are_reproducible_valid_and_scored_as_phrased():
    rows = instruction.generate(600, seed=3)
    assert rows == instruction.generate(600, seed=3)
    assert rows != instruction.generate(600, seed=4)
    kinds = {i for row in rows for i in row.reference["instruction_id_list"]}
    assert kinds == set(COMPLIANT)
    two = [row for row in rows if len(row.reference["instruction_id_list"]) == 2]
    assert 0.1 < len(two) / len(rows) < 0.4
    for row in rows:
        ids, kwargs = row.reference["instruction_id_list"], row.reference["kwargs"]
        assert row.domain == "instruction" and row.prompt[0]["content"] == row.reference["prompt"]
        assert len(set(ids)) == len(ids)
        for n, (i, kw) in enumerate(zip(ids, kwargs)):
            assert not isinstance(verifier.bind_kwargs(n, i, kw), str)
        if len(ids) == 1:
            verdict = verifier.verify(COMPLIANT[ids[0]](kwargs[0]), row.reference)
            assert verdict.reward == 1.0, (row.reference, verdict)
            assert verifier.verify("", row.reference).reward == 0.0 or ids[0] in (
                "punctuation:no_comma",
                "length_constraints:number_words",
                "keywords:forbidden_words",
            )  # an empty answer follows only the "do not" instructions


def test_generated_instruction_rows_refuse_a_bad_count():
    with pytest.raises(ValueError, match="count must be at least 1"):
        instruction.generate(0, seed=0)


def test_logic_settings_make_the_puzzles_they_name():
    easy = logic.generate(["leg_counting"], 20, 0, {"leg_counting": {"min_animals": 1, "max_animals": 1}})
    plain = logic.generate(["leg_counting"], 20, 0)
    assert all(row.reference["entry"]["metadata"]["num_animals"] == 1 for row in easy)
    assert any(row.reference["entry"]["metadata"]["num_animals"] > 1 for row in plain)
    with pytest.raises(ValueError, match="leg_counting.*refused its settings"):
        logic.generate(["leg_counting"], 2, 0, {"leg_counting": {"no_such_field": 1}})
