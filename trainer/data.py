"""Training rows: reading the JSONL the trainer consumes, turning prompts into token ids, and the
demo's arithmetic word problems.

A row is `{"prompt": str | [{"role", "content"}, ...], "domain": str, "reference": {...}}`;
extra keys (an `id`, provenance) are kept and ignored. A bad row is an error naming the file,
line and field, never a silent drop.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Row", "jsonl_records", "read_rows", "write_rows", "prompt_ids", "arithmetic_rows", "BOXED_INSTRUCTION"]

BOXED_INSTRUCTION = "Put the final answer in \\boxed{}."


@dataclass
class Row:
    """One training or eval row: the prompt, its domain, the domain's reference, and extra keys kept as they are."""

    prompt: str | list[dict]
    domain: str
    reference: dict
    extra: dict = field(default_factory=dict)


def _check(row, where: str) -> Row:
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(row).__name__}")
    for key in ("prompt", "domain", "reference"):
        if key not in row:
            raise ValueError(f"{where}: missing field {key!r} (rows need prompt, domain, reference)")
    prompt = row["prompt"]
    if isinstance(prompt, list):
        for i, message in enumerate(prompt):
            if not (
                isinstance(message, dict)
                and isinstance(message.get("role"), str)
                and isinstance(message.get("content"), str)
            ):
                raise ValueError(f"{where}: field 'prompt'[{i}] must be {{'role': str, 'content': str}}")
        if not prompt:
            raise ValueError(f"{where}: field 'prompt' is an empty message list")
    elif not isinstance(prompt, str) or not prompt:
        raise ValueError(f"{where}: field 'prompt' must be a non-empty string or a list of chat messages")
    if not isinstance(row["domain"], str):
        raise ValueError(f"{where}: field 'domain' must be a string such as 'math'")
    if not isinstance(row["reference"], dict):
        raise ValueError(f"{where}: field 'reference' must be an object, e.g. {{'answer': '42'}}")
    extra = {k: v for k, v in row.items() if k not in ("prompt", "domain", "reference")}
    return Row(prompt, row["domain"], row["reference"], extra)


def jsonl_records(path: str | Path) -> Iterator[tuple[str, object]]:
    """(`file:line`, parsed object) for each non-blank line; bad JSON names its line."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                yield where, json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None


def read_rows(path: str | Path) -> list[Row]:
    """Every row of a JSONL file, checked; a bad row raises ValueError with its file, line and field."""
    rows = [_check(parsed, where) for where, parsed in jsonl_records(path)]
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def write_rows(path: str | Path, rows: list[Row]) -> None:
    """Write rows as JSONL (extra keys at the top level, as `read_rows` reads them)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(
                json.dumps({"prompt": row.prompt, "domain": row.domain, "reference": row.reference, **row.extra}) + "\n"
            )


def prompt_ids(tokenizer, prompt: str | list[dict], system_prompt: str = "", max_tokens: int = 0) -> list[int]:
    """Token ids of a prompt: chat messages go through the tokenizer's chat template with the
    assistant turn opened; a plain string is used as is (base models)."""
    if isinstance(prompt, list):
        messages = prompt
        if system_prompt and messages[0]["role"] != "system":
            messages = [{"role": "system", "content": system_prompt}, *messages]
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if isinstance(ids, dict) or hasattr(ids, "input_ids"):  # newer transformers return a BatchEncoding
            ids = ids["input_ids"]
    else:
        ids = tokenizer(prompt, add_special_tokens=True)["input_ids"]
    ids = list(ids)
    if max_tokens and len(ids) > max_tokens:
        raise ValueError(
            f"a prompt has {len(ids)} tokens, over max_prompt_tokens={max_tokens}; raise it or shorten the prompt"
        )
    return ids


_NAMES = [
    "Ava",
    "Ben",
    "Carla",
    "Dev",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jon",
    "Kira",
    "Liam",
    "Mia",
    "Noah",
    "Omar",
    "Pia",
]
_THINGS = ["apples", "marbles", "stickers", "books", "coins", "cards", "shells", "pencils", "stamps", "cookies"]
_ADD = [
    "{name} has {a} {things}. {name} gets {b} more {things}. How many {things} does {name} have now?",
    "{name} collected {a} {things} on Monday and {b} {things} on Tuesday. "
    "How many {things} did {name} collect in total?",
    "A box holds {a} {things} and another box holds {b} {things}. How many {things} are there altogether?",
]
_SUB = [
    "{name} has {a} {things} and gives away {b} of them. How many {things} does {name} have left?",
    "There were {a} {things} on a table. {name} took {b} of them. How many {things} are still on the table?",
]


def arithmetic_rows(count: int, seed: int, low: int = 2, high: int = 20) -> list[Row]:
    """Two-number addition and subtraction word problems with their answers, reproducible from
    `seed` (the demo's task: a 135M model starts weak and RL visibly improves it)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        a, b = rng.randint(low, high), rng.randint(low, high)
        name, things = rng.choice(_NAMES), rng.choice(_THINGS)
        if rng.random() < 0.5:
            question, answer = rng.choice(_ADD).format(name=name, things=things, a=a, b=b), a + b
        else:
            a, b = max(a, b), min(a, b)
            question, answer = rng.choice(_SUB).format(name=name, things=things, a=a, b=b), a - b
        prompt = [{"role": "user", "content": f"{question} {BOXED_INSTRUCTION}"}]
        rows.append(Row(prompt, "math", {"answer": str(answer)}))
    return rows
