"""Reading the final answer out of a model's response.

Order, first found wins: the last `\\boxed{}`/`\\fbox{}` (boxes standing side by side, like
`\\boxed{2}, \\boxed{3}`, form one answer; a box followed by prose and a corrected box does not),
unless a "final answer" phrase with a plain value comes after that box (boxes that the sentence
denies, "not \\boxed{3}", do not count; boxes joined by "or" are one hedged answer);
the last `<answer>...</answer>`; a GSM8K-style `#### 42` line; the last clear final-answer phrase
("the answer is ...", "Final Answer: ...", "**Answer:** ..."); else nothing. Every scan here is
linear or works on a bounded tail, so hostile text cannot make it hang.
"""

import re

from reward_service.verifiers.math_spelling import strip_spacing
from reward_service.verifiers.text import boxed_spans

__all__ = ["extract_answer"]

_PHRASE = re.compile(r"final answer|answer is|answer\s{0,3}:|answer:?\*\*\s{0,3}:?", re.IGNORECASE)
_BETWEEN_BOXES = re.compile(
    r"[\s$,;]*(?:either)?[\s$,;]*(?:and|or|&|\\quad|\\text\{\s?(?:and|or)\s?\})?"
    r"[\s$,;]*(?:maybe|possibly|perhaps)?[\s$,;]*"
)
_DENIAL = re.compile(r"\b(?:not|isn't|cannot be|can't be)\s*\$*\s*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?:\s|$)")
_EXPLANATION = re.compile(r"(?:,\s*|\s+)(?:because|since|which|as|so that|where|given that)\b", re.IGNORECASE)
_LEAD_IN = re.compile(
    r"^(?:is\b\s*:?|:)?\s*(?:therefore|thus|then|simply|just|given by|as follows)?\s*:?\s*", re.IGNORECASE
)
_RELATION = re.compile(r"[=<>]|\\(?:geq?|leq?|neq?)\b")
_WORDY = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_SUBJECT_IS = re.compile(r"^[A-Za-z][A-Za-z ,']{0,80}?\bis\s+", re.IGNORECASE)
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)
_TAIL = 4000  # only the end of a response is searched for tags and phrases


def _boxed_answer(text: str, spans: list) -> str | None:
    if not spans:
        return None
    group = [spans[-1]]
    for prev in reversed(spans[:-1]):
        gap = text[prev[1]:group[0][0]]
        if len(gap) > 24 or not _BETWEEN_BOXES.fullmatch(gap):
            break
        group.insert(0, prev)
    return ", ".join(content for _, _, content in group)


def _tagged_answer(tail: str) -> str | None:
    start = tail.rfind("<answer>")
    if start < 0:
        return None
    end = tail.find("</answer>", start)
    return tail[start + len("<answer>"):end if end >= 0 else None]


def _hashes_answer(tail: str) -> str | None:
    start = tail.rfind("####")
    if start < 0:
        return None
    return tail[start + 4:].split("\n", 1)[0]


def _phrase_answer(tail: str) -> str | None:
    last = None
    for last in _PHRASE.finditer(tail):
        pass
    if last is None:
        return None
    rest = _LEAD_IN.sub("", tail[last.end():].lstrip(" \t:*")).lstrip(" \t\n*")
    head = rest[:1000]
    spans = [next(g for g in m.groups() if g is not None) for m in _MATH.finditer(head)]
    first_line = head.split("\n", 1)[0]
    if spans and (head.startswith(("$", "\\[", "\\(")) or any(s in first_line for s in spans)):
        # Math on the answer line (display math may span lines): "$x=1$ or $x=-2$" is one answer.
        in_line = [s for s in spans if s in first_line] or spans[:1]
        return ", ".join(s.strip() for s in in_line)
    line = _SUBJECT_IS.sub("", first_line.strip())  # "The total number of points is 17."
    for pattern in (_EXPLANATION, _SENTENCE_END):
        end = pattern.search(line)
        line = line[:end.start()] if end else line
    return line


def _plain_value(answer: str) -> bool:
    return (any(ch.isdigit() for ch in answer) and not _RELATION.search(answer)
            and not _WORDY.search(answer) and answer[0] not in ",;")


def _clean(answer: str | None) -> str | None:
    if answer is None:
        return None
    answer = answer.strip().strip("*").strip()
    while answer[-1:] in (".", ",", ";") and answer[-2:-1] != "\\":  # keep LaTeX's "\\;"
        answer = answer[:-1].rstrip()
    answer = strip_spacing(answer.strip().strip("$"))
    return answer or None


def extract_answer(text: str) -> tuple[str, bool] | None:
    """(answer, came_from_a_box), or None when the response states no final answer."""
    # A box the sentence denies ("the answer is not \\boxed{3}") is not an answer.
    all_spans = boxed_spans(text)
    spans = [sp for sp in all_spans if not _DENIAL.search(text[max(0, sp[0] - 24):sp[0]])]
    if all_spans and not spans:
        return f"\\text{{not }} {all_spans[-1][2]}", True  # only denials: graded as what they say
    if spans:
        # "... the final answer is 12." after the last box restates the answer and wins; a remark
        # that merely mentions an answer ("a common wrong answer is 3", a check) does not.
        after = text[spans[-1][1]:][-_TAIL:]
        later = _clean(_phrase_answer(after)) if "final answer" in after.lower() else None
        if later and _plain_value(later):
            return later, False
    boxed = _clean(_boxed_answer(text, spans))
    if boxed:
        return boxed, True
    tail = text[-_TAIL:]
    for finder in (_tagged_answer, _hashes_answer, _phrase_answer):
        answer = _clean(finder(tail))
        if answer:
            return answer, False
    return None
