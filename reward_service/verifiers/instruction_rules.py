"""The 25 IFEval instruction checkers, one function each, with Google's `check_following` semantics
(google-research `instruction_following_eval/instructions.py`).

Each checker takes the response and its already validated kwargs and returns `(followed, why)`,
where `why` is a few words on what was measured ("found 3 commas"), shown in the verdict's detail.

Where IFEval's regexes could backtrack quadratically on hostile text (`^\\s*\\*` over a megabyte
of newlines, `\\[.*?\\]` over a line of `[`, `<<[^\\n]+>>` over a line of `<`, a leading `\\s*`
in the postscript search) the same matches are found by linear scans, line by line; the
docstrings say which IFEval pattern each one reproduces. User-supplied words are escaped
(`re.escape`) where IFEval would use them as raw regexes.
"""

import json
import re

from reward_service.verifiers.instruction_text import count_sentences, count_words, detect_language, word_tokens

__all__ = [
    "RELATIONS",
    "CONSTRAINED_OPTIONS",
    "keyword_existence",
    "keyword_frequency",
    "forbidden_words",
    "letter_frequency",
    "response_language",
    "number_sentences",
    "number_paragraphs",
    "number_words",
    "nth_paragraph_first_word",
    "number_placeholders",
    "postscript",
    "number_bullet_lists",
    "constrained_response",
    "number_highlighted_sections",
    "multiple_sections",
    "json_format",
    "title",
    "two_responses",
    "repeat_prompt",
    "end_checker",
    "capital_word_frequency",
    "english_capital",
    "english_lowercase",
    "no_comma",
    "quotation",
]

RELATIONS = ("less than", "at least")
CONSTRAINED_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")

_HIGHLIGHT = re.compile(r"\*[^\n\*]*\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*[^\n\*]*\*\*")
_PARAGRAPH_DIVIDER = re.compile(r"\s?\*\*\*\s?")
_PS = re.compile(r"p\.\s?s\.")
_PPS = re.compile(r"p\.\s?p\.\s?s")

Outcome = tuple[bool, str]


def _compare(count: int, relation: str, threshold: int, what: str) -> Outcome:
    followed = count < threshold if relation == "less than" else count >= threshold
    return followed, f"{count} {what}, need {relation} {threshold}"


def keyword_existence(value: str, *, keywords: list[str]) -> Outcome:
    """Every keyword appears, case-insensitively, anywhere (IFEval: `re.search(keyword, value, re.I)`,
    no word boundaries: "rivers" contains "river")."""
    missing = [k for k in sorted(keywords) if not re.search(re.escape(k), value, flags=re.IGNORECASE)]
    if missing:
        return False, "missing " + ", ".join(repr(k) for k in missing)
    return True, f"all {len(keywords)} keywords present"


def keyword_frequency(value: str, *, keyword: str, frequency: int, relation: str) -> Outcome:
    """Case-insensitive, non-overlapping occurrences of the keyword, no word boundaries."""
    keyword = keyword.strip()
    count = len(re.findall(re.escape(keyword), value, flags=re.IGNORECASE))
    return _compare(count, relation, frequency, f"times {keyword!r}")


def forbidden_words(value: str, *, forbidden_words: list[str]) -> Outcome:
    """None of the words appears as a whole word (`\\bword\\b`), case-insensitively."""
    used = [
        w for w in sorted(set(forbidden_words)) if re.search(r"\b" + re.escape(w) + r"\b", value, flags=re.IGNORECASE)
    ]
    return (False, "used " + ", ".join(repr(w) for w in used)) if used else (True, "no forbidden word")


def letter_frequency(value: str, *, letter: str, let_frequency: int, let_relation: str) -> Outcome:
    """Occurrences of the letter in the lowercased response ("T" counts "t" and "T")."""
    letter = letter.strip().lower()
    return _compare(value.lower().count(letter), let_relation, let_frequency, f"times {letter!r}")


def response_language(value: str, *, language: str) -> Outcome:
    """The whole response is in `language`, as langdetect sees it."""
    detected = detect_language(value)
    if detected is None:
        return False, "language could not be detected"
    return detected == language, f"detected {detected!r}, need {language!r}"


def number_sentences(value: str, *, num_sentences: int, relation: str) -> Outcome:
    """Sentences as IFEval splits them, against the relation and count."""
    return _compare(count_sentences(value), relation, num_sentences, "sentences")


def number_paragraphs(value: str, *, num_paragraphs: int) -> Outcome:
    """Paragraphs between `***` dividers; an empty one is allowed only first or last."""
    paragraphs = _PARAGRAPH_DIVIDER.split(value)
    count = len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            if index in (0, len(paragraphs) - 1):
                count -= 1
            else:
                return False, "an empty paragraph between *** dividers"
    return count == num_paragraphs, f"{count} paragraphs, need {num_paragraphs}"


def number_words(value: str, *, num_words: int, relation: str) -> Outcome:
    """Words (runs of word characters), against the relation and count."""
    return _compare(count_words(value), relation, num_words, "words")


def nth_paragraph_first_word(value: str, *, num_paragraphs: int, nth_paragraph: int, first_word: str) -> Outcome:
    """Exactly `num_paragraphs` non-empty paragraphs split on "\\n\\n", and paragraph n (counted in
    the raw split, empty pieces included, as IFEval does) starts with `first_word`."""
    paragraphs = value.split("\n\n")
    count = sum(1 for p in paragraphs if p.strip())
    if nth_paragraph > count or not paragraphs[nth_paragraph - 1].strip():
        return False, f"{count} paragraphs, no paragraph {nth_paragraph}"
    word = paragraphs[nth_paragraph - 1].split()[0].lstrip("'").lstrip('"')
    first = ""
    for ch in word:
        if ch in ".,?!'\"":
            break
        first += ch.lower()
    want = first_word.lower()
    if first != want:
        return False, f"paragraph {nth_paragraph} starts with {first!r}, need {want!r}"
    return count == num_paragraphs, f"{count} paragraphs, need {num_paragraphs}"


def number_placeholders(value: str, *, num_placeholders: int) -> Outcome:
    """IFEval's `re.findall(r"\\[.*?\\]")`: from each `[`, the first `]` on the same line."""
    count = 0
    for line in value.split("\n"):
        start = line.find("[")
        while start >= 0:
            end = line.find("]", start + 1)
            if end < 0:
                break
            count += 1
            start = line.find("[", end + 1)
    return _compare(count, "at least", num_placeholders, "placeholders")


def postscript(value: str, *, postscript_marker: str) -> Outcome:
    """ "P.S." and "P.P.S" allow a space after each dot ("P. S."); other markers are searched for
    literally; all case-insensitively, anywhere in the response."""
    marker = postscript_marker.strip()
    lower = value.lower()
    if marker == "P.P.S":
        found = _PPS.search(lower) is not None
    elif marker == "P.S.":
        found = _PS.search(lower) is not None
    else:
        found = marker.lower() in lower
    return found, f"{marker!r} postscript " + ("found" if found else "not found")


def number_bullet_lists(value: str, *, num_bullets: int) -> Outcome:
    """IFEval counts `re.findall(r"^\\s*\\*[^\\*].*$", re.M)` plus `^\\s*-.*$`: lines whose first
    non-blank character is `*` followed by anything but `*` (a lone `*` takes the newline as that
    character, so its match runs over the whole next line), and lines that start with `-`."""
    lines = value.split("\n")
    stars, i = 0, 0
    while i < len(lines):
        body = lines[i].lstrip()
        i += 1
        if body.startswith("*"):
            if len(body) > 1:
                stars += body[1] != "*"
            elif i < len(lines):
                stars += 1
                i += 1
    dashes = sum(1 for line in lines if line.lstrip().startswith("-"))
    count = stars + dashes
    return count == num_bullets, f"{count} bullet points, need exactly {num_bullets}"


def constrained_response(value: str) -> Outcome:
    """Contains one of IFEval's fixed answers ('My answer is yes.', ...)."""
    value = value.strip()
    if any(option in value for option in CONSTRAINED_OPTIONS):
        return True, "contains one of the options"
    return False, "none of " + " / ".join(repr(o) for o in CONSTRAINED_OPTIONS)


def number_highlighted_sections(value: str, *, num_highlights: int) -> Outcome:
    """`*text*` and `**text**` on one line with something other than spaces inside; a bold span
    also contains two single-star matches, and IFEval counts both kinds."""
    count = sum(1 for h in _HIGHLIGHT.findall(value) if h.strip("*").strip())
    count += sum(1 for h in _DOUBLE_HIGHLIGHT.findall(value) if h[2:-2].strip())
    return _compare(count, "at least", num_highlights, "highlighted sections")


def multiple_sections(value: str, *, section_spliter: str, num_sections: int) -> Outcome:
    """Pieces after splitting on "<spliter> <number>" (e.g. "SECTION 2"), case-sensitive."""
    spliter = section_spliter.strip()
    count = len(re.split(r"\s?" + re.escape(spliter) + r"\s?\d+\s?", value)) - 1
    return _compare(count, "at least", num_sections, f"{spliter!r} sections")


def json_format(value: str) -> Outcome:
    """The whole response, without a ```json fence around it, parses as JSON."""
    value = (
        value.strip()
        .removeprefix("```json")
        .removeprefix("```Json")
        .removeprefix("```JSON")
        .removeprefix("```")
        .removesuffix("```")
        .strip()
    )
    try:
        json.loads(value)
    except (ValueError, RecursionError):  # a megabyte of "[" exhausts the C parser's recursion
        return False, "not valid JSON"
    return True, "valid JSON"


def title(value: str) -> Outcome:
    """IFEval's `re.findall(r"<<[^\\n]+>>")`: on each line, the first `<<` to the last `>>`, and
    the title counts when something other than brackets and spaces is inside."""
    for line in value.split("\n"):
        start = line.find("<<")
        end = line.rfind(">>")
        if start >= 0 and end >= start + 3 and line[start : end + 2].lstrip("<").rstrip(">").strip():
            return True, "has a <<title>>"
    return False, "no <<title>>"


def two_responses(value: str) -> Outcome:
    """Exactly two non-empty responses separated by `******`, different after stripping; empty
    pieces are allowed only before the first separator and after the last."""
    pieces = value.split("******")
    responses = []
    for index, piece in enumerate(pieces):
        if piece.strip():
            responses.append(piece.strip())
        elif index not in (0, len(pieces) - 1):
            return False, "an empty response between ****** separators"
    if len(responses) != 2:
        return False, f"{len(responses)} responses, need 2"
    if responses[0] == responses[1]:
        return False, "the two responses are the same"
    return True, "two different responses"


def repeat_prompt(value: str, *, prompt_to_repeat: str) -> Outcome:
    """Starts with the prompt to repeat, case-insensitively, ignoring surrounding spaces."""
    if value.strip().lower().startswith(prompt_to_repeat.strip().lower()):
        return True, "starts with the prompt"
    return False, "does not start with the prompt, word for word"


def end_checker(value: str, *, end_phrase: str) -> Outcome:
    """Ends with the phrase, case-insensitively, ignoring surrounding spaces and double quotes."""
    phrase = end_phrase.strip().lower()
    if value.strip().strip('"').lower().endswith(phrase):
        return True, "ends with the phrase"
    return False, f"does not end with {end_phrase.strip()[:60]!r}"


def capital_word_frequency(value: str, *, capital_frequency: int, capital_relation: str) -> Outcome:
    """Words written all in capitals (nltk-like tokens), against the relation and count."""
    count = sum(1 for token in word_tokens(value) if token.isupper())
    return _compare(count, capital_relation, capital_frequency, "all-capital words")


def _english(value: str, same_case: bool, case: str) -> Outcome:
    if not same_case:
        return False, f"not all {case} letters"
    detected = detect_language(value)
    if detected is None:
        return False, "language could not be detected"
    return detected == "en", f"detected {detected!r}, need 'en'"


def english_capital(value: str) -> Outcome:
    """All letters are capitals and the language is detected as English."""
    return _english(value, value.isupper(), "capital")


def english_lowercase(value: str) -> Outcome:
    """All letters are lowercase and the language is detected as English."""
    return _english(value, value.islower(), "lowercase")


def no_comma(value: str) -> Outcome:
    """No comma anywhere in the response."""
    count = value.count(",")
    return (False, f"found {count} comma" + ("s" * (count != 1))) if count else (True, "no commas")


def quotation(value: str) -> Outcome:
    """The stripped response starts and ends with a double quote."""
    value = value.strip()
    if len(value) > 1 and value[0] == '"' and value[-1] == '"':
        return True, "wrapped in double quotes"
    return False, "not wrapped in double quotes"
