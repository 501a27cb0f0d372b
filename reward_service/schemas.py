"""Wire models of the HTTP API (pydantic only), shared by the service and its clients."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ItemOptions", "Item", "TestOutcome", "ScoreRequest", "Result", "ScoreResponse", "DomainInfo", "DomainsResponse"]

Status = Literal["correct", "incorrect", "no_answer", "timeout", "error"]


class ItemOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    timeout_s: float | None = Field(
        default=None, ge=0.1, description="Wall-clock limit for this item's check, seconds (>= 0.1)."
    )


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | int | None = Field(default=None, description="Echoed back in the result.")
    domain: str = Field(description="A registered verifier; GET /v1/domains lists them.")
    response: str = Field(description="The model's full output.")
    reference: dict[str, Any] = Field(description="Domain-specific gold data, e.g. {'answer': '1/2'}.")
    options: ItemOptions = Field(default_factory=ItemOptions)


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[Item]


class TestOutcome(BaseModel):
    outcome: Literal["passed", "wrong_answer", "runtime_error", "time_limit", "memory_limit", "output_limit"]
    time_ms: float
    detail: str


class Result(BaseModel):
    id: str | int | None
    reward: float = Field(ge=0, le=1)
    status: Status
    extracted: str | None
    detail: str
    elapsed_ms: float
    tests: list[TestOutcome] | None = Field(
        default=None, description="Per-test outcomes, for domains that run tests (code); else null."
    )


class ScoreResponse(BaseModel):
    results: list[Result]


class DomainInfo(BaseModel):
    name: str
    description: str
    reference_schema: dict[str, Any]


class DomainsResponse(BaseModel):
    domains: list[DomainInfo]
