"""Math training rows from the common public layouts: DeepScaleR / MATH-style `problem` + `answer`
(or `question` + `answer`), MATH's `solution` with the answer in its last `\\boxed{}`, and GSM8K's
`question` + `answer` ending in `#### 42`. Reference: `{"answer": gold}` (reward_service math)."""

from trainer.datasets import templates
from trainer.datasets.base import BadRow, Format, first_text, need_text, row_id

__all__ = ["DOMAIN", "FORMATS"]

DOMAIN = "math"
_HINT = "math rows need problem and answer"
_IDS = ("id", "unique_id", "problem_id", "idx")


def _deepscaler(row: dict, options: dict):
    problem = first_text(row, ("problem", "question"), _HINT)
    if row.get("answer") is None and row.get("solution") is not None:
        return _math(row, options)
    answer = need_text(row, "answer", _HINT)
    return templates.math_prompt(problem), {"answer": answer}, row_id(row, *_IDS)


def _math(row: dict, options: dict):
    from reward_service.verifiers.text import last_boxed

    problem = first_text(row, ("problem", "question"), "MATH rows need problem and solution")
    solution = need_text(row, "solution", "MATH rows need problem and solution")
    answer = last_boxed(solution)
    if answer is None or not answer.strip():
        raise BadRow(
            "solution", "has no \\boxed{} answer", "MATH rows give the answer in the solution's last \\boxed{}"
        )
    return templates.math_prompt(problem), {"answer": answer.strip()}, row_id(row, *_IDS)


def _gsm8k(row: dict, options: dict):
    hint = "GSM8K rows need question and an answer ending in '#### <number>'"
    question = need_text(row, "question", hint)
    answer = need_text(row, "answer", hint)
    if "####" not in answer:
        raise BadRow("answer", "has no '#### <number>' final line", hint)
    final = answer.rsplit("####", 1)[1].strip().replace(",", "")
    if not final:
        raise BadRow("answer", "is empty after '####'", hint)
    return templates.math_prompt(question), {"answer": final}, row_id(row, *_IDS)


def _is_gsm8k(row: dict) -> bool:
    return "question" in row and "####" in str(row.get("answer", ""))


FORMATS = {
    f.name: f
    for f in [
        Format("gsm8k", "GSM8K: question + answer ending in '#### 42'", _is_gsm8k, _gsm8k),
        # A first row missing its answer still reads as deepscaler, so that row is reported as bad.
        Format(
            "deepscaler",
            "DeepScaleR / MATH style: problem (or question) + answer",
            lambda row: ("problem" in row or "question" in row) and ("answer" in row or "solution" not in row),
            _deepscaler,
        ),
        Format(
            "math",
            "MATH: problem + solution, answer in the solution's last \\boxed{}",
            lambda row: "problem" in row and "solution" in row,
            _math,
        ),
    ]
}
