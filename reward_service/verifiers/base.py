"""The one shape every domain verifier shares: a `Verdict` value and the statuses it may carry.

"The model was wrong" (`incorrect`, `no_answer`) is kept apart from "we could not check it"
(`timeout`, `error`): a trainer may retry or drop the latter, but must never learn from it.
"""

from dataclasses import asdict, dataclass
from typing import get_args

from reward_service.config import Settings
from reward_service.schemas import Status

__all__ = [
    "Verdict",
    "STATUSES",
    "MAX_ANSWER_CHARS",
    "answer_limit",
    "correct",
    "incorrect",
    "no_answer",
    "timeout",
    "error",
]

STATUSES: tuple[str, ...] = get_args(Status)  # the wire's list (reward_service.schemas)
# The longest final answer graded when options carry none (the service always passes REWARD_MAX_ANSWER_CHARS).
MAX_ANSWER_CHARS: int = Settings.model_fields["max_answer_chars"].default


def answer_limit(options: dict | None) -> int:
    """The longest final answer to grade: the server's REWARD_MAX_ANSWER_CHARS, which it puts in
    every item's options, else the default (a verifier called directly, as in the tests)."""
    return int((options or {}).get("max_answer_chars", MAX_ANSWER_CHARS))


@dataclass(frozen=True)
class Verdict:
    """What checking one item found: status, reward, the answer read, and why."""

    status: str
    reward: float
    extracted: str | None = None
    detail: str = ""
    tests: tuple[dict, ...] | None = None  # per-test outcomes, where a domain runs tests (code)

    def as_dict(self) -> dict:
        """The verdict as a plain dict."""
        return asdict(self)


def correct(extracted: str | None, detail: str = "equivalent to the reference") -> Verdict:
    """Reward 1: the answer is right."""
    return Verdict("correct", 1.0, extracted, detail)


def incorrect(extracted: str | None, detail: str = "not equivalent to the reference") -> Verdict:
    """Reward 0: the answer is wrong."""
    return Verdict("incorrect", 0.0, extracted, detail)


def no_answer(detail: str) -> Verdict:
    """Reward 0: there is no final answer to grade."""
    return Verdict("no_answer", 0.0, None, detail)


def timeout(detail: str, extracted: str | None = None) -> Verdict:
    """Reward 0: the check ran out of time or limits (hostile or huge answers)."""
    return Verdict("timeout", 0.0, extracted, detail)


def error(detail: str, extracted: str | None = None) -> Verdict:
    """Not scored: our side failed; a trainer must drop it, never learn from it."""
    return Verdict("error", 0.0, extracted, detail)
