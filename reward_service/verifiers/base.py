"""The one shape every domain verifier shares: a `Verdict` value and the statuses it may carry.

"The model was wrong" (`incorrect`, `no_answer`) is kept apart from "we could not check it"
(`timeout`, `error`): a trainer may retry or drop the latter, but must never learn from it.
"""

from dataclasses import asdict, dataclass

__all__ = ["Verdict", "STATUSES", "correct", "incorrect", "no_answer", "timeout", "error"]

STATUSES = ("correct", "incorrect", "no_answer", "timeout", "error")


@dataclass(frozen=True)
class Verdict:
    status: str
    reward: float
    extracted: str | None = None
    detail: str = ""
    tests: tuple[dict, ...] | None = None  # per-test outcomes, where a domain runs tests (code)

    def as_dict(self) -> dict:
        return asdict(self)


def correct(extracted: str | None, detail: str = "equivalent to the reference") -> Verdict:
    return Verdict("correct", 1.0, extracted, detail)


def incorrect(extracted: str | None, detail: str = "not equivalent to the reference") -> Verdict:
    return Verdict("incorrect", 0.0, extracted, detail)


def no_answer(detail: str) -> Verdict:
    return Verdict("no_answer", 0.0, None, detail)


def timeout(detail: str, extracted: str | None = None) -> Verdict:
    return Verdict("timeout", 0.0, extracted, detail)


def error(detail: str, extracted: str | None = None) -> Verdict:
    return Verdict("error", 0.0, extracted, detail)
