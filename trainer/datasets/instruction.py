"""Instruction-following training rows in IFEval's own format (Google's
instruction_following_eval): `key`, `prompt`, `instruction_id_list`, `kwargs`. The reference is
the row itself, with the None-valued kwargs that Hugging Face copies carry dropped (a parquet
column exists for every kwarg of every instruction). Instruction ids and kwarg names are checked
against IFEval's registry so that a typo is a bad row here, not a zero reward in training."""

from trainer.datasets import templates
from trainer.datasets.base import BadRow, Format, need, need_text

__all__ = ["DOMAIN", "FORMATS", "KWARGS", "INSTRUCTION_IDS"]

DOMAIN = "instruction"

# Each instruction id and the kwargs its IFEval checker takes (instructions.py, build_description).
KWARGS: dict[str, tuple[str, ...]] = {
    "keywords:existence": ("keywords",),
    "keywords:frequency": ("keyword", "frequency", "relation"),
    "keywords:forbidden_words": ("forbidden_words",),
    "keywords:letter_frequency": ("letter", "let_frequency", "let_relation"),
    "language:response_language": ("language",),
    "length_constraints:number_sentences": ("num_sentences", "relation"),
    "length_constraints:number_paragraphs": ("num_paragraphs",),
    "length_constraints:number_words": ("num_words", "relation"),
    "length_constraints:nth_paragraph_first_word": ("num_paragraphs", "nth_paragraph", "first_word"),
    "detectable_content:number_placeholders": ("num_placeholders",),
    "detectable_content:postscript": ("postscript_marker",),
    "detectable_format:number_bullet_lists": ("num_bullets",),
    "detectable_format:constrained_response": (),
    "detectable_format:number_highlighted_sections": ("num_highlights",),
    "detectable_format:multiple_sections": ("section_spliter", "num_sections"),
    "detectable_format:json_format": (),
    "detectable_format:title": (),
    "combination:two_responses": (),
    "combination:repeat_prompt": ("prompt_to_repeat",),
    "startend:end_checker": ("end_phrase",),
    "change_case:capital_word_frequency": ("capital_frequency", "capital_relation"),
    "change_case:english_capital": (),
    "change_case:english_lowercase": (),
    "punctuation:no_comma": (),
    "startend:quotation": (),
}
INSTRUCTION_IDS = tuple(KWARGS)
_HINT = "IFEval rows need prompt, instruction_id_list and kwargs (one object per instruction)"


def _ifeval(row: dict, options: dict):
    prompt = need_text(row, "prompt", _HINT)
    ids = need(row, "instruction_id_list", _HINT)
    kwargs = row.get("kwargs")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise BadRow("instruction_id_list", "must be a non-empty list of instruction ids", _HINT)
    if kwargs is None:
        kwargs = [{} for _ in ids]
    if not isinstance(kwargs, list) or len(kwargs) != len(ids):
        raise BadRow("kwargs", f"must be a list of {len(ids)} objects, one per instruction", _HINT)
    cleaned = []
    for n, (instruction, given) in enumerate(zip(ids, kwargs)):
        if instruction not in KWARGS:
            raise BadRow("instruction_id_list", f"[{n}] {instruction!r} is not an IFEval instruction",
                         f"valid: {', '.join(INSTRUCTION_IDS)}")
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise BadRow("kwargs", f"[{n}] must be an object, got {type(given).__name__}", _HINT)
        given = {k: v for k, v in given.items() if v is not None}
        unknown = sorted(set(given) - set(KWARGS[instruction]))
        if unknown:
            valid = ", ".join(KWARGS[instruction]) or "none"
            raise BadRow("kwargs", f"[{n}] has {unknown[0]!r}, which {instruction} does not take", f"it takes: {valid}")
        cleaned.append(given)
    reference = {"prompt": prompt, "instruction_id_list": ids, "kwargs": cleaned}
    if row.get("key") is not None:
        reference["key"] = row["key"]
    extra = {"id": row["key"]} if isinstance(row.get("key"), (str, int)) else {}
    return templates.instruction_prompt(prompt), reference, extra


FORMATS = {f.name: f for f in [
    Format("ifeval", "IFEval: key + prompt + instruction_id_list + kwargs",
           lambda row: "instruction_id_list" in row and "prompt" in row, _ifeval),
]}
