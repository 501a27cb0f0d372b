"""Reading the final answer out of a model's response, and refusing answers too costly to parse.

Order: the last `\\boxed{}`/`\\fbox{}` (boxes standing side by side, like `\\boxed{2}, \\boxed{3}`,
form one answer; a box followed by prose and a corrected box does not), else the last clear
final-answer phrase ("the answer is ...", "Final Answer: ...", "**Answer:** ..."), else nothing.
"""

import re

from reward_service.verifiers.text import boxed_spans

__all__ = ["extract_answer", "refusal", "normalize", "tidy"]

_PHRASE = re.compile(r"final answer|answer is|answer\s{0,3}:|answer:?\*\*\s{0,3}:?", re.IGNORECASE)
_BETWEEN_BOXES = re.compile(r"[\s$,;]*(?:and|or|&)?[\s$,;]*(?:\\quad|\\text\{\s?and\s?\})?[\s$,;]*")
_SENTENCE_END = re.compile(r"\.(?:\s|$)")
_MATH_SPANS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_PHRASE_TAIL = 4000  # only the end of a response is searched for a phrase


def _boxed_answer(text: str) -> str | None:
    spans = boxed_spans(text)
    if not spans:
        return None
    group = [spans[-1]]
    for prev in reversed(spans[:-1]):
        gap = text[prev[1]:group[0][0]]
        if len(gap) > 24 or not _BETWEEN_BOXES.fullmatch(gap):
            break
        group.insert(0, prev)
    return ", ".join(content for _, _, content in group)


def _math_span(text: str) -> str | None:
    for opening, closing in _MATH_SPANS:
        start = text.find(opening)
        if start >= 0:
            end = text.find(closing, start + len(opening))
            if end > start:
                return text[start + len(opening):end]
    return None


def _phrase_answer(text: str) -> str | None:
    tail = text[-_PHRASE_TAIL:]
    last = None
    for last in _PHRASE.finditer(tail):
        pass
    if last is None:
        return None
    rest = tail[last.end():].lstrip(" \t\n:*")
    if rest[:3].lower() == "is ":
        rest = rest[3:]
    line = rest.split("\n", 1)[0].strip()
    math = _math_span(line)
    if math is not None:
        answer = math
    else:
        end = _SENTENCE_END.search(line)
        answer = line[:end.start()] if end else line
    answer = answer.strip().strip("*").strip().rstrip(".,;").strip()
    return answer or None


def extract_answer(text: str) -> tuple[str, bool] | None:
    """(answer, came_from_a_box), or None when the response states no final answer."""
    boxed = _boxed_answer(text)
    if boxed is not None and boxed.strip():
        return boxed.strip(), True
    phrase = _phrase_answer(text)
    return (phrase, False) if phrase else None


_MAX_NESTING = 40
_MAX_EXPONENT_DEPTH = 2


def _exponent_depth(answer: str) -> int:
    """Deepest stack of exponents: `a^{b^{c}}` and `a^b^c` are 3 deep."""
    groups: list[bool] = []  # for each open brace/paren: is it an exponent group?
    deepest = 0
    chain = 0  # exponents chained at this level without braces, as in 2^2^2
    i = 0
    text = answer.replace("**", "^")
    while i < len(text):
        ch = text[i]
        if ch == "^":
            depth = 1 + sum(groups) + chain
            deepest = max(deepest, depth)
            nxt = text[i + 1:i + 2]
            if nxt in ("{", "("):
                groups.append(True)
                chain = 0
                i += 2
                continue
            chain += 1
        elif ch in "{(":
            groups.append(False)
            chain = 0
        elif ch in "})":
            if groups:
                groups.pop()
            chain = 0
        elif not (ch.isalnum() or ch in "\\."):
            chain = 0
        i += 1
    return deepest


def _nesting(answer: str) -> int:
    depth = deepest = 0
    for ch in answer:
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})]":
            depth = max(0, depth - 1)
    return deepest


def refusal(answer: str, max_chars: int) -> str | None:
    """Why an answer is refused before parsing (it would not finish in time), or None."""
    if len(answer) > max_chars:
        return f"answer is {len(answer)} characters, over the {max_chars}-character limit; not parsed"
    if _nesting(answer) > _MAX_NESTING:
        return f"answer nests brackets more than {_MAX_NESTING} deep; not parsed"
    if _exponent_depth(answer) > _MAX_EXPONENT_DEPTH:
        return "answer is an exponent tower (3 or more levels); refused before parsing"
    return None


_REPEATING = re.compile(r"(-?)(\d*)\.(\d*)\\overline\{(\d{1,12})\}")
_DIGIT_SPACE = re.compile(r"(?<=\d)(?:\\,|\\ |\\;|\\!|~)(?=\d{3})")


def _repeating_to_fraction(match: re.Match) -> str:
    sign, whole, fixed, repeat = match.groups()
    whole = whole or "0"
    # x = whole.fixed(repeat)...: numerator over 10^len(fixed) * (10^len(repeat) - 1)
    scale = 10 ** len(fixed)
    period = 10 ** len(repeat) - 1
    numerator = (int(whole) * scale + int(fixed or 0)) * period + int(repeat)
    return f"{sign}\\frac{{{numerator}}}{{{scale * period}}}"


def tidy(answer: str) -> str:
    """Spelling fixes before parsing: a sentence's period inside the box, `°`, thin-space
    thousands separators (`12\\,345`) and repeating decimals (`0.\\overline{3}`)."""
    answer = answer.strip().rstrip(".").strip()
    answer = answer.replace("°", "^{\\circ}")
    answer = _DIGIT_SPACE.sub("", answer)
    return _REPEATING.sub(_repeating_to_fraction, answer)


_SPACING = re.compile(r"\s+|\\[,;:!]|\\left|\\right|\\displaystyle|\$")


def normalize(answer: str) -> str:
    """A canonical spelling for the cheap exact-match check that runs before sympy."""
    text = _SPACING.sub("", answer).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return text.rstrip(".")
