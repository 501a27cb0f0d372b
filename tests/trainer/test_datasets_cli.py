"""`prorl data` end to end through the real entry point (prorl.cli.main): convert,
logic (Reasoning Gym entries whose gold answers their own scorers accept after a JSON round
trip), samples, and the errors a user sees."""

import json
import subprocess
import sys

import pytest
import reasoning_gym

from prorl.cli import main
from trainer.data import read_rows
from trainer.datasets import SAMPLE_DOMAINS, logic


def prorl(*args):
    main(["data", *map(str, args)])


def test_convert_end_to_end(tmp_path, capsys):
    src = tmp_path / "gsm8k.jsonl"
    src.write_text("".join(json.dumps({"question": f"q{n}", "answer": f"work\n#### {n}"}) + "\n" for n in range(5)))
    out = tmp_path / "out" / "math.jsonl"
    prorl("convert", "math", src, "--out", out, "--shuffle", "--seed", "1", "--limit", "3")
    rows = read_rows(out)
    assert len(rows) == 3 and all(r.domain == "math" and r.extra["source"] == "gsm8k" for r in rows)
    assert {r.reference["answer"] for r in rows} < {str(n) for n in range(5)}
    assert capsys.readouterr().out.strip() == f"wrote 3 rows to {out} (gsm8k.jsonl as gsm8k)"


def test_convert_bad_row_fails_naming_file_line_field(tmp_path):
    src = tmp_path / "math.jsonl"
    src.write_text(json.dumps({"problem": "p", "answer": "1"}) + "\n" + json.dumps({"problem": "p"}) + "\n")
    with pytest.raises(SystemExit) as exit_:
        prorl("convert", "math", src, "--out", tmp_path / "o.jsonl")
    assert exit_.value.code == f"prorl data: {src}:2: field 'answer' is missing (math rows need problem and answer)"
    assert not (tmp_path / "o.jsonl").exists()


def test_convert_skip_prints_summary(tmp_path, capsys):
    src = tmp_path / "mmlu.jsonl"
    good = {"question": "q", "choices": ["a", "b"], "answer": 0}
    src.write_text("\n".join(json.dumps(r) for r in [good, {**good, "answer": 5}, good]) + "\n")
    prorl("convert", "stem", src, "--out", tmp_path / "o.jsonl", "--on-error", "skip")
    assert len(read_rows(tmp_path / "o.jsonl")) == 2
    printed = capsys.readouterr().out
    assert "wrote 2 rows" in printed and "skipped 1 rows:" in printed
    assert "1 x field 'answer' is 5 but there are 2 choices" in printed and f"(at {src}:2)" in printed


def test_convert_errors(tmp_path):
    src = tmp_path / "m.jsonl"
    src.write_text(json.dumps({"problem": "p"}) + "\n")
    with pytest.raises(SystemExit) as exit_:
        prorl("convert", "math", src, "--out", tmp_path / "o.jsonl", "--tests", "public")
    assert exit_.value.code == "prorl data: --tests and --language apply to the code domain only"
    with pytest.raises(SystemExit) as exit_:
        prorl("convert", "math", src, "--out", tmp_path / "o.jsonl", "--on-error", "skip")
    assert "no usable rows" in exit_.value.code and "1 x field 'answer' is missing" in exit_.value.code
    with pytest.raises(SystemExit) as exit_:
        prorl("convert", "poetry", src, "--out", tmp_path / "o.jsonl")
    assert exit_.value.code == "prorl data: unknown domain 'poetry' to convert; valid: math, code, stem, instruction"


def test_logic_rows_gold_scores_one_after_json(tmp_path, capsys):
    out = tmp_path / "logic.jsonl"
    prorl(
        "logic", "--tasks", "countdown,mini_sudoku,knights_knaves,word_sorting", "--count", 4, "--seed", 7, "--out", out
    )
    assert capsys.readouterr().out.strip() == f"wrote 16 rows (4 per task, 4 tasks, seed 7) to {out}"
    rows = read_rows(out)
    assert [r.reference["task"] for r in rows] == ["countdown"] * 4 + ["mini_sudoku"] * 4 + ["knights_knaves"] * 4 + [
        "word_sorting"
    ] * 4
    for row in rows:
        entry = row.reference["entry"]
        assert set(entry) == {"question", "answer", "metadata"}
        assert (
            row.prompt[0]["content"].startswith(entry["question"])
            and "<answer>answer here</answer>" in row.prompt[0]["content"]
        )
        scorer = reasoning_gym.get_score_answer_fn(row.reference["task"])
        assert scorer(entry["answer"], entry) == 1.0
        assert scorer("certainly not the answer", entry) < 1.0


def test_logic_seeds_are_per_task_and_reproducible():
    first = logic.generate("countdown,word_sorting", 3, seed=1)
    assert [r.reference for r in first] == [r.reference for r in logic.generate("countdown,word_sorting", 3, seed=1)]
    alone = logic.generate("word_sorting", 3, seed=1)
    assert [r.reference for r in alone] == [r.reference for r in first[3:]]  # adding a task changes no other task
    assert [r.reference for r in logic.generate("word_sorting", 3, seed=2)] != [r.reference for r in alone]


def test_logic_list_and_errors(capsys):
    prorl("logic", "--list")
    tasks = capsys.readouterr().out.split()
    assert "countdown" in tasks and "sudoku" in tasks and "composite" not in tasks and len(tasks) > 90
    with pytest.raises(SystemExit) as exit_:
        prorl("logic", "--tasks", "countdown,sudokus", "--out", "x.jsonl")
    assert exit_.value.code.startswith(
        "prorl data: unknown reasoning-gym task 'sudokus'; run `prorl data logic --list`"
    )
    with pytest.raises(SystemExit) as exit_:
        prorl("logic", "--tasks", "countdown")
    assert "give --tasks" in exit_.value.code


def test_samples_command_writes_every_domain(tmp_path, capsys):
    prorl("samples", "--out", tmp_path)
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in printed] == list(SAMPLE_DOMAINS)
    for domain, line in zip(SAMPLE_DOMAINS, printed):
        rows = read_rows(tmp_path / f"{domain}.jsonl")
        assert f"{domain}: {len(rows)} rows" in line and all(r.domain == domain for r in rows)
    prorl("samples", "stem", "--out", tmp_path / "one")
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["stem.jsonl"]


def test_prorl_data_does_not_import_torch(tmp_path):
    code = (
        "import sys; from prorl.cli import main; "
        f"main(['data', 'samples', 'math', '--out', {str(tmp_path)!r}]); "
        "sys.exit('torch was imported' if 'torch' in sys.modules else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_logic_instruction_is_reasoning_gyms_default_prompt():
    from reasoning_gym.utils import SYSTEM_PROMPTS

    from trainer.datasets.templates import LOGIC_INSTRUCTION

    assert LOGIC_INSTRUCTION in SYSTEM_PROMPTS["default"]
