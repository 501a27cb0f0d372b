"""STEM domain: multiple-choice questions graded by the chosen letter, open questions by value.

Reference: `{"answer": "<gold>", "choices": ["...", ...]?, "tolerance": <relative>?}`.
- Multiple choice (`choices` given, or a gold that is a lone letter such as `C` or `(C)`): the
  chosen letter is read from `\\boxed{C}`, `Answer: (C)`, `the answer is C`, `**C**`, a final line
  `C.`, or the text of a choice itself (`\\boxed{Mitochondria}`). Naming several letters
  (`\\boxed{A, C}`, `A or C`) is wrong. With `choices`, the gold may be the letter or the
  choice's text.
- Numeric (the gold is a number, maybe with a unit): the final answer (as the math domain finds
  it) is read as a quantity (`stem_quantity`) and must be within `tolerance` of the gold, relative,
  default 1%. Units are converted across SI prefixes; an answer with other units is wrong; a bare
  number is compared as it stands.
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
from reward_service.verifiers.stem_quantity import Quantity, read_quantity
from reward_service.verifiers.text import last_boxed

__all__ = ["Reference", "verify", "chosen_letters", "DEFAULT_TOLERANCE"]

DEFAULT_TOLERANCE = 0.01
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LABEL = re.compile(r"[(\[]?\s*([A-Z])\s*[)\].:]?")
_LEADING_LABEL = re.compile(r"[(\[]?\s*([A-Z])\s*(?:[)\].:,]|\s|$)")
_JOINERS = re.compile(r"\s*(?:,|;|&|/|\band\b|\bor\b|\\text\{\s*(?:and|or)\s*\})\s*", re.IGNORECASE)
_WRAPPERS = re.compile(r"\\(?:text|textbf|mathrm|mathbf|textrm|mbox)\s*\{([^{}]*)\}")
_LEAD_WORDS = re.compile(r"^(?:option|choice|answer|letter)\s*:?\s*", re.IGNORECASE)
_BOLD = re.compile(r"\*\*([^*\n]{1,200})\*\*")
_LETTER_GOLD = re.compile(r"\(?([A-Z])\)?")
_NAMED = re.compile(r"\b(?i:option|choice)\s{0,3}(?:is\s{0,3})?:?\s{0,3}\(?([A-Z])\)?(?![A-Za-z])")
_BRACKETED = re.compile(r"\(([A-Z])\)")


class Reference(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=10_000, description="Gold: a letter or choice text, a value, or an expression.")
    choices: list[str] | None = Field(default=None, min_length=2, max_length=26, description="Choice texts, A first.")
    tolerance: float = Field(default=DEFAULT_TOLERANCE, ge=0, le=1, description="Relative tolerance for numbers.")

    @model_validator(mode="after")
    def _gold_is_a_choice(self):
        if self.choices is not None and self.gold_letter() is None:
            raise ValueError(f"with choices, 'answer' must be a letter A-{LETTERS[len(self.choices) - 1]} "
                             "or the text of one of the choices")
        return self

    def gold_letter(self) -> str | None:
        count = len(self.choices) if self.choices else 26
        match = _LETTER_GOLD.fullmatch(self.answer.strip())
        if match and LETTERS.index(match.group(1)) < count:
            return match.group(1)
        if self.choices:
            found = [i for i, choice in enumerate(self.choices) if _norm(choice) == _norm(self.answer)]
            return LETTERS[found[0]] if len(found) == 1 else None
        return None


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def _clean(text: str) -> str:
    for _ in range(3):
        text = _WRAPPERS.sub(r"\1", text)
    text = text.replace("$", "").strip().strip("*").strip()
    return _LEAD_WORDS.sub("", text).strip().rstrip(".").strip()


def chosen_letters(candidate: str, choices: list[str] | None) -> set[str] | None:
    """The letters `candidate` names (one, or several when it hedges), or None if it names none."""
    count = len(choices) if choices else 26
    text = _clean(candidate)
    if choices:
        for i, choice in enumerate(choices):
            if _norm(text) in (_norm(choice), "the " + _norm(choice)):
                return {LETTERS[i]}
    in_range = LETTERS[:count]
    if len(text) == 1 and text.upper() in in_range:
        return {text.upper()}  # a lone "c" in a box means C
    if 1 < len(text) <= count and set(text) <= set(in_range) and len(set(text)) == len(text):
        return set(text)  # "AC": a multi-select answer
    parts = [p for p in _JOINERS.split(text) if p]
    labels = [_LABEL.fullmatch(p) for p in parts]
    if len(parts) > 1 and all(labels):
        return {m.group(1) for m in labels if m.group(1) in in_range}
    lead = _LEADING_LABEL.match(text)
    if lead and lead.group(1) in in_range:
        rest = text[lead.end():].strip()
        article = lead.group(1) in "AI" and rest[:1].islower() and rest.split()[0] not in ("is", "was")
        if not article:  # "A cell is ...", "I think ..." are words, "A is correct" is a choice
            return {lead.group(1)}
    return None


def _candidates(text: str) -> list[str]:
    """Where a chosen letter may be stated, most authoritative first."""
    found = []
    boxed = last_boxed(text)
    if boxed is not None:
        found.append(boxed)
    extracted = extract_answer(text)
    if extracted:
        found.append(extracted[0])
    bold = None
    for bold in _BOLD.finditer(text[-4000:]):
        pass
    if bold:
        found.append(bold.group(1))
    lines = [line for line in text.strip().split("\n") if line.strip()]
    if lines and len(lines[-1]) <= 200:
        found.append(lines[-1])
    named = None
    for named in _NAMED.finditer("\n".join(lines[-3:])[-1000:]):
        pass
    if named:
        found.append(named.group(1))  # "I choose option (B)", "the correct choice is C"
    if lines:
        in_brackets = sorted(set(_BRACKETED.findall(lines[-1][-1000:])))
        if in_brackets:
            found.append(", ".join(in_brackets))  # "Therefore, (C)."
    return found


def _multiple_choice(text: str, ref: Reference) -> base.Verdict:
    gold = ref.gold_letter()
    for candidate in _candidates(text):
        letters = chosen_letters(candidate, ref.choices)
        if letters is None:
            continue
        shown = candidate.strip()[:200]
        if len(letters) > 1:
            return base.incorrect(shown, f"names several choices ({', '.join(sorted(letters))}); the reference is {gold}")
        letter = letters.pop()
        verdict = base.correct if letter == gold else base.incorrect
        return verdict(shown, f"chose {letter}, the reference is {gold}")
    return base.no_answer("no chosen letter found (expected e.g. \\boxed{C} or 'Answer: C')")


def _close(value: float, gold: float, tolerance: float) -> bool:
    return abs(value - gold) <= tolerance * abs(gold) if gold else abs(value) <= 1e-12


def _compare(answer: Quantity, gold: Quantity, tolerance: float) -> tuple[bool, str]:
    if answer.units and gold.units and answer.units != gold.units:
        return False, f"answer is in {answer.written!r}, the reference in {gold.written!r}"
    values = [answer.value]
    if set(answer.units) == {"%"} and not gold.units:
        values.append(answer.value / 100)  # "25%" for a gold of 0.25
    if set(gold.units) == {"%"} and not answer.units:
        values.append(answer.value * 100)  # "0.25" for a gold of 25%
    value = next((v for v in values if _close(v, gold.value, tolerance)), values[0])
    same = _close(value, gold.value, tolerance)
    return same, f"{value:g} vs the reference {gold.value:g} ({'within' if same else 'outside'} {tolerance:g} relative)"


def verify(text: str, reference: dict, options: dict | None = None) -> base.Verdict:
    ref = Reference.model_validate(reference)
    if ref.choices is not None or ref.gold_letter():
        return _multiple_choice(text, ref)
    found = extract_answer(text)
    if found is None:
        return base.no_answer("no \\boxed{} answer or final-answer phrase found")
    answer = found[0]
    gold = read_quantity(ref.answer.strip().strip("$"))
    quantity = read_quantity(answer)
    if gold is not None and quantity is not None:
        same, detail = _compare(quantity, gold, ref.tolerance)
        return (base.correct if same else base.incorrect)(answer[:200], detail)
    refused = refusal(answer, int((options or {}).get("max_answer_chars", 1000)))
    if refused:
        return base.timeout(refused, extracted=answer[:200])
    gold_value = gold.value if gold is not None and not gold.units else numeric_value(ref.answer)
    value = quantity.value if quantity is not None and not quantity.units else numeric_value(answer)
    if gold_value is not None and value is not None and _close(value, gold_value, ref.tolerance):
        return base.correct(answer[:200], f"{value:g} is within {ref.tolerance:g} of the reference {gold_value:g}")
    return math_domain.verify(text, {"answer": ref.answer}, options)
