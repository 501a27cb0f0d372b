"""Instruction-following training rows in IFEval's own format (Google's
instruction_following_eval): `key`, `prompt`, `instruction_id_list`, `kwargs`. The reference is
the row itself, with the None-valued kwargs that Hugging Face copies carry dropped (a parquet
column exists for every kwarg of every instruction). Instruction ids and kwargs are checked by the
instruction verifier's own rules, so that a typo is a bad row here, not an error item in training.

`generate` writes IFEval-style rows offline (no dataset download): a short writing task on a
topic plus one or two verifiable instructions phrased as IFEval phrases them, reproducible from
a seed. They are easier than IFEval's own prompts (short tasks, the instructions a small model
can follow), which is what a 135M model learning them needs.
"""

import random

from reward_service.verifiers.instruction import INSTRUCTION_IDS, bind_kwargs
from trainer.data import Row
from trainer.datasets import templates
from trainer.datasets.base import BadRow, Format, need, need_text

__all__ = ["DOMAIN", "FORMATS", "generate"]

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


_TASKS = (
    "Write a short paragraph about {topic}.",
    "Describe {topic} in a few sentences.",
    "Write a short note to a friend about {topic}.",
    "Tell a very short story about {topic}.",
    "Give some advice about {topic}.",
)
_TOPICS = (
    "a rainy afternoon", "your favourite food", "a day at the sea", "a busy market", "learning to ride a bike",
    "a quiet library", "the first day of spring", "a friendly dog", "a mountain village", "a long train journey",
    "an old photograph", "a summer festival", "a kitchen garden", "a snowy morning", "a football match",
    "a science museum", "baking bread", "a new neighbour", "a lost umbrella", "a school trip", "the night sky",
    "a small bakery", "a family dinner", "a walk in the forest", "a birthday party", "a broken bicycle",
    "a city park", "a visit to the dentist", "a power cut", "a country road",
)  # fmt: skip
_WORDS = ("sun", "friend", "green", "happy", "bread", "river", "music", "window", "quiet", "light", "water", "home")
_END_PHRASES = ("Is there anything else I can help with?", "Have a nice day.", "That is all.")


def _instruction(rng: random.Random) -> tuple[str, dict, str]:
    """One instruction: (id, kwargs, the sentence that asks for it, in IFEval's words)."""
    kind = rng.randrange(11)
    if kind == 0:
        return (
            "change_case:english_lowercase",
            {},
            (
                "Your entire response should be in English, and in all lowercase letters. "
                "No capital letters are allowed."
            ),
        )
    if kind == 1:
        return (
            "change_case:english_capital",
            {},
            "Your entire response should be in English, and in all capital letters.",
        )
    if kind == 2:
        return "punctuation:no_comma", {}, "In your entire response, refrain from the use of any commas."
    if kind == 3:
        return "startend:quotation", {}, "Wrap your entire response with double quotation marks."
    if kind == 4:
        phrase = rng.choice(_END_PHRASES)
        return (
            "startend:end_checker",
            {"end_phrase": phrase},
            (f"Finish your response with this exact phrase {phrase} No other words should follow this phrase."),
        )
    if kind == 5:
        return (
            "detectable_format:title",
            {},
            ("Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>."),
        )
    if kind == 6:
        words = rng.choice((20, 30, 40))
        return (
            "length_constraints:number_words",
            {"num_words": words, "relation": "less than"},
            (f"Answer with less than {words} words."),
        )
    if kind == 7:
        keywords = rng.sample(_WORDS, 2)
        return (
            "keywords:existence",
            {"keywords": keywords},
            f"Include keywords {' and '.join(keywords)} in the response.",
        )
    if kind == 8:
        forbidden = rng.sample(_WORDS, 2)
        return (
            "keywords:forbidden_words",
            {"forbidden_words": forbidden},
            (f"Do not include keywords {' or '.join(forbidden)} in the response."),
        )
    if kind == 9:
        return (
            "detectable_content:postscript",
            {"postscript_marker": "P.S."},
            ("At the end of your response, please explicitly add a postscript starting with P.S."),
        )
    bullets = rng.choice((2, 3))
    return (
        "detectable_format:number_bullet_lists",
        {"num_bullets": bullets},
        (
            f"Your answer must contain exactly {bullets} bullet points. Use the markdown bullet points such as:\n"
            "* This is point 1.\n* This is point 2"
        ),
    )


def generate(count: int, seed: int, two_instructions: float = 0.25) -> list[Row]:
    """`count` IFEval-style rows from `seed`: a task on a topic, then one instruction, or two
    different ones for a `two_instructions` share of the rows. Prompts may repeat; callers that
    need distinct rows (a held-out set) dedupe by prompt. Known flaw, kept so that the data of the
    runs in docs/prolonged.md stays reproducible: a case instruction can be paired with an end
    phrase or a "P.S." that breaks it (all lowercase + "Have a nice day."); such a row (at most
    1.4% of them with seed 1, 1 of the 200 held-out ones) can score at most 0.5."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        task = rng.choice(_TASKS).format(topic=rng.choice(_TOPICS))
        chosen = [_instruction(rng)]
        while rng.random() < two_instructions and len(chosen) == 1:
            extra = _instruction(rng)
            if extra[0] != chosen[0][0] and not {extra[0], chosen[0][0]} <= {
                "change_case:english_lowercase", "change_case:english_capital"
            }:  # fmt: skip
                chosen.append(extra)
        prompt = " ".join([task, *(text for _, _, text in chosen)])
        reference = {
            "prompt": prompt,
            "instruction_id_list": [i for i, _, _ in chosen],
            "kwargs": [kwargs for _, kwargs, _ in chosen],
            "key": f"gen-{seed}-{index}",
        }
        rows.append(Row(templates.instruction_prompt(prompt), DOMAIN, reference, {"id": reference["key"]}))
    return rows
