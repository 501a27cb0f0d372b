"""Reading which choice of a multiple-choice question a response picks.

The final answer as the math domain finds it (the last box, boxes side by side read together,
boxes the sentence denies left out, `<answer>` tags, "the answer is ..." phrases) comes first;
then, only when that names no choice, plain statements in the last lines ("I choose B", "the
correct option is (B)", "B is correct") and a last line that is nothing but a label or a
choice's text. Discussion does not count: "C is incorrect", "Option C can be ruled out" and
"not (C)" pick nothing. Hedges ("C or maybe D", `\\boxed{A}` and `\\boxed{C}`) name several
letters, which the caller grades as wrong. A statement after the last box wins over the box
("\\boxed{A} ... actually, the final answer is C").
"""

import re

from reward_service.verifiers.math_extract import extract_answer
from reward_service.verifiers.text import boxed_spans

__all__ = ["LETTERS", "choice_index", "chosen_letters", "read_choice"]

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LABEL = re.compile(r"[(\[]?\s*([A-Z])\s*[)\].:]?")
_LEADING_LABEL = re.compile(r"[(\[]?\s*([A-Z])\s*(?:[)\].:,]|\s|$)")
_OTHER_LABEL = re.compile(r"(?<![A-Za-z'])[(\[]?([A-Z])[)\]]?(?![A-Za-z'])")
_JOINERS = re.compile(r"\s{0,5}(?:,|;|&|\\&|/|\band\b|\bor\b|\\text\{\s{0,3}(?:and|or)\s{0,3}\})\s{0,5}", re.IGNORECASE)
_WRAPPERS = re.compile(r"\\(?:text|textbf|mathrm|mathbf|textrm|mbox)\s*\{([^{}]*)\}")
_LEAD_WORDS = re.compile(r"^(?:option|choice|answer|letter)\s*:?\s*", re.IGNORECASE)
_DISMISSED = re.compile(r"^(?:is|are|was|seems|can|must)\b.{0,20}?\b(?:not|incorrect|wrong|false|ruled|eliminated|"
                        r"excluded)\b", re.IGNORECASE)
_STATED = re.compile(
    r"\b(?i:i\s+(?:choose|chose|pick|select|go\s+with)|(?:correct|right|best|final)\s+(?:option|choice|answer|letter)"
    r"\s+(?:is|would\s+be|should\s+be|must\s+be)|answer\s+(?:should|must|would)\s+be|answer\s+is|answer\s*:)"
    r"\s{0,3}\**\s{0,3}(?i:option|choice)?\s{0,3}[(\[]?([A-Z])[)\]]?(?![A-Za-z])"
)
_IS_CORRECT = re.compile(r"(?<![A-Za-z])[(\[]?([A-Z])[)\]]?\s+is\s+(?:the\s+)?(?i:correct|right|best)\b")
_NEGATED = re.compile(r"\bnot\s+[(\[]?[A-Z][)\]]?(?![A-Za-z])")
_CONNECTIVE = re.compile(r"^(?i:therefore|thus|so|hence|finally|overall|in\s+conclusion)\b[,:]?\s*")
_TAIL = 4000


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .!")


def _clean(text: str) -> str:
    for _ in range(3):
        text = _WRAPPERS.sub(r"\1", text)
    text = text.replace("$", "").strip().strip("*").strip()
    return _LEAD_WORDS.sub("", text).strip().rstrip(".").strip()


def _singular(text: str) -> str:
    return text[:-1] if text.endswith("s") and not text.endswith("ss") else text


def choice_index(text: str, choices: list[str] | None) -> int | None:
    """Which choice `text` spells out (case, spacing, a leading "the" and a plural -s aside), if any."""
    if not choices:
        return None
    said = _norm(text).removeprefix("the ")
    for same in (lambda a, b: a == b, lambda a, b: _singular(a) == _singular(b)):
        found = [i for i, choice in enumerate(choices) if same(said, _norm(choice).removeprefix("the "))]
        if len(found) == 1:
            return found[0]
    return None


def chosen_letters(candidate: str, choices: list[str] | None, strict: bool = False) -> set[str] | None:
    """The letters `candidate` names (one, or several when it hedges), or None if it names none.
    `strict`: the candidate must be only a label, or a label with its choice's text."""
    count = len(choices) if choices else 26
    in_range = LETTERS[:count]
    text = _clean(candidate)
    index = choice_index(text, choices)
    if index is not None:
        return {LETTERS[index]}
    if len(text) == 1 and text.upper() in in_range:
        return {text.upper()}  # a lone "c" in a box means C
    if not strict and 1 < len(text) <= count and set(text) <= set(in_range) and len(set(text)) == len(text):
        return set(text)  # "AC": a multi-select answer
    parts = [p for p in _JOINERS.split(text) if p]
    labels = [_LABEL.fullmatch(p) for p in parts]
    if len(parts) > 1 and all(labels):
        return {m.group(1) for m in labels if m.group(1) in in_range}
    lead = _LEADING_LABEL.match(text)
    if not lead or lead.group(1) not in in_range:
        return None
    letter, rest = lead.group(1), text[lead.end():].strip()
    if not rest or choice_index(rest, choices) == LETTERS.index(letter):
        return {letter}
    if strict or _DISMISSED.match(rest):
        return None
    if letter in "AI" and rest[:1].islower() and rest.split()[0] not in ("is", "was"):
        return None  # "A cell is ...", "I think ...": words, not choices
    others = {m for m in _OTHER_LABEL.findall(_NEGATED.sub(" ", rest)) if m in in_range and m != letter}
    return {letter} | others  # "C (or possibly D)" hedges


def _last(pattern: re.Pattern, text: str) -> re.Match | None:
    found = None
    for found in pattern.finditer(text):
        pass
    return found


def read_choice(text: str, choices: list[str] | None) -> tuple[set[str], str] | None:
    """(letters named, the text they were read from), or None when the response picks nothing."""
    tail = text[-_TAIL:]
    lines = [line for line in tail.strip().split("\n") if line.strip()]
    last_lines = "\n".join(lines[-3:])
    spans = boxed_spans(text)
    stated = _last(_STATED, tail)
    if stated and spans and len(text) - len(tail) + stated.start() > spans[-1][1]:
        return {stated.group(1)}, stated.group(0)  # a statement after the last box corrects it
    found = extract_answer(text)
    if found:
        letters = chosen_letters(found[0], choices)
        if letters:
            return letters, found[0]
    for pattern in (_STATED, _IS_CORRECT):
        match = _last(pattern, last_lines)
        if match and match.group(1) in LETTERS[:len(choices) if choices else 26]:
            return {match.group(1)}, match.group(0)
    if lines and len(lines[-1]) <= 200:
        letters = chosen_letters(_CONNECTIVE.sub("", lines[-1].strip()), choices, strict=True)
        if letters:
            return letters, lines[-1]
    return None
