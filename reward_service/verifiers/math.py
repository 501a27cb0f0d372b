"""Math domain: the final answer (last `\\boxed{}` or a final-answer phrase) checked against the
gold answer by sympy equivalence, gold first.

Reference: `{"answer": "<gold, LaTeX or plain>"}`; options: `Options` (`extraction`: "strict", or
"lenient" to read the last math expression of an unboxed response). Cheap exact matches are
decided without sympy; everything else goes through `math_equiv` (math-verify with its wrong
verdicts fixed). Rules decided here: decimal commas (`1,22` is 1.22 where the comma cannot group
thousands), lists of solutions (labels dropped, order free, multiplicity kept), and long decimals
of exact golds (6+ significant digits, rounded or cut from the exact value, are right).
Runs inside a killable worker process: hostile answers that slip past `refusal` are stopped by
the pool's wall-clock limit, never by signals here.
"""

import re
from collections import Counter
from decimal import Decimal
from functools import lru_cache
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from reward_service.schemas import ItemOptions
from reward_service.verifiers import base
from reward_service.verifiers.math_equiv import (
    decimal_forms,
    equivalent,
    is_parsed,
    numeric_value,
    parse_answer,
    parse_gold,
)
from reward_service.verifiers.math_extract import extract_answer
from reward_service.verifiers.math_guard import refusal
from reward_service.verifiers.math_spelling import (
    approx_parts,
    modulus,
    normalize,
    split_choice,
    split_unit,
    strip_spacing,
    tidy,
    top_level_items,
)

__all__ = ["Reference", "Options", "verify"]

_INTEGER = re.compile(r"-?\d{1,40}")
_DECIMAL = re.compile(r"-?\d{1,40}\.(\d{1,40})")
_NUMBER = re.compile(r"-?\d{1,40}(?:\.\d{1,40})?")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_ZERO_COMMA = re.compile(r"-?0,\d+")
_LABEL = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?\s*=\s*")
_MAX_ITEMS = 12  # longest list matched item by item
_MATH_DELIMITER = re.compile(r"(?<!\\)\$")
Extraction = Literal["strict", "lenient"]
EXTRACTIONS: tuple[str, ...] = get_args(Extraction)


class Reference(BaseModel):
    """What a math item's `reference` holds."""

    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=10_000, description="Gold answer, LaTeX or plain.")


class Options(ItemOptions):
    """What a math item's `options` may hold."""

    extraction: Extraction = Field(
        default="strict",
        description="Where the final answer is read. 'strict': the last \\boxed{}, <answer> tag, "
        "'#### n' line or final-answer phrase, else no_answer. 'lenient' (as Math-Verify's "
        "parse): without those, the last math span, number or expression anywhere in the text.",
    )


def _strip_gold(gold: str) -> str:
    """The gold answer itself. A gold written with several boxes lists them all (a gold is not a
    trajectory: no box in it is a draft); one written as a solution gives its final answer."""
    gold = gold.strip()
    if "final answer" in gold.lower() or "\\boxed" in gold or "\\fbox" in gold:
        found = extract_answer(gold, of_gold=True)
        if found:
            return found[0]
    return _MATH_DELIMITER.sub("", gold).strip()  # "$125$ miles" is "125 miles"


def verify(text: str, reference: dict, options: dict | None = None) -> base.Verdict:
    """Grade `text` (the graded part of a response) against `reference["answer"]`."""
    options = options or {}
    extraction = options.get("extraction", "strict")
    if extraction not in EXTRACTIONS:
        return base.error(f"unknown extraction {extraction!r} in options; valid: {', '.join(EXTRACTIONS)}")
    gold = _strip_gold(reference["answer"])
    found = extract_answer(text, lenient=extraction == "lenient")
    if found is None:
        where = "math expression" if extraction == "lenient" else "\\boxed{} answer or final-answer phrase"
        return base.no_answer(f"no {where} found")
    answer, boxed = found
    refused = refusal(answer, base.answer_limit(options))
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


def _decimal_comma(number: str, other: str) -> str:
    """`1,22` is 1.22 where the comma cannot group thousands (it is not followed by exactly three
    digits, or it follows a lone 0) and the other side is a single number."""
    number, single = number.strip(), _NUMBER.fullmatch(other.strip())
    grouped = _THOUSANDS.fullmatch(number) and not _ZERO_COMMA.fullmatch(number)
    if single and _DECIMAL_COMMA.fullmatch(number) and not grouped:
        return number.replace(",", ".")
    return number


def _solutions(answer: str) -> list[str]:
    """A list's items, labels off when they name one unknown: `a=4,\\,-8,\\,-10` -> ["4", "-8", "-10"]
    (the roots of one variable). Distinct labels (`a=2, b=3`) name different quantities: they stay."""
    items = [strip_spacing(item) for item in top_level_items(answer)]
    labels = {label.group(0).split("=")[0].strip() for label in map(_LABEL.match, items) if label}
    return [normalize(_LABEL.sub("", item) if len(labels) <= 1 else item) for item in items]


def _same_multiset(gold: list[str], answer: list[str], boxed: bool) -> bool:
    """Whether the lists hold equal values equally often, in any order (items compared as answers)."""
    if Counter(gold) == Counter(answer):
        return True
    if len(gold) != len(answer) or len(gold) > _MAX_ITEMS:
        return False
    left = list(answer)
    for item in gold:
        match = next((a for a in left if _judge(item, a, boxed)[0] == "correct"), None)
        if match is None:
            return False
        left.remove(match)
    return True


def _grade(gold: str, answer: str, boxed: bool) -> base.Verdict:
    if normalize(answer) == normalize(gold):
        return base.correct(answer, "same answer as the reference")
    answer = _decimal_comma(answer, gold)  # a model's European decimal; in a gold, a comma lists
    gold_mod, mod = modulus(gold), modulus(answer)
    if gold_mod and mod and gold_mod != mod:
        return base.incorrect(answer, f"modulo {mod}, the reference is modulo {gold_mod}")
    gold_items, items = _solutions(gold), _solutions(answer)
    # A root listed twice in the answer counts twice; a tuple listed twice is the same solution.
    tuples = any(item[:1] in "([" or item.startswith("\\{") for item in items)
    repeated = len(set(gold_items)) < len(gold_items) or (len(set(items)) < len(items) and not tuples)
    if len(gold_items) > 1 and repeated and not _THOUSANDS.fullmatch(gold) and not _THOUSANDS.fullmatch(answer):
        # A list of solutions with a repeated root: multiplicity matters, order does not.
        same = _same_multiset(gold_items, items, boxed)
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
    written = _DECIMAL.fullmatch(value)
    if written and not _DECIMAL.fullmatch(gold_value) and len(value.lstrip("-0.").replace(".", "")) >= 6:
        # A long decimal of an exact gold: right when it is the gold rounded or cut to its digits.
        forms = decimal_forms(gold_value, len(written.group(1)))
        if forms and Decimal(value) in forms:
            return base.correct(answer, "the reference's exact value to the digits written")
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
