"""Offline text measures for the instruction domain: sentence splitting, word counting, the word
tokens that all-capital words are counted over, and deterministic language detection.

IFEval measures these with nltk (`RegexpTokenizer(r"\\w+")`, punkt, `word_tokenize`), whose
models are downloaded at run time; the reward service must run offline, so they are
reimplemented here:

- `count_words` is exactly nltk's `RegexpTokenizer(r"\\w+")`: `len(re.findall(r"\\w+", text))`.
- `count_sentences` counts IFEval's own regex splitter (`instructions_util.split_into_sentences`,
  ported step by step below) instead of punkt, which IFEval's `count_sentences` uses. The two
  agree on ordinary prose; punkt's learned abbreviations (e.g. "approx.") may differ.
- `word_tokens` approximates `nltk.word_tokenize` where it matters for `str.isupper()`: it splits
  where the Treebank tokenizer splits off punctuation and contractions ("DON'T" is "DO" + "N'T").
- `detect_language` is langdetect with one profile factory, loaded once, seeded with 0 so the same
  text always gets the same language. It returns None for text langdetect cannot classify.

Every regex here is linear in the text length: no nested quantifiers over the text.
"""

import os
import re
from functools import lru_cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

__all__ = ["LANGUAGE_CODES", "split_into_sentences", "count_sentences", "count_words", "word_tokens", "detect_language"]

# The codes langdetect can answer with (its bundled profiles): IFEval's 30 plus 25 more.
LANGUAGE_CODES = tuple(sorted(name for name in os.listdir(PROFILES_DIRECTORY) if not name.startswith(".")))

# langdetect keeps only the first 10,000 characters once URLs and e-mails are cut out; looking at
# more than this bounds its URL/e-mail regexes on hostile text without changing ordinary verdicts.
_DETECT_CHARS = 100_000

_ALPHABETS = "([A-Za-z])"
_PREFIXES = "(Mr|St|Mrs|Ms|Dr)[.]"
_SUFFIXES = "(Inc|Ltd|Jr|Sr|Co)"
_STARTERS = (
    r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s|However\s"
    r"|That\s|This\s|Wherever)"
)
_ACRONYMS = "([A-Z][.][A-Z][.](?:[A-Z][.])?)"
_WEBSITES = "[.](com|net|org|io|gov|edu|me)"
_DIGITS = "([0-9])"

# IFEval's substitutions, in its order: periods that do not end a sentence become <prd>.
_SENTENCE_STEPS = [
    (re.compile(pattern), replacement)
    for pattern, replacement in [
        (_PREFIXES, "\\1<prd>"),
        (_WEBSITES, "<prd>\\1"),
        (_DIGITS + "[.]" + _DIGITS, "\\1<prd>\\2"),
        (r"\.{2,}", lambda m: "<prd>" * len(m.group(0)) + "<stop>"),
    ]
]
_LATE_STEPS = [
    (re.compile(pattern), replacement)
    for pattern, replacement in [
        (r"\s" + _ALPHABETS + "[.] ", " \\1<prd> "),
        (_ACRONYMS + " " + _STARTERS, "\\1<stop> \\2"),
        (_ALPHABETS + "[.]" + _ALPHABETS + "[.]" + _ALPHABETS + "[.]", "\\1<prd>\\2<prd>\\3<prd>"),
        (_ALPHABETS + "[.]" + _ALPHABETS + "[.]", "\\1<prd>\\2<prd>"),
        (" " + _SUFFIXES + "[.] " + _STARTERS, " \\1<stop> \\2"),
        (" " + _SUFFIXES + "[.]", " \\1<prd>"),
        (" " + _ALPHABETS + "[.]", " \\1<prd>"),
    ]
]
_QUOTE_SWAPS = [(".\u201d", "\u201d."), ('."', '".'), ('!"', '"!'), ('?"', '"?')]

_WORD = re.compile(r"\w+")
# Where nltk's Treebank tokenizer cuts a token apart (its PUNCTUATION, PARENS_BRACKETS,
# DOUBLE_DASHES and quote rules); a comma or colon only when no digit follows ("1,000" stays).
_TREEBANK_CUTS = re.compile(r"""[;@#$%&?!*()\[\]{}<>"`]|[:,](?!\d)|\.{2,}|--""")
_CONTRACTION_ENDINGS = ("n't", "'s", "'m", "'d", "'ll", "'re", "'ve")
# nltk's CONTRACTIONS2/3 ("cannot" is "can" + "not"), as the length of the first part.
_SPLIT_WORDS = {
    "cannot": 3,
    "d'ye": 1,
    "gimme": 3,
    "gonna": 3,
    "gotta": 3,
    "lemme": 3,
    "more'n": 4,
    "wanna": 3,
    "'tis": 2,
    "'twas": 2,
}


def split_into_sentences(text: str) -> list[str]:
    """IFEval's `split_into_sentences`: regex rules that protect abbreviations, decimals,
    websites and initials, then a cut after every remaining `.`, `?` and `!`."""
    text = (" " + text + "  ").replace("\n", " ")
    for pattern, replacement in _SENTENCE_STEPS:
        text = pattern.sub(replacement, text)
    text = text.replace("Ph.D.", "Ph<prd>D<prd>")
    for pattern, replacement in _LATE_STEPS:
        text = pattern.sub(replacement, text)
    for old, new in _QUOTE_SWAPS:
        text = text.replace(old, new)
    for mark in ".?!":
        text = text.replace(mark, mark + "<stop>")
    sentences = [s.strip() for s in text.replace("<prd>", ".").split("<stop>")]
    if sentences and not sentences[-1]:
        sentences.pop()
    return sentences


def count_sentences(text: str) -> int:
    """The number of sentences, split the way IFEval splits them."""
    return len(split_into_sentences(text))


def count_words(text: str) -> int:
    """nltk `RegexpTokenizer(r"\\w+")`: runs of word characters, Unicode-aware."""
    return sum(1 for _ in _WORD.finditer(text))


def word_tokens(text: str) -> list[str]:
    """Tokens close to `nltk.word_tokenize` for deciding which words are all capitals."""
    tokens = []
    for chunk in _TREEBANK_CUTS.sub(" ", text).split():
        word = chunk.strip("'.")
        lower = word.lower()
        cut = _SPLIT_WORDS.get(lower)
        if cut is None:
            cut = next(
                (len(word) - len(e) for e in _CONTRACTION_ENDINGS if lower.endswith(e) and len(word) > len(e)), None
            )
        tokens.extend([word[:cut], word[cut:]] if cut else [chunk])
    return tokens


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0  # each Detector copies this seed; without it langdetect's sampling is random
    return factory


def detect_language(text: str) -> str | None:
    """langdetect's best language code for `text` ("en", "de", "zh-cn", ...), or None when the
    text has no features langdetect can use (only digits, punctuation, ...)."""
    detector = _factory().create()
    detector.append(text[:_DETECT_CHARS])
    try:
        return detector.detect()
    except LangDetectException:
        return None
