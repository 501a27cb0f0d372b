"""STEM training rows: multiple-choice QA (MMLU, ARC, GPQA, SciQ) and open-answer
`question` + `answer` (a value, often with a unit). Reference (reward_service stem):
`{"answer": gold, "choices": [...], "tolerance": relative}`; with choices the gold is the
letter of the right one. GPQA and SciQ list the right answer apart from the wrong ones, so
their choices are shuffled with a seed taken from the question text: the same file always
gives the same order, and the right answer is not always (A).
"""

import hashlib
import random

from trainer.datasets import templates
from trainer.datasets.base import BadRow, Format, need, need_text, row_id
from trainer.datasets.templates import LETTERS

__all__ = ["DOMAIN", "FORMATS", "shuffled_choices"]

DOMAIN = "stem"
_IDS = ("id", "Record ID", "question_id")


def _choices_row(question: str, choices: list[str], correct: int, row: dict, extra_ids=_IDS):
    reference = {"answer": LETTERS[correct], "choices": choices}
    return templates.stem_choice_prompt(question, choices), reference, row_id(row, *extra_ids)


def _clean_choices(values, field: str, hint: str) -> list[str]:
    if not isinstance(values, list) or len(values) < 2:
        raise BadRow(field, "must be a list of at least two choices", hint)
    if len(values) > len(LETTERS):
        raise BadRow(field, f"has {len(values)} choices, more than {len(LETTERS)}", hint)
    out = []
    for n, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
            raise BadRow(field, f"[{n}] must be a non-empty string", hint)
        out.append(str(value).strip())
    return out


def shuffled_choices(question: str, correct: str, wrong: list[str]) -> tuple[list[str], int]:
    """The choices in an order fixed by the question text, and the index of the right one."""
    seed = int.from_bytes(hashlib.sha256(question.encode("utf-8")).digest()[:8], "big")
    choices = [correct, *wrong]
    order = list(range(len(choices)))
    random.Random(seed).shuffle(order)
    return [choices[i] for i in order], order.index(0)


def _mmlu(row: dict, options: dict):
    hint = "MMLU rows need question, choices and answer (an index or a letter)"
    question = need_text(row, "question", hint)
    choices = _clean_choices(need(row, "choices", hint), "choices", hint)
    answer = need(row, "answer", hint)
    if isinstance(answer, str) and answer.strip().isdigit():
        answer = int(answer.strip())
    if isinstance(answer, int) and not isinstance(answer, bool):
        index = answer
    elif isinstance(answer, str) and len(answer.strip()) == 1 and answer.strip().upper() in LETTERS:
        index = LETTERS.index(answer.strip().upper())
    else:
        raise BadRow("answer", f"must be a choice index or letter, got {answer!r}", hint)
    if not 0 <= index < len(choices):
        raise BadRow("answer", f"is {answer!r} but there are {len(choices)} choices", hint)
    return _choices_row(question, choices, index, row)


def _arc(row: dict, options: dict):
    hint = "ARC rows need question, choices {text, label} and answerKey"
    question = need_text(row, "question", hint)
    choices = need(row, "choices", hint)
    if (
        not isinstance(choices, dict)
        or not isinstance(choices.get("text"), list)
        or not isinstance(choices.get("label"), list)
        or len(choices["text"]) != len(choices["label"])
    ):
        raise BadRow("choices", "must be {'text': [...], 'label': [...]} of the same length", hint)
    texts = _clean_choices(choices["text"], "choices.text", hint)
    labels = [str(label).strip() for label in choices["label"]]
    key = need_text(row, "answerKey", hint)
    if key not in labels:
        raise BadRow("answerKey", f"is {key!r}, not one of the labels {labels}", hint)
    return _choices_row(question, texts, labels.index(key), row)


def _one_right_three_wrong(row: dict, question_key: str, correct_key: str, wrong_keys: list[str], hint: str):
    question = need_text(row, question_key, hint)
    correct = need_text(row, correct_key, hint)
    wrong = [need_text(row, key, hint) for key in wrong_keys]
    choices, index = shuffled_choices(question, correct, wrong)
    return _choices_row(question, choices, index, row)


def _gpqa(row: dict, options: dict):
    return _one_right_three_wrong(
        row,
        "Question",
        "Correct Answer",
        [f"Incorrect Answer {n}" for n in (1, 2, 3)],
        "GPQA rows need Question, Correct Answer and Incorrect Answer 1..3",
    )


def _sciq(row: dict, options: dict):
    return _one_right_three_wrong(
        row,
        "question",
        "correct_answer",
        [f"distractor{n}" for n in (1, 2, 3)],
        "SciQ rows need question, correct_answer and distractor1..3",
    )


def _open(row: dict, options: dict):
    hint = "open-answer STEM rows need question and answer"
    question = need_text(row, "question", hint)
    answer = need_text(row, "answer", hint)
    reference = {"answer": answer}
    tolerance = row.get("tolerance")
    if tolerance is not None:
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 1:
            raise BadRow("tolerance", f"must be a relative tolerance in [0, 1), got {tolerance!r}", hint)
        reference["tolerance"] = float(tolerance)
    return templates.stem_open_prompt(question), reference, row_id(row, *_IDS)


FORMATS = {
    f.name: f
    for f in [
        Format(
            "gpqa",
            "GPQA: Question + Correct Answer + Incorrect Answer 1..3 (shuffled per question)",
            lambda row: "Question" in row and "Correct Answer" in row,
            _gpqa,
        ),
        Format(
            "sciq",
            "SciQ: question + correct_answer + distractor1..3 (shuffled per question)",
            lambda row: "correct_answer" in row and "distractor1" in row,
            _sciq,
        ),
        Format(
            "arc",
            "ARC: question + choices {text, label} + answerKey",
            lambda row: "answerKey" in row and isinstance(row.get("choices"), dict),
            _arc,
        ),
        Format(
            "mmlu",
            "MMLU: question + choices list + answer (index or letter)",
            lambda row: isinstance(row.get("choices"), list) and "answer" in row,
            _mmlu,
        ),
        Format(
            "open",
            "open answer: question + answer (a value, units allowed), optional tolerance",
            lambda row: "question" in row and "answer" in row,
            _open,
        ),
    ]
}
