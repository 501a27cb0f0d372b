"""Reading the final answer out of a model's response.

Order, first found wins: the last `\\boxed{}`/`\\fbox{}` (boxes standing side by side, like
`\\boxed{2}, \\boxed{3}`, or joined by "and", `\\quad \\text{and} \\quad` or part labels "(b)",
form one answer; a box followed by prose and a corrected box does not),
unless a "final answer" phrase with a plain value comes after that box (boxes that the sentence
denies, "not \\boxed{3}", do not count; boxes joined by "or" are one hedged answer);
the last `<answer>...</answer>`; a GSM8K-style `#### 42` line; the last clear final-answer phrase
("the answer is ...", "Final Answer: ...", "**Answer:** ..."); else nothing, or in lenient mode
the last math span, number or plain expression anywhere (as math-verify's `parse`). Every scan here is
linear or works on a bounded tail, so hostile text cannot make it hang.
"""

import re

from reward_service.verifiers.math_spelling import strip_spacing, top_level_items
from reward_service.verifiers.text import boxed_spans

__all__ = ["extract_answer"]

_PHRASE = re.compile(r"final answer|answer is|answer\s{0,3}:|answer:?\*\*\s{0,3}:?", re.IGNORECASE)
# What may stand between boxes that form one answer: spacing, math delimiters, "and"/"or" (a
# hedge, graded as the set it names), and part labels ("(a) \boxed{3} (b) \boxed{4}",
# "\boxed{3} \text{ for part (a) and } \boxed{4}"). Anything else ("wait", "then", "b =") in
# the gap means the later box replaces the earlier one.
_GAP_WRAPPER = re.compile(r"\\(?:text|mbox|textrm|mathrm|textbf|mathbf|textit)\s*\{|\\[()\[\]]|[{}$*]")
_GAP_WORDS = re.compile(
    r"\s+|\\[,;: !]|\\q?quad\b|\\\\|[,;~&]|\b(?:and|or|either|maybe|possibly|perhaps)\b", re.IGNORECASE
)
_PART_LABEL = re.compile(
    r"(?:\bfor\s+)?(?:\bpart\s*)?\((?:[a-h]|i{1,3}|iv|vi{0,3})\)(?:\s*(?:the\s+answer\s+|it\s+)?is\b)?",
    re.IGNORECASE,
)
_MAX_GAP = 48
_UNIT_AFTER_BOX = re.compile(r"^\s*(?:\\text\{\s*)?[A-Za-z]{2,}\}?(?=\s)")
_DENIAL = re.compile(r"\b(?:not|isn't|cannot be|can't be)\s*\$*\s*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?:\s|$)")
_EXPLANATION = re.compile(r"(?:,\s*|\s+)(?:because|since|which|as|so that|where|given that)\b", re.IGNORECASE)
_LEAD_IN = re.compile(
    r"^(?:is\b\s*:?|:)?\s*(?:therefore|thus|then|simply|just|given by|as follows)?\s*:?\s*", re.IGNORECASE
)
_RELATION = re.compile(r"[=<>]|\\(?:geq?|leq?|neq?)\b")
_WORDY = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_SUBJECT_MATH_IS = re.compile(r"^[A-Za-z][^\n]{0,200}?\s(?:is|are|equals)\s+(?=[-\d$\\(])", re.IGNORECASE)
_SUBJECT_IS = re.compile(r"^[A-Za-z][A-Za-z ,']{0,80}?\bis\s+", re.IGNORECASE)
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)
_TAIL = 4000  # only the end of a response is searched for tags and phrases

# Lenient extraction: the last math span or plain number/expression anywhere (what math-verify's
# `parse` falls back to). Numbers need a space, `=` or the start before them, so "XY2K" is not 2.
_PLAIN = r"(?:^|(?<=[\s=]))(?:\*\*)?[$€£¥₹]?(?P<plain>[-(]?[-.]?\d(?:[\d.\s+\-*×/^()÷]|,(?=\d))*+)"
_NUMBER_TOKEN = re.compile(r"-?(?:[1-9]\d{0,2}(?:[ ,]\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)")
_OPERATOR = re.compile(r"(?<=[\d).])\s*[+\-*×/^÷]\s*(?=[\d(.-])")
_PERCENT = re.compile(r"\s?(?:%|percent(?:age)?\b|pct\b)", re.IGNORECASE)
_LAST_MATH = re.compile(
    r"(?<!\\)\$\$(?P<display>[^$]{1,2000}?)(?<!\\)\$\$"
    r"|(?<!\\)\\\[(?P<bracket>.{1,2000}?)\\\]"
    r"|(?<![\\\d])\$(?P<inline>(?:\\\$|[^\n$]){1,1000}?)(?<!\\)\$"
    r"|\\\((?P<paren>[^\n]{1,1000}?)\\\)"
    r"|(?P<frac>-?\\frac\{-?\d+(?:[.,]\d+)?\}\{-?\d+(?:[.,]\d+)?\})"
    r"|" + _PLAIN,
    re.DOTALL,
)


def _joins(gap: str, of_gold: bool = False) -> bool:
    """Whether boxes with `gap` between them are parts of one answer (see `_GAP_WORDS`). In a
    gold, a word right after a box is its unit: "\\boxed{1} paper and \\boxed{2} bins"."""
    if len(gap) > _MAX_GAP:
        return False
    if of_gold:
        gap = _UNIT_AFTER_BOX.sub("", gap, count=1)
    words = _GAP_WRAPPER.sub(" ", gap)
    unlabelled = _PART_LABEL.sub(" ", words)
    rest = _GAP_WORDS.sub("", unlabelled)
    # A period or colon may end a part ("\\boxed{3}. (b) \\boxed{4}"), not a sentence.
    return not rest or (unlabelled != words and not rest.strip(".:"))


def _boxed_answer(text: str, spans: list, of_gold: bool = False) -> str | None:
    if not spans:
        return None
    group = [spans[-1]]
    for prev in reversed(spans[:-1]):
        if not _joins(text[prev[1] : group[0][0]], of_gold):
            break
        group.insert(0, prev)
    return ", ".join(content for _, _, content in group)


def _tagged_answer(tail: str) -> str | None:
    start = tail.rfind("<answer>")
    if start < 0:
        return None
    end = tail.find("</answer>", start)
    return tail[start + len("<answer>") : end if end >= 0 else None]


def _hashes_answer(tail: str) -> str | None:
    start = tail.rfind("####")
    if start < 0:
        return None
    return tail[start + 4 :].split("\n", 1)[0]


def _phrase_answer(tail: str) -> str | None:
    last = None
    for last in _PHRASE.finditer(tail):
        pass
    if last is None:
        return None
    rest = _LEAD_IN.sub("", tail[last.end() :].lstrip(" \t:*")).lstrip(" \t\n*")
    head = rest[:1000]
    found = list(_MATH.finditer(head))
    first_line = head.split("\n", 1)[0]
    sentence = _sentence_end(head, found)
    subject = _SUBJECT_MATH_IS.match(first_line[:sentence])
    if subject and found and found[0].start() < subject.end():
        # "The volume of $ABCH$ is 120.": the value follows "is", not the math naming the subject.
        head = head[subject.end() :]
        first_line, found = first_line[subject.end() :], list(_MATH.finditer(head))
        sentence = _sentence_end(head, found)
    spans = [next(g for g in m.groups() if g is not None) for m in found]
    if spans and (head.startswith(("$", "\\[", "\\(")) or found[0].start() < len(first_line)):
        # Math on the answer's sentence (display math may span lines): "$x=1$ or $x=-2$" is one
        # answer; math in later sentences ("I hope it is correct. Note: $10\\%$ ...") is not.
        in_line = [s for m, s in zip(found, spans) if m.start() < min(len(first_line), sentence)]
        return ", ".join(s.strip() for s in in_line or spans[:1])
    line = _SUBJECT_IS.sub("", first_line.strip())  # "The total number of points is 17."
    for pattern in (_EXPLANATION, _SENTENCE_END):
        end = pattern.search(line)
        line = line[: end.start()] if end else line
    return line


def _last_expression(tail: str) -> str | None:
    """The math span, number or plain expression that ends last in `tail` (lenient mode).
    A run of digits and operators is one expression; without an operator, its last number
    counts. Of a chain `a = b = c` only `c` is kept, as math-verify does; `x = 3` stays."""
    last = None
    for last in _LAST_MATH.finditer(tail):
        pass
    if last is None:
        return None
    kind = next(k for k, v in last.groupdict().items() if v is not None)
    answer = last.group(kind).strip()
    if kind == "plain":
        answer = answer.rstrip(" \t\n.,:+-*×/^(÷")
        if not _OPERATOR.search(answer):
            answer = _NUMBER_TOKEN.findall(answer)[-1]
            answer += "\\%" if _PERCENT.match(tail, last.end("plain")) else ""
        return answer
    if _PERCENT.match(tail, last.end()) and not answer.endswith("%"):
        answer += "\\%"
    parts = top_level_items(answer, "=")
    if "," not in answer and ";" not in answer and len(parts) > 2 and not any(p[-1:] in "<>!\\" for p in parts):
        answer = parts[-1]
    return answer


def _sentence_end(head: str, spans: list) -> int:
    """Where the first sentence of `head` ends, periods inside math spans not counting."""
    for end in _SENTENCE_END.finditer(head):
        if not any(m.start() < end.start() < m.end() for m in spans):
            return end.start()
    return len(head)


def _plain_value(answer: str) -> bool:
    return (
        any(ch.isdigit() for ch in answer)
        and not _RELATION.search(answer)
        and not _WORDY.search(answer)
        and answer[0] not in ",;"
    )


def _clean(answer: str | None) -> str | None:
    if answer is None:
        return None
    answer = answer.strip().strip("*").strip()
    while answer[-1:] in (".", ",", ";") and answer[-2:-1] != "\\":  # keep LaTeX's "\\;"
        answer = answer[:-1].rstrip()
    answer = strip_spacing(answer.strip().strip("$"))
    return answer or None


def extract_answer(text: str, lenient: bool = False, of_gold: bool = False) -> tuple[str, bool] | None:
    """(answer, came_from_a_box), or None when the response states no final answer; `lenient`
    falls back to the last math expression anywhere in the text; `of_gold` reads a gold answer
    written as a solution (a unit word may follow each of its boxes)."""
    # A box the sentence denies ("the answer is not \\boxed{3}") is not an answer.
    all_spans = boxed_spans(text)
    spans = [sp for sp in all_spans if not _DENIAL.search(text[max(0, sp[0] - 24) : sp[0]])]
    if all_spans and not spans:
        return f"\\text{{not }} {all_spans[-1][2]}", True  # only denials: graded as what they say
    if spans:
        # "... the final answer is 12." after the last box restates the answer and wins; a remark
        # that merely mentions an answer ("a common wrong answer is 3", a check) does not.
        after = text[spans[-1][1] :][-_TAIL:]
        later = _clean(_phrase_answer(after)) if "final answer" in after.lower() else None
        if later and _plain_value(later):
            return later, False
    boxed = _clean(_boxed_answer(text, spans, of_gold))
    if boxed:
        return boxed, True
    tail = text[-_TAIL:]
    for finder in (_tagged_answer, _hashes_answer, _phrase_answer):
        answer = _clean(finder(tail))
        if answer and lenient and _WORDY.search(answer) and len(numbers := _NUMBER_TOKEN.findall(answer)) == 1:
            return numbers[0], False  # "Final Answer: Jane started growing it 3 hours ago." is 3
        if answer:
            return answer, False
    answer = _clean(_last_expression(tail)) if lenient else None
    return (answer, False) if answer else None
