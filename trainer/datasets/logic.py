"""Logic training rows generated offline by Reasoning Gym (procedural puzzles with their own
verifiers; ProRL's logic domain). Reference: `{"task": name, "entry": {question, answer,
metadata}}`, which the logic verifier scores with the task's own `score_answer`.

Each task gets its own seed derived from the run's seed and the task name (a hash, not Python's
salted `hash()`), so adding a task to the list does not change the others' puzzles.
"""

import hashlib
import json
from fractions import Fraction

from reward_service.verifiers.logic import task_names
from trainer.data import Row
from trainer.datasets import templates

__all__ = ["DOMAIN", "SAMPLE_TASKS", "task_names", "task_seed", "generate"]

DOMAIN = "logic"
# The built-in sample set: quick to generate, and each entry's stored answer is one its scorer accepts.
SAMPLE_TASKS = (
    "countdown",
    "mini_sudoku",
    "knights_knaves",
    "word_sorting",
    "basic_arithmetic",
    "syllogism",
    "zebra_puzzles",
    "maze",
    "letter_counting",
    "family_relationships",
    "number_sorting",
    "spell_backward",
)


def task_seed(task: str, seed: int) -> int:
    """A task's own seed, from `seed` and its name: adding a task changes no other task's rows."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{task}".encode()).digest()[:4], "big")


def _parse_tasks(tasks: str | list[str]) -> list[str]:
    valid = task_names()
    if isinstance(tasks, str):
        tasks = valid if tasks.strip() == "all" else [t.strip() for t in tasks.split(",") if t.strip()]
    if not tasks:
        raise ValueError("no tasks given; name some with --tasks countdown,sudoku or use --tasks all (see --list)")
    unknown = [t for t in tasks if t not in valid]
    if unknown:
        raise ValueError(
            f"unknown reasoning-gym task {unknown[0]!r}; run `prorl data logic --list` for the {len(valid)} valid tasks"
        )
    return list(dict.fromkeys(tasks))


def _jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, Fraction):  # gsm_symbolic's metadata
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def generate(tasks: str | list[str], count: int, seed: int, settings: dict[str, dict] | None = None) -> list[Row]:
    """`count` rows per task, each task seeded by `task_seed(task, seed)`; `settings` maps a task
    to its Reasoning Gym config fields (e.g. `{"chain_sum": {"max_terms": 3}}`, to make it easier)."""
    import reasoning_gym

    if count < 1:
        raise ValueError(f"--count must be at least 1, got {count}")
    rows = []
    for task in _parse_tasks(tasks):
        try:
            dataset = reasoning_gym.create_dataset(
                task, size=count, seed=task_seed(task, seed), **(settings or {}).get(task, {})
            )
        except TypeError as exc:  # a settings key the task's config does not have
            raise ValueError(f"reasoning-gym task {task!r} refused its settings: {exc}") from None
        for index in range(count):
            entry = dataset[index]
            try:
                entry = json.loads(
                    json.dumps(
                        {
                            "question": entry["question"],
                            "answer": entry["answer"],
                            "metadata": entry.get("metadata", {}),
                        },
                        default=_jsonable,
                    )
                )
            except TypeError as exc:
                raise ValueError(
                    f"reasoning-gym task {task!r} made an entry that is not JSON ({exc}); leave it out of --tasks"
                ) from None
            rows.append(
                Row(
                    templates.logic_prompt(entry["question"]),
                    DOMAIN,
                    {"task": task, "entry": entry},
                    {"id": f"{task}-{seed}-{index}", "source": "reasoning_gym"},
                )
            )
    return rows
