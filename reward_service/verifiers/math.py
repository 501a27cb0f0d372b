"""Math domain: the final answer (last `\\boxed{}` or a final-answer phrase) checked against the
gold answer by sympy equivalence, gold first.

Reference: `{"answer": "<gold, LaTeX or plain>"}`. Cheap exact matches are decided without
sympy; everything else goes through `math_equiv` (math-verify with its wrong verdicts fixed).
Runs inside a killable worker process: hostile answers that slip past `refusal` are stopped by
the pool's wall-clock limit, never by signals here.
"""

import re
from collections import Counter
from decimal import Decimal
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from reward_service.verifiers import base
from reward_service.verifiers.math_equiv import equivalent, is_parsed, numeric_value, parse_answer, parse_gold
from reward_service.verifiers.math_extract import extract_answer
from reward_service.verifiers.math_guard import refusal
from reward_service.verifiers.math_spelling import (
    approx_parts, modulus, normalize, split_choice, split_unit, tidy, top_level_items,
)

__all__ = ["Reference", "verify"]

_INTEGER = re.compile(r"-?\d{1,40}")
_DECIMAL = re.compile(r"-?\d{1,40}\.(\d{1,40})")
_NUMBER = re.compile(r"-?\d{1,40}(?:\.\d{1,40})?")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
DEFAULT_MAX_ANSWER_CHARS = 1000


class Reference(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=10_000, description="Gold answer, LaTeX or plain.")


def _strip_gold(gold: str) -> str:
    gold = gold.strip()
    if "\\boxed" in gold or "\\fbox" in gold:
        boxed = extract_answer(gold)
        if boxed:
            return boxed[0]
    return gold.strip("$").strip()


def verify(text: str, reference: dict, options: dict | None = None) -> base.Verdict:
    """Grade `text` (the graded part of a response) against `reference["answer"]`."""
    options = options or {}
    max_chars = int(options.get("max_answer_chars", DEFAULT_MAX_ANSWER_CHARS))
    gold = _strip_gold(reference["answer"])
    found = extract_answer(text)
    if found is None:
        return base.no_answer("no \\boxed{} answer or final-answer phrase found")
    answer, boxed = found
    refused = refusal(answer, max_chars)
    if refused:
        return base.timeout(refused, extracted=answer[:200])
    gold_letter, gold_value = split_choice(gold)
    letter, value = split_choice(answer)
    if gold_letter and letter:
        same = letter == gold_letter
        return (base.correct if same else base.incorrect)(answer, f"chose ({letter}), the reference is ({gold_letter})")
    # AMC style "\textbf{(C)}\ 12": the value after the label is the answer.
    gold, answer = (gold_value or gold), (value or answer)
    parts = approx_parts(answer)
    first = _grade(gold, parts[0], boxed)
    if first.status == "correct" or len(parts) == 1:
        return first
    # "4\pi \approx 12.57": the rounded value counts when the exact one rounds to the gold.
    last = _grade(gold, parts[-1], boxed)
    if last.status == "correct" and _rounds_to(parts[0], gold):
        return last
    return first


def _rounds_to(exact: str, gold: str) -> bool:
    decimals = _DECIMAL.fullmatch(gold)
    value = numeric_value(tidy(exact)) if decimals else None
    if value is None:
        return False
    return abs(value - float(gold)) <= 0.5 * 10.0 ** -len(decimals.group(1)) + 1e-12


def _grade(gold: str, answer: str, boxed: bool) -> base.Verdict:
    if normalize(answer) == normalize(gold):
        return base.correct(answer, "same answer as the reference")
    gold_mod, mod = modulus(gold), modulus(answer)
    if gold_mod and mod and gold_mod != mod:
        return base.incorrect(answer, f"modulo {mod}, the reference is modulo {gold_mod}")
    gold_items = [normalize(x) for x in top_level_items(gold)]
    if len(set(gold_items)) < len(gold_items) and not _THOUSANDS.fullmatch(gold):
        # Repeated roots: multiplicity matters.
        same = Counter(gold_items) == Counter(normalize(x) for x in top_level_items(answer))
        return (base.correct if same else base.incorrect)(answer, "compared as a list with multiplicities")
    if _DECIMAL.fullmatch(gold) and _NUMBER.fullmatch(answer):
        # Within the gold's own precision (half a unit of its last digit) and 1e-6 relative.
        g, a = Decimal(gold), Decimal(answer)
        tolerance = min(Decimal("1e-6") * abs(g), Decimal("0.5").scaleb(g.as_tuple().exponent))
        same = abs(a - g) <= tolerance
        return (base.correct if same else base.incorrect)(answer, "compared as decimals")
    if _INTEGER.fullmatch(answer) and _INTEGER.fullmatch(gold):
        if int(answer) == int(gold):  # AIME style leading zeros: 045 is 45
            return base.correct(answer, "same integer as the reference")
        return base.incorrect(answer, "a different integer than the reference")
    gold_value, gold_unit = split_unit(tidy(gold))
    value, unit = split_unit(tidy(answer))
    if gold_unit and unit and gold_unit != unit:
        return base.incorrect(answer, f"answer is in {unit!r}, the reference in {gold_unit!r}")
    status, detail = _judge(gold_value, value, boxed)
    return base.Verdict(status, 1.0 if status == "correct" else 0.0, answer, detail)


@lru_cache(maxsize=65536)
def _judge(gold: str, answer: str, boxed: bool) -> tuple[str, str]:
    """(status, detail) for one pair; cached, since a group of samples often repeats an answer."""
    gold_refused = refusal(gold, 10_000)
    if gold_refused:
        return "error", f"reference answer refused: {gold_refused}"
    gold_parsed = parse_gold(gold)
    if not is_parsed(gold_parsed):
        return "error", f"could not parse the reference answer {gold[:100]!r}"
    parsed = parse_answer(answer, boxed)
    if equivalent(gold_parsed, parsed):
        return "correct", "equivalent to the reference"
    if not is_parsed(parsed):
        return "incorrect", "could not parse the answer as mathematics"
    return "incorrect", "not equivalent to the reference"
