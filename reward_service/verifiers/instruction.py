"""Instruction-following domain: the response is checked against a list of IFEval instructions
("answer in fewer than 100 words", "no commas", ...) and the reward is the fraction followed.

Reference: an IFEval row, `{"instruction_id_list": [...], "kwargs": [{...}, ...], "prompt": ...,
"key": ..., "mode": "strict" | "loose"}`; `options["mode"]` overrides the reference's mode.
Checkers follow Google's IFEval (google-research `instruction_following_eval/`) instruction by
instruction; they live in `instruction_rules`, the offline text measures in `instruction_text`.

Strict mode checks the response as given. Loose mode (IFEval's `test_instruction_following_loose`)
counts an instruction as followed when any of 8 variants follows it: the response, and the
response without its first line, its last line or both, each also with every `*` removed.
In both modes an empty response (after strip) follows nothing.

Deliberate deviations from IFEval:
1. Offline, no nltk: words are `re.findall(r"\\w+")` (what nltk's `RegexpTokenizer(r"\\w+")` does);
   sentences are counted with IFEval's own regex splitter where IFEval uses nltk's punkt model;
   all-capital words are counted over tokens that approximate `nltk.word_tokenize`.
2. Language detection is langdetect seeded with 0, so verdicts are deterministic. Text whose
   language cannot be detected (only digits or punctuation) does NOT follow a language
   constraint, nor english_capital / english_lowercase; IFEval counts it as followed. Any of
   langdetect's 55 language codes is accepted (IFEval's list has 30, and fails on the rest);
   detection reads the first 100,000 characters (langdetect itself uses 10,000).
3. An unknown instruction id is an `error` verdict for the whole item, never a pass; so are bad
   kwargs (IFEval would draw a random value for a missing or negative one): every kwarg an
   instruction takes is required, counts are non-negative integers (300.0 reads as 300),
   relations are "less than" or "at least", a letter is one non-blank character (counted as
   written: IFEval swaps a non-letter such as "#" for a random letter, so its published verdicts
   on those rows are random), nth_paragraph is 1..num_paragraphs.
   Keys whose value is None (HuggingFace rows carry every kwarg name) are dropped first.
4. Keywords, forbidden words, section spliters and postscript markers are matched literally
   (`re.escape`); IFEval passes them to `re` as patterns, which differs only for regex symbols.
5. Regexes that backtrack quadratically on hostile text are replaced by linear scans that find
   the same matches (see `instruction_rules`); JSON nested too deeply for Python's parser counts
   as not JSON (IFEval would crash with RecursionError).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reward_service.schemas import ItemOptions
from reward_service.verifiers import base
from reward_service.verifiers import instruction_rules as rules
from reward_service.verifiers.instruction_text import LANGUAGE_CODES

__all__ = ["Reference", "Options", "Rule", "RULES", "verify", "bind_kwargs", "INSTRUCTION_IDS", "MODES"]

MODES = ("strict", "loose")
_EXTRACTED_CHARS = 200
_WHY_CHARS = 80


class Options(ItemOptions):
    """The instruction domain's item options: `mode` overrides the reference's strict or loose."""

    mode: Literal["strict", "loose"] | None = Field(default=None, description="Overrides the reference's mode.")


class Reference(BaseModel):
    """An IFEval row: instruction ids with one kwargs dict each, the prompt, and the mode."""

    model_config = ConfigDict(extra="forbid", strict=True)
    prompt: str = Field("", description="The prompt the response answers (IFEval rows carry it).")
    instruction_id_list: list[str] = Field(min_length=1, description="IFEval ids, e.g. 'punctuation:no_comma'.")
    kwargs: list[dict[str, Any]] = Field(description="One dict per instruction; None values are ignored.")
    key: int | str | None = None
    mode: Literal["strict", "loose"] = "strict"

    @model_validator(mode="after")
    def _one_kwargs_per_instruction(self) -> "Reference":
        if len(self.kwargs) != len(self.instruction_id_list):
            raise ValueError(
                f"kwargs has {len(self.kwargs)} entries but instruction_id_list has "
                f"{len(self.instruction_id_list)}; give one kwargs dict per instruction "
                "({} when it takes none)"
            )
        return self


def _count(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 300.0: pandas writes nullable integer columns as floats
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a non-negative integer, got {value!r}")
    return value


def _relation(value: Any) -> str:
    if value not in rules.RELATIONS:
        raise ValueError(f"expected one of {', '.join(map(repr, rules.RELATIONS))}, got {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


def _words(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(w, str) and w.strip() for w in value):
        raise ValueError(f"expected a non-empty list of non-empty strings, got {value!r}")
    return value


def _letter(value: Any) -> str:
    if not isinstance(value, str) or len(value.strip()) != 1:
        raise ValueError(f"expected a single non-blank character, got {value!r}")
    return value


def _language(value: Any) -> str:
    if value not in LANGUAGE_CODES:
        raise ValueError(f"expected a langdetect language code ({', '.join(LANGUAGE_CODES)}), got {value!r}")
    return value


@dataclass(frozen=True)
class Rule:
    """An IFEval instruction: its checker and, per kwarg it takes, the validator for that kwarg."""

    check: Callable[..., tuple[bool, str]]
    params: Mapping[str, Callable[[Any], Any]]  # kwarg name -> validator returning the value to use


_RELATION_COUNT = {"relation": _relation}
RULES: dict[str, Rule] = {
    "keywords:existence": Rule(rules.keyword_existence, {"keywords": _words}),
    "keywords:frequency": Rule(rules.keyword_frequency, {"keyword": _text, "frequency": _count, **_RELATION_COUNT}),
    "keywords:forbidden_words": Rule(rules.forbidden_words, {"forbidden_words": _words}),
    "keywords:letter_frequency": Rule(
        rules.letter_frequency, {"letter": _letter, "let_frequency": _count, "let_relation": _relation}
    ),
    "language:response_language": Rule(rules.response_language, {"language": _language}),
    "length_constraints:number_sentences": Rule(rules.number_sentences, {"num_sentences": _count, **_RELATION_COUNT}),
    "length_constraints:number_paragraphs": Rule(rules.number_paragraphs, {"num_paragraphs": _count}),
    "length_constraints:number_words": Rule(rules.number_words, {"num_words": _count, **_RELATION_COUNT}),
    "length_constraints:nth_paragraph_first_word": Rule(
        rules.nth_paragraph_first_word, {"num_paragraphs": _count, "nth_paragraph": _count, "first_word": _text}
    ),
    "detectable_content:number_placeholders": Rule(rules.number_placeholders, {"num_placeholders": _count}),
    "detectable_content:postscript": Rule(rules.postscript, {"postscript_marker": _text}),
    "detectable_format:number_bullet_lists": Rule(rules.number_bullet_lists, {"num_bullets": _count}),
    "detectable_format:constrained_response": Rule(rules.constrained_response, {}),
    "detectable_format:number_highlighted_sections": Rule(
        rules.number_highlighted_sections, {"num_highlights": _count}
    ),
    "detectable_format:multiple_sections": Rule(
        rules.multiple_sections, {"section_spliter": _text, "num_sections": _count}
    ),
    "detectable_format:json_format": Rule(rules.json_format, {}),
    "detectable_format:title": Rule(rules.title, {}),
    "combination:two_responses": Rule(rules.two_responses, {}),
    "combination:repeat_prompt": Rule(rules.repeat_prompt, {"prompt_to_repeat": _text}),
    "startend:end_checker": Rule(rules.end_checker, {"end_phrase": _text}),
    "change_case:capital_word_frequency": Rule(
        rules.capital_word_frequency, {"capital_frequency": _count, "capital_relation": _relation}
    ),
    "change_case:english_capital": Rule(rules.english_capital, {}),
    "change_case:english_lowercase": Rule(rules.english_lowercase, {}),
    "punctuation:no_comma": Rule(rules.no_comma, {}),
    "startend:quotation": Rule(rules.quotation, {}),
}
INSTRUCTION_IDS = tuple(sorted(RULES))


def bind_kwargs(index: int, instruction_id: str, raw: dict) -> dict | str:
    """The instruction's validated kwargs, or what is wrong with them."""
    where = f"instruction {index} ({instruction_id})"
    params = RULES[instruction_id].params
    given = {name: value for name, value in raw.items() if value is not None}
    for name in given:
        if name not in params:
            takes = ", ".join(params) if params else "none"
            return f"{where} has unknown kwarg {name!r}; it takes: {takes}"
    bound = {}
    for name, validate in params.items():
        if name not in given:
            return f"{where} is missing kwarg {name!r}; it takes: {', '.join(params)}"
        try:
            bound[name] = validate(given[name])
        except ValueError as e:
            return f"{where} kwarg {name!r}: {e}"
    if "nth_paragraph" in bound and not 1 <= bound["nth_paragraph"] <= bound["num_paragraphs"]:
        return (
            f"{where} kwarg 'nth_paragraph': expected 1..num_paragraphs ({bound['num_paragraphs']}), "
            f"got {bound['nth_paragraph']}"
        )
    return bound


def _variants(text: str, mode: str) -> list[str]:
    if mode == "strict":
        return [text]
    lines = text.split("\n")
    trimmed = [text, "\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()]
    return trimmed + [t.replace("*", "") for t in trimmed]


def _follows(check: Callable[..., tuple[bool, str]], kwargs: dict, variants: list[str]) -> tuple[bool, str]:
    """(followed, why): the first variant that follows it, else why the response itself does not."""
    first_why = None
    for variant in variants:
        if not variant.strip():
            followed, why = False, "empty response"
        else:
            followed, why = check(variant, **kwargs)
        if followed:
            return True, why
        first_why = first_why or why
    return False, first_why


def verify(text: str, reference: dict, options: dict | None = None) -> base.Verdict:
    """Reward = the fraction of `reference["instruction_id_list"]` that `text` follows."""
    options = options or {}
    try:
        ref = Reference.model_validate(reference)
    except ValidationError as e:
        return base.error(f"invalid instruction reference: {e}")
    mode = options.get("mode")
    if mode is None:
        mode = ref.mode
    elif mode not in MODES:  # the service checks Options first; direct callers get this
        return base.error(f"unknown mode {mode!r} in options; valid modes: {', '.join(MODES)}")
    unknown = [i for i in ref.instruction_id_list if i not in RULES]
    if unknown:
        return base.error(
            f"unknown instruction id {unknown[0]!r}; valid ids are listed in "
            f"reward_service.verifiers.instruction.INSTRUCTION_IDS: {', '.join(INSTRUCTION_IDS)}"
        )
    bound = []
    for index, (instruction_id, raw) in enumerate(zip(ref.instruction_id_list, ref.kwargs)):
        kwargs = bind_kwargs(index, instruction_id, raw)
        if isinstance(kwargs, str):
            return base.error(kwargs)
        bound.append(kwargs)

    variants = _variants(text, mode)
    results = [_follows(RULES[i].check, kwargs, variants) for i, kwargs in zip(ref.instruction_id_list, bound)]
    followed = sum(ok for ok, _ in results)
    total = len(results)
    parts = [
        f"{i} ok" if ok else f"{i} FAILED ({why[:_WHY_CHARS]})"
        for i, (ok, why) in zip(ref.instruction_id_list, results)
    ]
    detail = f"{followed}/{total} followed ({mode}): " + "; ".join(parts)
    extracted = text.strip()[:_EXTRACTED_CHARS] or None
    status = "correct" if followed == total else "incorrect"
    return base.Verdict(status, followed / total, extracted, detail)
