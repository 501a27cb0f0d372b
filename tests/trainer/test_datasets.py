"""`trainer.datasets`: the math, stem and instruction converters (one table per domain), the
file readers, bad rows (fail names the place, skip counts them), and the built-in samples."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reward_service.verifiers import DOMAINS
from reward_service.verifiers.instruction import INSTRUCTION_IDS
from trainer.data import read_rows
from trainer.datasets import CONVERTERS, SAMPLE_DOMAINS, convert, get_formats, read_records, sample_file, sample_rows
from trainer.datasets.stem import shuffled_choices
from trainer.datasets.templates import MATH_INSTRUCTION


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def one(tmp_path, domain, row, **kwargs):
    report = convert(domain, write_jsonl(tmp_path / "in.jsonl", [row]), **kwargs)
    assert len(report.rows) == 1 and not report.skipped
    return report.rows[0], report


@pytest.mark.parametrize(
    "row,fmt,answer",
    [
        ({"problem": "What is $1+1$?", "answer": "2"}, "deepscaler", "2"),
        ({"question": "What is 6*7?", "answer": 42}, "deepscaler", "42"),
        (
            {
                "problem": "Half of 1?",
                "solution": "It is $\\boxed{\\frac{1}{2}}$, not \\boxed{2}... so \\boxed{\\frac12}.",
            },
            "math",
            "\\frac12",
        ),
        ({"problem": "Half of 1?", "solution": "so \\boxed{\\frac{1}{2}}", "level": "Level 1"}, "math", "\\frac{1}{2}"),
        (
            {
                "question": "Tom has 3 apples and buys 1,200 more.",
                "answer": "3 + 1200 = <<3+1200=1203>>1203\n#### 1,203",
            },
            "gsm8k",
            "1203",
        ),
    ],
)
def test_math_formats(tmp_path, row, fmt, answer):
    out, report = one(tmp_path, "math", row)
    assert out.reference == {"answer": answer} and out.extra["source"] == fmt
    assert out.prompt[-1]["role"] == "user" and out.prompt[-1]["content"].endswith(MATH_INSTRUCTION)
    assert out.prompt[-1]["content"].startswith((row.get("problem") or row["question"]).strip())


def test_math_answer_wins_over_solution(tmp_path):
    out, _ = one(tmp_path, "math", {"problem": "p", "answer": "5", "solution": "\\boxed{4}"})
    assert out.reference == {"answer": "5"}


@pytest.mark.parametrize(
    "row,fmt,answer,choices",
    [
        ({"question": "2+2?", "choices": ["3", "4", "5"], "answer": 1}, "mmlu", "B", ["3", "4", "5"]),
        ({"question": "2+2?", "choices": ["3", "4", "5"], "answer": "c"}, "mmlu", "C", ["3", "4", "5"]),
        (
            {
                "question": "Q?",
                "choices": {"text": ["x", "y", "z", "w"], "label": ["1", "2", "3", "4"]},
                "answerKey": "4",
            },
            "arc",
            "D",
            ["x", "y", "z", "w"],
        ),
        (
            {"question": "Q?", "choices": {"text": ["x", "y"], "label": ["A", "B"]}, "answerKey": "A"},
            "arc",
            "A",
            ["x", "y"],
        ),
        ({"question": "What is g?", "answer": "9.8 m/s^2"}, "open", "9.8 m/s^2", None),
    ],
)
def test_stem_formats(tmp_path, row, fmt, answer, choices):
    out, _ = one(tmp_path, "stem", row)
    assert out.extra["source"] == fmt and out.reference["answer"] == answer and out.reference.get("choices") == choices
    content = out.prompt[0]["content"]
    assert "\\boxed{}" in content and content.startswith(row["question"])
    for letter, choice in zip("ABCD", choices or []):
        assert f"\n{letter}. {choice}" in content


@pytest.mark.parametrize(
    "row,fmt",
    [
        (
            {
                "Question": "Which is heavy?",
                "Correct Answer": " lead\n",
                "Incorrect Answer 1": "air",
                "Incorrect Answer 2": "foam",
                "Incorrect Answer 3": "paper",
                "Record ID": "rec1",
            },
            "gpqa",
        ),
        (
            {
                "question": "Which is heavy?",
                "correct_answer": "lead",
                "distractor1": "air",
                "distractor2": "foam",
                "distractor3": "paper",
                "support": "",
            },
            "sciq",
        ),
    ],
)
def test_stem_shuffled_choices_keep_the_right_answer(tmp_path, row, fmt):
    out, _ = one(tmp_path, "stem", row)
    choices = out.reference["choices"]
    assert out.extra["source"] == fmt and sorted(choices) == ["air", "foam", "lead", "paper"]
    assert choices["ABCD".index(out.reference["answer"])] == "lead"
    again, _ = one(tmp_path, "stem", row)
    assert again.reference == out.reference  # the order is fixed per question


def test_stem_shuffle_is_not_always_a():
    positions = {shuffled_choices(f"question {n}", "right", ["w1", "w2", "w3"])[1] for n in range(40)}
    assert positions == {0, 1, 2, 3}


def test_stem_tolerance_passes_through(tmp_path):
    out, _ = one(tmp_path, "stem", {"question": "c?", "answer": "3 \\times 10^8 m/s", "tolerance": 0.01})
    assert out.reference == {"answer": "3 \\times 10^8 m/s", "tolerance": 0.01}


def test_ifeval_row_drops_none_kwargs(tmp_path):
    row = {
        "key": 1001,
        "prompt": "Write a poem. No commas.",
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [{"num_words": None, "relation": None}, {"num_words": 50, "relation": "at least", "keyword": None}],
    }
    out, _ = one(tmp_path, "instruction", row)
    assert out.prompt == [{"role": "user", "content": "Write a poem. No commas."}]
    assert out.reference == {
        "prompt": "Write a poem. No commas.",
        "key": 1001,
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [{}, {"num_words": 50, "relation": "at least"}],
    }


@pytest.mark.parametrize(
    "row,message",
    [
        (
            {"key": 1, "prompt": "p", "instruction_id_list": ["punctuation:no_commas"], "kwargs": [{}]},
            "'instruction_id_list' [0] 'punctuation:no_commas' is not an IFEval instruction",
        ),
        (
            {"key": 1, "prompt": "p", "instruction_id_list": ["keywords:frequency"], "kwargs": [{"word": "x"}]},
            "field 'kwargs' instruction 0 (keywords:frequency) has unknown kwarg 'word'; it takes: keyword, frequency, relation",
        ),
        (
            {
                "key": 1,
                "prompt": "p",
                "instruction_id_list": ["length_constraints:number_words"],
                "kwargs": [{"num_words": -5, "relation": "at least"}],
            },
            "kwarg 'num_words': expected a non-negative integer",
        ),
        (
            {
                "key": 1,
                "prompt": "p",
                "instruction_id_list": ["punctuation:no_comma", "startend:quotation"],
                "kwargs": [{}],
            },
            "'kwargs' must be a list of 2 objects",
        ),
    ],
)
def test_ifeval_bad_rows(tmp_path, row, message):
    with pytest.raises(ValueError, match="in.jsonl:1: field ") as err:
        convert("instruction", write_jsonl(tmp_path / "in.jsonl", [row]))
    assert message in str(err.value)


def test_bad_row_fails_with_file_line_and_field(tmp_path):
    rows = [{"problem": f"p{n}", "answer": str(n)} for n in range(20)]
    rows[16] = {"problem": "p16"}
    path = write_jsonl(tmp_path / "math.jsonl", rows)
    with pytest.raises(ValueError) as err:
        convert("math", path)
    assert str(err.value) == f"{path}:17: field 'answer' is missing (math rows need problem and answer)"


def test_skip_counts_every_skipped_row_by_reason(tmp_path):
    rows = [
        {"problem": "a", "answer": "1"},
        {"problem": "b"},
        {"problem": "c", "answer": ""},
        ["not", "a", "row"],
        {"problem": "d"},
        {"problem": "e", "answer": "5"},
    ]
    path = write_jsonl(tmp_path / "math.jsonl", rows)
    report = convert("math", path, on_error="skip")
    assert [r.reference["answer"] for r in report.rows] == ["1", "5"]
    missing = "field 'answer' is missing (math rows need problem and answer)"
    assert report.skipped == {
        missing: 2,
        "field 'answer' is empty (math rows need problem and answer)": 1,
        "field '(row)' must be a JSON object, got list": 1,
    }
    assert report.locations[missing] == [f"{path}:2", f"{path}:5"]
    summary = report.summary("out.jsonl")
    assert summary.startswith("wrote 2 rows to out.jsonl (math.jsonl as deepscaler)")
    assert f"skipped 4 rows:\n  2 x {missing} (at {path}:2, {path}:5)" in summary


def test_reference_checked_against_the_domain_model(tmp_path):
    # An answer over the math reference's length limit is a bad row here, not an error in training.
    with pytest.raises(ValueError, match=r"in.jsonl:1: field 'reference' is not a valid math reference \(answer: "):
        convert("math", write_jsonl(tmp_path / "in.jsonl", [{"problem": "p", "answer": "9" * 10_001}]))


def test_parquet_and_json_list_read_with_row_numbers(tmp_path):
    rows = [{"problem": "p1", "answer": "1"}, {"problem": "p2", "answer": None}, {"problem": "p3", "answer": "3"}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "train.parquet")
    (tmp_path / "train.json").write_text(json.dumps(rows))
    for name in ("train.parquet", "train.json"):
        path = tmp_path / name
        assert [where for where, _ in read_records(path)] == [f"{path}:row {n}" for n in (1, 2, 3)]
        with pytest.raises(ValueError, match=rf"{name}:row 2: field 'answer' is missing"):
            convert("math", path)
        report = convert("math", path, on_error="skip")
        assert [r.reference["answer"] for r in report.rows] == ["1", "3"] and sum(report.skipped.values()) == 1


def test_json_object_holding_one_list(tmp_path):
    (tmp_path / "d.json").write_text(json.dumps({"data": [{"question": "q", "answer": "#### 7"}]}))
    assert convert("math", tmp_path / "d.json").rows[0].reference == {"answer": "7"}


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("x.csv", "a,b\n", "unknown file type '.csv'; valid: .jsonl, .json, .parquet"),
        ("x.jsonl", '{"problem": "p", "answer": "1"}\n{oops\n', "x.jsonl:2: not valid JSON"),
        (
            "x.jsonl",
            '{"text": "hello"}\n',
            "cannot tell the format from the first row's keys ['text']; pass --format (valid: gsm8k, deepscaler, math)",
        ),
        ("x.jsonl", "\n", "x.jsonl: no rows"),
    ],
)
def test_file_problems_are_clear_errors(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    with pytest.raises(ValueError) as err:
        convert("math", tmp_path / name)
    assert message in str(err.value)


def test_forced_format_limit_and_shuffle(tmp_path):
    rows = [{"question": f"q{n}", "answer": f"#### {n}"} for n in range(10)]
    path = write_jsonl(tmp_path / "gsm.jsonl", rows)
    assert [r.reference["answer"] for r in convert("math", path, limit=3).rows] == ["0", "1", "2"]
    forced = convert("math", path, fmt="deepscaler", limit=1).rows[0]
    assert forced.reference == {"answer": "#### 0"} and forced.extra["source"] == "deepscaler"
    shuffled = [r.reference["answer"] for r in convert("math", path, shuffle=True, seed=3).rows]
    assert sorted(shuffled) == [str(n) for n in range(10)] and shuffled != sorted(shuffled)
    assert shuffled == [r.reference["answer"] for r in convert("math", path, shuffle=True, seed=3).rows]
    assert len(convert("math", path, shuffle=True, seed=3, limit=4).rows) == 4
    with pytest.raises(ValueError, match="unknown math format 'mmlu'; valid: gsm8k, deepscaler, math"):
        convert("math", path, fmt="mmlu")


def test_unknown_domain_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown domain 'chem' to convert; valid: math, code, stem, instruction"):
        get_formats("chem")
    with pytest.raises(ValueError, match="prorl data logic"):
        get_formats("logic")
    assert set(CONVERTERS) == {"math", "code", "stem", "instruction"}


# --- built-in samples ------------------------------------------------------------------------


@pytest.mark.parametrize("domain", [d for d in SAMPLE_DOMAINS if d != "logic"])
def test_sample_files_are_training_rows(domain):
    rows = read_rows(sample_file(domain))
    assert all(r.domain == domain for r in rows)
    assert len({r.extra["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("domain", SAMPLE_DOMAINS)
def test_samples_match_the_domain_reference_model(domain):
    if domain not in DOMAINS:
        pytest.fail(f"the {domain} domain is not registered in reward_service.verifiers.DOMAINS yet")
    for row in sample_rows(domain):
        DOMAINS[domain].reference.model_validate(row.reference)


def test_sample_sizes_and_coverage():
    counts = {d: len(sample_rows(d)) for d in SAMPLE_DOMAINS}
    assert counts["math"] >= 30 and counts["code"] >= 20 and counts["stem"] >= 30 and counts["instruction"] >= 25
    assert {i for r in sample_rows("instruction") for i in r.reference["instruction_id_list"]} == set(INSTRUCTION_IDS)
    stem = sample_rows("stem")
    assert 10 <= sum("choices" in r.reference for r in stem) <= len(stem) - 10  # both kinds
    code_modes = {
        ("test_code" if "test_code" in r.reference else "stdin" if "stdin" in r.reference["tests"][0] else "call")
        for r in sample_rows("code")
    }
    assert code_modes == {"test_code", "stdin", "call"}
    assert all(r.extra["solution"].startswith("```python\n") for r in sample_rows("code"))
    assert all(r.extra["example_response"].strip() for r in sample_rows("instruction"))
