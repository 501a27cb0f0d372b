"""Logic domain: Reasoning Gym puzzles, each scored by Reasoning Gym's own verifier for its task, so
puzzles with many valid answers (countdown, sudoku variants, n-queens) are judged by the rules
rather than by string equality. The reward is the verifier's score in [0, 1], partial credit
included; `correct` means a full score.

Reference: `{"task": "<reasoning_gym dataset name>", "entry": {"question", "answer", "metadata"},
"config": {...}?}`: `entry` as the dataset generated it; `config` only where the entry came from a
non-default dataset config that the task's scoring reads (decimal_arithmetic's precision,
time_intervals' range, puzzle24's number range, polynomial_equations' penalties).
The answer is the last `<answer>...</answer>`, else the last `\\boxed{}`.

Some Reasoning Gym verifiers hand the model's answer to Python's `eval` or to sympy's
`parse_expr` (which evals too, with builtins in scope). In our worker process that would let a
policy run code and, say, patch the verifier for the items after it. So `logic_guard` swaps those
modules' `eval` for `ast.literal_eval` and refuses expression answers with anything but
arithmetic, digits and known function names before sympy sees them. Verifiers that hang are
stopped by the worker pool's wall-clock limit, as for math.
"""

import difflib
import json
import math
import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reward_service.verifiers import base
from reward_service.verifiers.logic_guard import guard_answer, install_guards
from reward_service.verifiers.text import boxed_spans

_WRAPPED = re.compile(r"\\(?:text|textbf|mathrm|mathbf)\{([^{}]*)\}|\$([^$]*)\$|\*\*([^*]*)\*\*|`([^`]*)`")

__all__ = ["Reference", "Entry", "verify", "extract", "scorer", "task_names", "MAX_ANSWER_CHARS"]

MAX_ANSWER_CHARS = 20_000  # an ARC grid is a few thousand characters; nothing sensible is longer
OVERRIDES = {
    # Upstream compares bool(answer) == bool(gold), so any non-empty answer to a "True" puzzle
    # scores 1 (and "False" is truthy too): a free reward. Compare the words instead.
    "game_of_life_halting": lambda answer, entry: float(
        answer is not None and answer.strip().lower() == str(entry["answer"]).strip().lower()
    ),
}


def _grid(rows) -> tuple:
    return tuple(tuple(row) for row in rows) if isinstance(rows, list) else rows


def _grids_as_tuples(entry: dict) -> dict:
    metadata = dict(entry["metadata"])
    metadata["output"] = _grid(metadata.get("output"))
    return {**entry, "metadata": metadata}


# JSON turns the tuples some verifiers compare against into lists: put them back.
ENTRY_FIXES = {"arc_agi": _grids_as_tuples, "rearc": _grids_as_tuples}


class Entry(BaseModel):
    """A Reasoning Gym dataset entry as generated; extra fields are kept for the verifier."""

    model_config = ConfigDict(extra="allow")
    question: str = ""
    answer: Any = Field(default=None, description="The generated gold answer (null for puzzles with many answers).")
    metadata: dict[str, Any] = Field(default_factory=dict)


class Reference(BaseModel):
    """A logic item's reference: the task name, its entry, and the dataset config where not the default."""

    model_config = ConfigDict(extra="forbid")
    task: str = Field(
        min_length=1,
        max_length=200,
        description="A Reasoning Gym dataset name, e.g. 'countdown'.",
        json_schema_extra=lambda schema: schema.update(enum=list(task_names())),
    )
    entry: Entry = Field(description="The dataset entry as generated: question, answer, metadata.")
    config: dict[str, Any] | None = Field(default=None, description="The dataset config, where not the default.")


@lru_cache(maxsize=1)
def task_names() -> tuple[str, ...]:
    """Every Reasoning Gym dataset name this service scores (all but `composite`), sorted."""
    from reasoning_gym.factory import DATASETS

    return tuple(sorted(name for name in DATASETS if name != "composite"))


@lru_cache(maxsize=512)
def scorer(task: str, config_json: str = ""):
    """The score_answer of `task` built with its config (JSON, empty for the default)."""
    from reasoning_gym.factory import DATASETS

    if task in OVERRIDES:
        return OVERRIDES[task]
    dataset_cls, config_cls = DATASETS[task]
    config = config_cls(**json.loads(config_json)) if config_json else config_cls()
    return dataset_cls(config=config).score_answer


def _unwrap(answer: str) -> str:
    """The answer without what models put around it: one box (`The answer is \\boxed{3}`),
    `\\text{}`, `$...$`, `**...**` or backticks around the whole, a unicode minus."""
    answer = answer.strip()
    spans = boxed_spans(answer)
    if len(spans) == 1:
        answer = spans[0][2].strip()
    for _ in range(3):
        wrapped = _WRAPPED.fullmatch(answer)
        if wrapped is None:
            break
        answer = next(g for g in wrapped.groups() if g is not None).strip()
    return "-" + answer[1:] if answer.startswith("−") else answer


def extract(text: str) -> str | None:
    """The last `<answer>...</answer>` (tags in any case), else the last `\\boxed{}`, else None;
    unwrapped (see `_unwrap`). An `<answer>` opened after everything else and never closed means
    the model did not finish: None."""
    lower = text.lower()
    close = lower.rfind("</answer>")
    start = lower.rfind("<answer>", 0, close) if close >= 0 else -1
    opened = lower.rfind("<answer>")
    spans = boxed_spans(text)
    if opened > close and opened > (spans[-1][1] if spans else -1):
        return None
    if start >= 0:
        return _unwrap(text[start + len("<answer>") : close])
    return _unwrap(spans[-1][2]) if spans else None


def verify(text: str, reference: dict, options: dict | None = None) -> base.Verdict:
    """Score the answer with the task's own verifier; the reward is its score clamped to [0, 1]."""
    ref = Reference.model_validate(reference)
    if ref.task not in task_names():
        close = difflib.get_close_matches(ref.task, task_names(), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return base.error(
            f"unknown Reasoning Gym task {ref.task!r}{hint}; `prorl data logic --list` "
            "or GET /v1/domains lists the valid tasks"
        )
    answer = extract(text)
    if answer is None:
        return base.no_answer("no <answer>...</answer> or \\boxed{} in the response")
    shown = answer[:200]
    if len(answer) > MAX_ANSWER_CHARS:
        return base.incorrect(shown, f"answer refused: {len(answer)} characters, over {MAX_ANSWER_CHARS}")
    refused = guard_answer(ref.task, answer)
    if refused:
        return base.incorrect(shown, f"answer refused: {refused}")
    entry = ENTRY_FIXES.get(ref.task, dict)(ref.entry.model_dump())
    try:
        score_answer = scorer(ref.task, json.dumps(ref.config, sort_keys=True) if ref.config else "")
    except Exception as exc:
        return base.error(f"could not build the {ref.task} verifier from config: {type(exc).__name__}: {exc}"[:400])
    try:
        score = score_answer(answer, entry)
    except Exception as exc:
        return _scorer_failed(score_answer, ref.task, entry, shown, exc)
    try:
        reward = float(score)
    except (TypeError, ValueError):
        return base.error(f"the {ref.task} verifier returned {score!r}, not a number")
    reward = min(max(reward, 0.0), 1.0) if math.isfinite(reward) else 0.0
    status = "correct" if reward >= 1.0 else "incorrect"
    return base.Verdict(status, reward, shown, f"{ref.task} verifier score {reward:g}")


def _scorer_failed(score_answer, task: str, entry: dict, shown: str, exc: Exception) -> base.Verdict:
    """A verifier that raises on the model's answer gives it 0, unless it raises on the entry's own
    gold answer too: then the entry is what is broken, and that is the item's error."""
    why = f"{type(exc).__name__}: {str(exc)[:200]}"
    gold = entry.get("answer")
    if isinstance(gold, str):
        try:
            score_answer(gold, entry)
        except Exception as gold_exc:
            return base.error(
                f"the {task} verifier fails on this entry's own answer "
                f"({type(gold_exc).__name__}: {str(gold_exc)[:200]}); is the entry complete?"
            )
    return base.incorrect(shown, f"the {task} verifier rejected the answer ({why})")


install_guards()
