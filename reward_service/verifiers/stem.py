"""STEM domain: multiple-choice questions graded by the chosen letter, open questions by value.

Reference: `{"answer": "<gold>", "choices": ["...", ...]?, "tolerance": <relative>?}`.
- Multiple choice (`choices` given, or a gold that is a lone letter such as `C` or `(C)`): the
  chosen letter is read (`stem_choice`) from `\\boxed{C}`, `Answer: (C)`, `the answer is C`,
  `**Answer:** C`, "I choose C", "C is correct", a last line `C.`, or the text of a choice itself
  (`\\boxed{Mitochondria}`). Naming several letters (`\\boxed{A, C}`, `C or maybe D`) is wrong;
  "C is incorrect" picks nothing. With `choices`, the gold may be the letter or the choice's text.
- Numeric (the gold is a number, maybe with a unit): the final answer (as the math domain finds
  it) is read as a quantity (`stem_quantity`) and must be within `tolerance` of the gold, relative,
  default 1%. With units on both sides they are compared in SI base units (`300 cm` is `3 m`,
  `mol/L` is `M`, `J` is `N m`), and other dimensions are wrong; with a unit on one side only, the
  numbers are compared as written (`0.5 kg` for a gold of `0.5`).
- Anything else (`\\frac{\\sqrt3}{2}`, `x^2+1`) goes to the math verifier's sympy equivalence,
  after a numeric check within the tolerance where both sides have a value.
"""

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reward_service.verifiers import base
from reward_service.verifiers import math as math_domain
from reward_service.verifiers.math_equiv import numeric_value
from reward_service.verifiers.math_extract import extract_answer
from reward_service.verifiers.math_guard import refusal
from reward_service.verifiers.stem_choice import LETTERS, chosen_letters, read_choice
from reward_service.verifiers.stem_quantity import Quantity, read_expression, read_quantity

__all__ = ["Reference", "verify", "DEFAULT_TOLERANCE"]

DEFAULT_TOLERANCE = 0.01
_LETTER_GOLD = re.compile(r"\(?([A-Z])\)?")


class Reference(BaseModel):
    """A STEM item's gold: a choice letter (with the choices) or a quantity."""

    model_config = ConfigDict(extra="forbid")
    answer: str = Field(
        min_length=1, max_length=10_000, description="Gold: a letter or choice text, a value, or an expression."
    )
    choices: list[str] | None = Field(default=None, min_length=2, max_length=26, description="Choice texts, A first.")
    tolerance: float = Field(default=DEFAULT_TOLERANCE, ge=0, le=1, description="Relative tolerance for numbers.")

    @model_validator(mode="after")
    def _gold_is_a_choice(self):
        if self.choices is not None and self.gold_letter() is None:
            raise ValueError(
                f"with choices, 'answer' must be a letter A-{LETTERS[len(self.choices) - 1]} "
                "or the text of one of the choices"
            )
        return self

    def gold_letter(self) -> str | None:
        """The gold as a letter: `C` or `(C)`; with choices also `c`, `C.`, `C) text` or the text."""
        if not self.choices:
            match = _LETTER_GOLD.fullmatch(self.answer.strip())
            return match.group(1) if match else None
        letters = chosen_letters(self.answer, self.choices, strict=True)
        return letters.pop() if letters and len(letters) == 1 else None


def _multiple_choice(text: str, ref: Reference, gold: str) -> base.Verdict:
    read = read_choice(text, ref.choices)
    if read is None:
        return base.no_answer("no chosen letter found (expected e.g. \\boxed{C} or 'Answer: C')")
    letters, source = read
    shown = source.strip()[:200]
    if len(letters) > 1:
        return base.incorrect(shown, f"names several choices ({', '.join(sorted(letters))}); the reference is {gold}")
    letter = letters.pop()
    verdict = base.correct if letter == gold else base.incorrect
    return verdict(shown, f"chose {letter}, the reference is {gold}")


def _close(value: float, gold: float, tolerance: float) -> bool:
    return abs(value - gold) <= tolerance * abs(gold) if gold else abs(value) <= 1e-12


def _compare(answer: Quantity, gold: Quantity, tolerance: float) -> tuple[bool, str]:
    """Both with units: in SI base units, which must match. Otherwise the numbers as written
    (a gold of `0.5` and an answer of `0.5 kg` agree), `25%` also matching `0.25` and back."""
    if answer.units and gold.units:
        if answer.units != gold.units:
            return False, f"answer is in {answer.written!r}, the reference in {gold.written!r}"
        values, target = [answer.value], gold.value
    else:
        values, target = [answer.number], gold.number
        if set(answer.units) == {"%"}:
            values.append(answer.number / 100)  # "25%" for a gold of 0.25
        if set(gold.units) == {"%"}:
            values.append(answer.number * 100)  # "0.25" for a gold of 25%
    value = next((v for v in values if _close(v, target, tolerance)), values[0])
    same = _close(value, target, tolerance)
    return same, f"{value:g} vs the reference {target:g} ({'within' if same else 'outside'} {tolerance:g} relative)"


def verify(text: str, reference: dict, options: dict | None = None) -> base.Verdict:
    """Grade `text` against the reference: the chosen letter, or the quantity within tolerance."""
    ref = Reference.model_validate(reference)
    gold_letter = ref.gold_letter()
    if gold_letter:
        return _multiple_choice(text, ref, gold_letter)
    found = extract_answer(text)
    if found is None:
        return base.no_answer("no \\boxed{} answer or final-answer phrase found")
    answer = found[0]
    gold = read_quantity(ref.answer.strip().strip("$"))
    quantity = read_quantity(answer)
    if gold is not None and quantity is not None:
        same, detail = _compare(quantity, gold, ref.tolerance)
        return (base.correct if same else base.incorrect)(answer[:200], detail)
    refused = refusal(answer, base.answer_limit(options))
    if refused:
        return base.timeout(refused, extracted=answer[:200])
    gold = gold or read_expression(ref.answer, numeric_value)
    quantity = quantity or read_expression(answer, numeric_value)
    if gold is not None and quantity is not None and (gold.units or quantity.units):
        same, detail = _compare(quantity, gold, ref.tolerance)
        return (base.correct if same else base.incorrect)(answer[:200], detail)
    gold_value = gold.number if gold is not None else numeric_value(ref.answer)
    value = quantity.number if quantity is not None else numeric_value(answer)
    if gold_value is not None and value is not None and _close(value, gold_value, ref.tolerance):
        return base.correct(answer[:200], f"{value:g} is within {ref.tolerance:g} of the reference {gold_value:g}")
    if gold is not None and gold.units:
        return base.incorrect(answer[:200], f"not a value within {ref.tolerance:g} of {ref.answer[:100]!r}")
    return math_domain.verify(text, {"answer": ref.answer}, options)
