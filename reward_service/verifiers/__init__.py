"""Domain verifiers, registered by name. Each domain has a `Reference` model (what its
`reference` field must hold) and `verify(text, reference, options) -> Verdict`."""

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from reward_service.verifiers import math
from reward_service.verifiers.base import STATUSES, Verdict

__all__ = ["Domain", "DOMAINS", "get_domain", "domain_names", "Verdict", "STATUSES"]


@dataclass(frozen=True)
class Domain:
    name: str
    reference: type[BaseModel]
    verify: Callable[[str, dict, dict], Verdict]
    description: str


DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in [
        Domain("math", math.Reference, math.verify, "final answer checked by sympy equivalence"),
    ]
}


def domain_names() -> list[str]:
    return sorted(DOMAINS)


def get_domain(name: str) -> Domain:
    try:
        return DOMAINS[name]
    except KeyError:
        raise ValueError(f"unknown domain {name!r}; valid domains: {', '.join(domain_names())}") from None
