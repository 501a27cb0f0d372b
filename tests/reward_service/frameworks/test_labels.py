"""How other frameworks' labels become our items: every accepted shape, the data_source table
(with prefixes and the caller's overrides), and the errors that say what to send."""

import json

import pytest

from reward_service.frameworks.labels import LabelError, domain_for, parse_label, to_item

ITEM = {"domain": "stem", "reference": {"answer": "B", "choices": ["1", "2", "3", "4"]}}


@pytest.mark.parametrize(
    "label,data_source,expected",
    [
        ("42", None, ("math", {"answer": "42"})),
        (42, None, ("math", {"answer": "42"})),
        (0.5, "openai/gsm8k", ("math", {"answer": "0.5"})),
        ("{1, 2}", None, ("math", {"answer": "{1, 2}"})),  # a set, not JSON
        ("\\frac{1}{2}", "aime_2024", ("math", {"answer": "\\frac{1}{2}"})),
        ("B", "Idavidrein/gpqa", ("stem", {"answer": "B"})),
        ("C", "mmlu_pro", ("stem", {"answer": "C"})),
        (ITEM, None, ("stem", ITEM["reference"])),
        (json.dumps(ITEM), "openai/gsm8k", ("stem", ITEM["reference"])),  # the label's own domain wins
        ({"answer": "7"}, "numina_olympiads", ("math", {"answer": "7"})),
        (
            {"task": "leg_counting", "entry": {"answer": "4"}},
            "reasoning_gym",
            ("logic", {"task": "leg_counting", "entry": {"answer": "4"}}),
        ),
    ],
)
def test_accepted_labels(label, data_source, expected):
    assert parse_label(label, data_source) == expected


def test_verl_code_cases_become_stdin_stdout_tests():
    cases = json.dumps({"inputs": ["1 2\n", ["3", "4"]], "outputs": ["3\n", "7"]})
    assert parse_label(cases, "taco") == (
        "code",
        {"language": "python", "tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "3\n4\n", "stdout": "7"}]},
    )


def test_verl_call_based_cases_become_call_tests():
    cases = {"fn_name": "add", "inputs": ["1\n2", [5, 6]], "outputs": ["3", 11]}
    assert parse_label(cases) == (
        "code",
        {
            "language": "python",
            "entry_point": "add",
            "tests": [{"args": [1, 2], "expected": 3}, {"args": [5, 6], "expected": 11}],
        },
    )


def test_data_source_table_prefixes_and_overrides():
    assert domain_for("aime25") == "math" and domain_for("codeforces") == "code"
    assert domain_for("unknown_set") == "math" and domain_for("unknown_set", "stem") == "stem"
    assert domain_for("my_*_set", sources={"my_*": "logic"}) == "logic"
    assert domain_for("openai/gsm8k", sources={"openai/gsm8k": "stem"}) == "stem"
    assert domain_for(None, "instruction") == "instruction"


@pytest.mark.parametrize(
    "label,data_source,words",
    [
        (["1", "2"], None, "not list"),
        (None, None, "not NoneType"),
        (True, None, "not bool"),
        ("print(1)", "codecontests", "domain is 'code'"),
        ({"domain": "math"}, None, "needs 'reference'"),
        ({"inputs": [1], "outputs": []}, None, "same, non-zero length"),
    ],
)
def test_rejected_labels_say_what_to_send(label, data_source, words):
    with pytest.raises(LabelError, match=words):
        parse_label(label, data_source)


def test_numpy_labels_as_verl_holds_them():
    import numpy as np

    assert parse_label(np.int64(7)) == ("math", {"answer": "7"})
    assert parse_label(np.str_("B"), "gpqa") == ("stem", {"answer": "B"})
    with pytest.raises(LabelError, match="not list"):
        parse_label(np.array(["1", "2"]))


def test_to_item():
    assert to_item("so \\boxed{2}", "2") == {
        "domain": "math",
        "response": "so \\boxed{2}",
        "reference": {"answer": "2"},
    }


def test_the_documented_data_source_table_is_the_code_s():
    from pathlib import Path

    from reward_service.frameworks.labels import DATA_SOURCES

    text = (Path(__file__).resolve().parents[3] / "docs" / "integrations.md").read_text()
    table = text.split("<!-- data sources:")[1].split("\n\n")[0]
    rows = [line.split("|")[1:3] for line in table.splitlines() if line.startswith("| `")]
    assert {name.strip().strip("`"): domain.strip() for name, domain in rows} == DATA_SOURCES
