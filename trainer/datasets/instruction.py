"""Instruction-following training rows in IFEval's own format (Google's
instruction_following_eval): `key`, `prompt`, `instruction_id_list`, `kwargs`. The reference is
the row itself, with the None-valued kwargs that Hugging Face copies carry dropped (a parquet
column exists for every kwarg of every instruction). Instruction ids and kwargs are checked by the
instruction verifier's own rules, so that a typo is a bad row here, not an error item in training."""

from reward_service.verifiers.instruction import INSTRUCTION_IDS, bind_kwargs
from trainer.datasets import templates
from trainer.datasets.base import BadRow, Format, need, need_text

__all__ = ["DOMAIN", "FORMATS"]

DOMAIN = "instruction"

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
        if instruction not in INSTRUCTION_IDS:
            raise BadRow(
                "instruction_id_list",
                f"[{n}] {instruction!r} is not an IFEval instruction",
                f"valid: {', '.join(INSTRUCTION_IDS)}",
            )
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise BadRow("kwargs", f"[{n}] must be an object, got {type(given).__name__}", _HINT)
        given = {k: v for k, v in given.items() if v is not None}
        problem = bind_kwargs(n, instruction, given)
        if isinstance(problem, str):
            raise BadRow("kwargs", problem)
        cleaned.append(given)
    reference = {"prompt": prompt, "instruction_id_list": ids, "kwargs": cleaned}
    if row.get("key") is not None:
        reference["key"] = row["key"]
    extra = {"id": row["key"]} if isinstance(row.get("key"), (str, int)) else {}
    return templates.instruction_prompt(prompt), reference, extra


FORMATS = {
    f.name: f
    for f in [
        Format(
            "ifeval",
            "IFEval: key + prompt + instruction_id_list + kwargs",
            lambda row: "instruction_id_list" in row and "prompt" in row,
            _ifeval,
        ),
    ]
}
