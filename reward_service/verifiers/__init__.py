"""Domain verifiers, registered by name. Each domain has a `Reference` model (what its
`reference` field must hold) and an executor: `checkers` domains are scored by
`verify(text, reference, options) -> Verdict` in the killable worker pool; `sandbox` domains
(code) are run in Docker containers by reward_service.sandbox."""

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from reward_service.schemas import ItemOptions
from reward_service.verifiers import code, instruction, logic, math, stem
from reward_service.verifiers.base import STATUSES, Verdict

__all__ = ["Domain", "DOMAINS", "get_domain", "domain_names", "Verdict", "STATUSES"]


@dataclass(frozen=True)
class Domain:
    """A registered domain: its reference and options models, how it is checked, and by which executor."""

    name: str
    reference: type[BaseModel]
    verify: Callable[[str, dict, dict], Verdict] | None
    description: str
    executor: str = "checkers"
    options: type[ItemOptions] = ItemOptions  # what an item's `options` may hold (closed)


DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in [
        Domain("math", math.Reference, math.verify, "final answer checked by sympy equivalence", options=math.Options),
        Domain("code", code.Reference, None, "program run against test cases in a Docker sandbox", "sandbox"),
        Domain(
            "stem",
            stem.Reference,
            stem.verify,
            "multiple choice by the chosen letter; numbers with units within a relative tolerance",
        ),
        Domain("logic", logic.Reference, logic.verify, "Reasoning Gym puzzle scored by the task's own verifier"),
        Domain(
            "instruction",
            instruction.Reference,
            instruction.verify,
            "IFEval instructions (all 25 types, strict or loose); reward = fraction followed",
            options=instruction.Options,
        ),
    ]
}


def domain_names() -> list[str]:
    """The registered domains, sorted."""
    return sorted(DOMAINS)


def get_domain(name: str) -> Domain:
    """The domain called `name`; ValueError listing the valid names otherwise."""
    try:
        return DOMAINS[name]
    except KeyError:
        raise ValueError(f"unknown domain {name!r}; valid domains: {', '.join(domain_names())}") from None
