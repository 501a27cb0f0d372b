"""Reading which choice of a multiple-choice question a response picks.

Order: a plain statement after the last box ("\\boxed{A} ... actually, the final answer is C")
corrects the box; then the final answer as the math domain finds it (the last box, boxes side by
side read together, boxes the sentence denies left out, "the answer is ..." phrases); then, only
when that names no choice, statements in the last lines ("I choose B", "the correct option is
(B)", "B is correct", "It's B.") and a last line that is nothing but a label or a choice's text.

What does not count: discussion ("C is incorrect", "Option C can be ruled out", "not (C)"),
conditionals and doubts ("If B is correct, then", "the answer is B?", "I'm not sure B is
correct"), and a bare option header left by an unfinished option-by-option analysis
("A. ...\\n\\nB. Nucleus"). Hedges name several letters, which the caller grades as wrong:
"C or maybe D", `\\boxed{A}` and `\\boxed{C}`, `\\boxed{B, E}` (letters outside the choices
included), "\\boxed{B} However, C is also correct". A choice may be named by its text (`$...$`
and a label stored with the text aside, a plural -s aside) or, for numeric choices, by value.
"""

import re

from reward_service.verifiers.math_extract import extract_answer
from reward_service.verifiers.stem_quantity import read_quantity
from reward_service.verifiers.text import boxed_spans

__all__ = ["LETTERS", "choice_index", "chosen_letters", "read_choice"]

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_L = r"[(\[]?\s{0,2}([A-Z])\s{0,2}[)\]]?"  # a label: B, (B), [B]
_LABEL = re.compile(r"[(\[]?\s*([A-Z])\s*[)\].:]?")
_LEADING_LABEL = re.compile(r"[(\[]?\s*([A-Z])\s*(?:[)\].:,]|\s|$)")
_LABEL_PREFIX = re.compile(r"^[(\[]?[A-Za-z][)\].:]\s+")
_OTHER_LABEL = re.compile(r"(?<![A-Za-z'])[(\[]?([A-Z])[)\]]?(?![A-Za-z'])")
_JOINERS = re.compile(
    r"\s{0,5}(?:,|;|&|\\&|/|\||\band\b|\bor\b|\\text\{\s{0,3}(?:and|or)\s{0,3}\})\s{0,5}", re.IGNORECASE
)
_WRAPPERS = re.compile(r"\\(?:text|textbf|mathrm|mathbf|textrm|mbox)\s*\{([^{}]*)\}")
_MATH_DELIMITERS = re.compile(r"\$|\\\(|\\\)|\\\[|\\\]")
_LEAD_WORDS = re.compile(r"^(?:option|choice|answer|letter)\s*:?\s*", re.IGNORECASE)
_DISMISSED = re.compile(
    r"^(?:is|are|was|seems|can|must)\b.{0,20}?\b(?:not|incorrect|wrong|false|ruled|eliminated|"
    r"excluded)\b",
    re.IGNORECASE,
)
_DISMISSED_OTHERS = re.compile(
    _L + r"(?:\s{0,3}(?:,|and|or)\s{0,3}" + _L.replace("([A-Z])", "[A-Z]") + r"){0,8}\s{1,3}(?i:is|are)\s{1,3}"
    r"(?:\w+\s{1,3})?(?i:wrong|incorrect|not|false)"
)
_NEGATED = re.compile(r"\b(?i:not|rather\s+than|instead\s+of|over)\s+[(\[]?[A-Z][)\]]?(?![A-Za-z])")
_STATED = re.compile(
    r"\b(?i:i\s+(?:choose|pick|select|(?:would|'d|will)\s+go\s+with)|go\s+with|solution\s*:"
    r"|(?:correct|right|best|final)\s+(?:option|choice|answer|letter)\s*(?::|is|would\s+be|should\s+be|must\s+be)"
    r"|answer\s+(?:should|must|would)\s+be|answer\s+is|answer\s*:)"
    r"\s{0,3}\**\s{0,3}(?i:option|choice)?\s{0,3}\**\s{0,3}(?:\(([A-Za-z])\)|\[?([A-Z])\]?)(?![A-Za-z])"
)
_ITS = re.compile(r"\b(?i:it'?s|it\s+is)\s{1,3}\**" + _L + r"\**(?=\s{0,3}[.!]?\s{0,3}(?:$|\n))")
_IS_CORRECT = re.compile(r"(?<![A-Za-z])" + _L + r"\s{1,3}is\s{1,3}(?:the\s{1,3})?(?i:correct|right|best|answer)\b")
_ALSO = re.compile(
    r"(?<![A-Za-z])" + _L + r"\s{1,3}(?i:is|are|could|might|may)(?:\s{1,3}be)?\s{1,3}(?i:also)\b"
    r"|(?<![A-Za-z])" + _L + r"\s{1,3}(?i:could|might|may)\s{1,3}be\s{1,3}(?i:right|correct|valid)\b"
    r"|\b(?i:might|could|may)\s+(?:also\s+)?be\s+" + _L + r"(?![A-Za-z])"
)
_JOINED_NEXT = re.compile(
    r"\s{0,3}\**\s{0,3}(?:,|&|/|\||\b(?i:or|and)\b)\s{0,3}(?i:also\s+|maybe\s+|possibly\s+)?" + _L + r"(?![A-Za-z])"
)
_DOUBT = re.compile(
    r"\b(?:if|whether|unless|not\s+sure|unsure|might|maybe|perhaps|possibly|could|earlier|wrong|"
    r"incorrect|false|only)\b|\?",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?\n,;]")
_PHRASE = re.compile(r"(?i:final\s+answer|answer\s+is|answer\s*:)")
_ASIDE = re.compile(r"\([^()]*\)")
_HEADER = re.compile(r"^\W{0,3}(?i:option\s+|choice\s+)?[(\[]?([A-Z])[)\].:]", re.MULTILINE)
_CONNECTIVE = re.compile(r"^(?i:therefore|thus|so|hence|finally|overall|in\s+conclusion)\b[,:]?\s*")
_TAIL = 4000


def _norm(text: str) -> str:
    text = _MATH_DELIMITERS.sub("", text)
    return " ".join(_LABEL_PREFIX.sub("", text.strip()).lower().split()).strip(" .!").removeprefix("the ")


def _clean(text: str) -> str:
    for _ in range(3):
        text = _WRAPPERS.sub(r"\1", text)
    text = _MATH_DELIMITERS.sub("", text).strip().strip("*").strip()
    return _LEAD_WORDS.sub("", text).strip().rstrip(".").strip()


def _singular(text: str) -> str:
    return text[:-1] if text.endswith("s") and not text.endswith("ss") else text


def _same_value(text: str, choice: str) -> bool:
    if not any(ch.isdigit() for ch in text):
        return False  # not a number: no need to read every choice as one
    said, offered = read_quantity(text), read_quantity(choice)
    if said is None or offered is None:
        return False
    if said.units and offered.units:
        return said.units == offered.units and abs(said.value - offered.value) <= 1e-9 * abs(offered.value)
    return abs(said.number - offered.number) <= 1e-9 * abs(offered.number)


def choice_index(text: str, choices: list[str] | None) -> int | None:
    """Which choice `text` spells out (case, spacing, `$...$`, a leading "the" or label and a
    plural -s aside), or equals in value (`3.50` for "3.5 m"), if exactly one does."""
    if not choices:
        return None
    said = _norm(text)
    for same in (
        lambda c: said == _norm(c),
        lambda c: _singular(said) == _singular(_norm(c)),
        lambda c: _same_value(text, c),
    ):
        found = [i for i, choice in enumerate(choices) if same(choice)]
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
        return {m.group(1) for m in labels}  # "B, E": a hedge, even where E is not a choice
    lead = _LEADING_LABEL.match(text)
    if not lead or lead.group(1) not in in_range:
        return None
    letter, rest = lead.group(1), text[lead.end() :].strip()
    if not rest or choice_index(rest, choices) == LETTERS.index(letter):
        return {letter}
    if strict or _DISMISSED.match(rest) or rest.startswith("?"):
        return None
    if letter in "AI" and rest[:1].islower() and rest.split()[0] not in ("is", "was"):
        return None  # "A cell is ...", "I think ...": words, not choices
    rest = _NEGATED.sub(" ", _DISMISSED_OTHERS.sub(" ", rest))
    others = {m for m in _OTHER_LABEL.findall(rest) if m in in_range and m != letter}
    return {letter} | others  # "C (or possibly D)" hedges


def _clause(text: str, start: int, end: int) -> str:
    """The clause around text[start:end] (up to the nearest , ; . ! ? or line break), with the
    character that ends it: "(B) is wrong, so the answer is (C)" has two."""
    before = max((m.end() for m in _CLAUSE_END.finditer(text, max(0, start - 300), start)), default=max(0, start - 300))
    after = _CLAUSE_END.search(text, end)
    return text[before : after.end() if after else len(text)]


def _statements(text: str) -> list[tuple[int, int, str]]:
    """(start, end, letter) of plain, undoubted statements of a choice, in order."""
    found = []
    for pattern in (_STATED, _ITS, _IS_CORRECT):
        for match in pattern.finditer(text):
            letter = next(g for g in match.groups() if g).upper()
            if not _DOUBT.search(_clause(text, match.start(), match.end())):
                found.append((match.start(), match.end(), letter))
    return sorted(found)


def _hedged(letter: str, after: str, in_range: str) -> set[str]:
    """`letter` plus any other choice that the text after it says might also be right."""
    others = {next(g for g in m.groups() if g) for m in _ALSO.finditer(after)}
    joined = _JOINED_NEXT.match(after)
    if joined:
        return {letter, joined.group(1)}  # "the answer is B or C", "B|E": a hedge, choice or not
    return {letter} | {o for o in others if o in in_range and o != letter}


def read_choice(text: str, choices: list[str] | None) -> tuple[set[str], str] | None:
    """(letters named, the text they were read from), or None when the response picks nothing."""
    in_range = LETTERS[: len(choices) if choices else 26]
    offset = max(0, len(text) - _TAIL)
    tail = text[offset:]
    spans = boxed_spans(text)
    statements = _statements(tail)
    phrase = _last(_PHRASE, tail)
    anchor = max(spans[-1][1] - offset if spans else -1, phrase.start() if phrase else -1)
    if statements and anchor >= 0 and statements[-1][0] >= anchor:
        start, end, letter = statements[-1]
        return _hedged(letter, tail[end:], in_range), tail[start:end]  # a correction after the answer
    found = extract_answer(text)
    if found and (found[1] or _phrase_undoubted(tail)):
        letters = chosen_letters(found[0], choices)
        if letters:
            after = text[spans[-1][1] :] if found[1] and spans else ""
            return (_hedged(next(iter(letters)), after, in_range) if len(letters) == 1 else letters), found[0]
    lines = [line for line in tail.strip().split("\n") if line.strip()]
    last_lines = "\n".join(lines[-3:])
    statements = [s for s in _statements(last_lines) if s[2] in in_range]
    if statements:
        start, end, letter = statements[-1]
        return _hedged(letter, last_lines[end:], in_range), last_lines[start:end]
    if lines and len(lines[-1]) <= 200 and not _is_header(lines):
        letters = chosen_letters(_CONNECTIVE.sub("", lines[-1].strip()), choices, strict=True)
        if letters:
            return letters, lines[-1]
    return None


def _last(pattern: re.Pattern, text: str) -> re.Match | None:
    found = None
    for found in pattern.finditer(text):
        pass
    return found


def _phrase_undoubted(tail: str) -> bool:
    """Whether the last "the answer is ..." clause states the answer rather than wonder about it
    (an aside in brackets, "(A and C are wrong)", is not doubt)."""
    phrase = _last(_PHRASE, tail)
    return phrase is None or not _DOUBT.search(_ASIDE.sub("", _clause(tail, phrase.start(), phrase.end() + 40)))


def _is_header(lines: list[str]) -> bool:
    """Whether the last line opens one more option in an option-by-option analysis that stops
    there ("A. ... \\n B. Nucleus"), rather than state a final choice."""
    last = lines[-1].strip().strip("*").strip()
    if last.endswith(":"):
        return True
    bare = _LABEL.fullmatch(_CONNECTIVE.sub("", last).rstrip("."))
    return bare is None and any(_HEADER.match(line) for line in lines[:-1])
