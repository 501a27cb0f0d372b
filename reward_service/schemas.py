"""Wire models of the HTTP API (pydantic only), shared by the service and its clients."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat

__all__ = [
    "Status",
    "TestOutcomeKind",
    "ItemOptions",
    "Item",
    "TestOutcome",
    "ScoreRequest",
    "Result",
    "ScoreResponse",
    "DomainInfo",
    "DomainsResponse",
    "OpenRLHFRequest",
    "OpenRLHFResponse",
    "SlimeRequest",
    "SlimeResponse",
    "NeMoGymVerifyResponse",
    "RunCodeRequest",
    "CommandRunResult",
    "RunCodeResponse",
]

# The one list of each enumeration; reward_service.verifiers reads them from here.
Status = Literal["correct", "incorrect", "no_answer", "timeout", "error"]
TestOutcomeKind = Literal["passed", "wrong_answer", "runtime_error", "time_limit", "memory_limit", "output_limit"]


class ItemOptions(BaseModel):
    """The options every domain takes; a domain with more subclasses this (its `Domain.options`).
    Closed (an unknown key is an error; nothing here can raise a server limit) and strict (a
    number is a JSON number, not "5" or true), as the published schema says."""

    model_config = ConfigDict(extra="forbid", strict=True)
    timeout_s: float | None = Field(
        default=None,
        ge=0.1,
        allow_inf_nan=False,
        description="Wall-clock limit for this item's check, seconds (>= 0.1, <= the server's REWARD_MAX_TIMEOUT_S).",
    )


# An id comes back as the JSON value it was sent as (true stays true, 1.5 stays 1.5).
Id = bool | int | FiniteFloat | str | None


class Item(BaseModel):
    """One response to score: its domain, the model's output, the gold reference and options."""

    model_config = ConfigDict(extra="forbid")
    id: Id = Field(default=None, description="Echoed back in the result, as sent.")
    domain: str = Field(description="A registered verifier; GET /v1/domains lists them.")
    response: str = Field(description="The model's full output.")
    reference: dict[str, Any] = Field(description="Domain-specific gold data, e.g. {'answer': '1/2'}.")
    options: dict[str, Any] = Field(
        default_factory=dict, description="The domain's options (ItemOptions and its subclasses)."
    )


class ScoreRequest(BaseModel):
    """`POST /v1/score`'s body."""

    model_config = ConfigDict(extra="forbid")
    items: list[Item]


class TestOutcome(BaseModel):
    """How one test of a code item went."""

    outcome: TestOutcomeKind
    time_ms: float
    detail: str


class Result(BaseModel):
    """One item's verdict, as `POST /v1/score` answers it (and the client returns it)."""

    id: Id
    reward: float = Field(ge=0, le=1)
    status: Status
    extracted: str | None
    detail: str
    elapsed_ms: float
    tests: list[TestOutcome] | None = Field(
        default=None, description="Per-test outcomes, for domains that run tests (code); else null."
    )


class ScoreResponse(BaseModel):
    """`POST /v1/score`'s answer: one result per item, in order."""

    results: list[Result]


class DomainInfo(BaseModel):
    """A domain and the JSON schema of its reference."""

    name: str
    description: str
    reference_schema: dict[str, Any]


class DomainsResponse(BaseModel):
    """`GET /v1/domains`'s answer."""

    domains: list[DomainInfo]


# Other frameworks' shapes (docs/integrations.md). A label is any JSON value; how one becomes an
# item is in reward_service/frameworks/labels.py.


class OpenRLHFRequest(BaseModel):
    """OpenRLHF's `--reward.remote_url` body: `query` is prompt + response, decoded with special tokens."""

    model_config = ConfigDict(extra="allow")
    query: list[str] = Field(description="Prompt and response, one string per sample.")
    prompts: list[str] | None = Field(default=None, description="The prompts, to cut off each query's front.")
    labels: list[Any] | None = Field(default=None, description="One label per sample (docs/integrations.md).")


class OpenRLHFResponse(BaseModel):
    """What OpenRLHF's remote reward model reads back."""

    rewards: list[float]
    scores: list[float]
    extra_logs: dict[str, list[float]] = Field(description="Per-sample 0/1 flags of our statuses, and timings.")


class SlimeRequest(BaseModel):
    """slime's `--rm-type remote_rm` body, one sample."""

    model_config = ConfigDict(extra="allow")
    prompt: str | list[Any] | None = None
    response: str
    label: Any = None


class SlimeResponse(BaseModel):
    """What slime's remote reward model reads back."""

    reward: float = Field(ge=0, le=1, description="What `--reward-key reward` makes slime read.")
    status: Status
    detail: str
    extracted: str | None


class NeMoGymVerifyResponse(BaseModel):
    """The request echoed, plus these (NeMo-Gym's BaseVerifyResponse)."""

    model_config = ConfigDict(extra="allow")
    reward: float
    mask_sample: bool = Field(description="True when our infrastructure failed: leave the sample out.")
    failure_kind: str | None = None
    failure_reason: str | None = None
    instance_config: dict[str, Any] = Field(description="mask_sample again, where older NeMo-RL reads it.")
    prorl: dict[str, Any] = Field(description="Our status, detail and extracted answer.")


class RunCodeRequest(BaseModel):
    """SandboxFusion's POST /run_code body."""

    model_config = ConfigDict(extra="ignore")
    code: str
    language: str = Field(description="python or cpp here; others get a SandboxError naming these.")
    stdin: str | None = None
    compile_timeout: float = Field(default=10, gt=0)
    run_timeout: float = Field(default=10, gt=0)
    memory_limit_MB: int = Field(default=-1, description="-1 or 0: the server's default; capped at its limit.")
    files: dict[str, str | None] = Field(default_factory=dict, description="Not supported here: must be empty.")
    fetch_files: list[str] = Field(default_factory=list, description="Not supported here: must be empty.")


class CommandRunResult(BaseModel):
    """SandboxFusion's result of compiling or running a program."""

    status: Literal["Finished", "Error", "TimeLimitExceeded"]
    execution_time: float | None = None
    return_code: int | None = None
    stdout: str | None = None
    stderr: str | None = None


class RunCodeResponse(BaseModel):
    """SandboxFusion's POST /run_code answer."""

    status: Literal["Success", "Failed", "SandboxError"]
    message: str
    compile_result: CommandRunResult | None = None
    run_result: CommandRunResult | None = None
    executor_pod_name: str | None = None
    files: dict[str, str] = Field(default_factory=dict)
