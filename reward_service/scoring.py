"""The one path every item takes, whatever its domain and whichever protocol it came in by.

`score_items` is the entry point of every route. For each distinct item it builds a `Job`,
applies the `</think>` rule (a response whose reasoning never closed has no answer to grade, in
every domain), hands the job to its domain's executor (the checker pool runs `verify` in a
killable worker process; the sandbox pool runs programs in containers), turns anything an
executor or a verifier raised into that one item's `error` (never its batch's), records timing
and metrics, and builds the wire `Result`s. Executors only run jobs; they report what a verifier
raised as a value (`Raised`, or the exception itself) and `settle` decides what it means.
"""

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from pydantic import ValidationError

from reward_service import metrics
from reward_service.config import Settings
from reward_service.schemas import Item, Result
from reward_service.verifiers import DOMAINS, base, get_domain
from reward_service.verifiers.text import final_text

__all__ = [
    "Job",
    "Raised",
    "Outcome",
    "Executor",
    "graded",
    "check",
    "settle",
    "score_item",
    "score_jobs",
    "score_items",
]

_UNCLOSED = "<think> was opened but never closed; no final answer to grade"


@dataclass(frozen=True)
class Job:
    """One item as an executor runs it: `text` is the response (`score_jobs` hands executors the
    graded part, after the `</think>` rule), `options` the domain's options plus the server's limits."""

    domain: str
    text: str
    reference: dict
    options: dict
    timeout_s: float


@dataclass(frozen=True)
class Raised:
    """An exception a verifier raised, as a value: it crosses the worker's process boundary,
    where the exception object itself might not pickle."""

    kind: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> "Raised":
        """The picklable summary of `exc`."""
        return cls(type(exc).__name__, str(exc)[:300])


# What an executor returns for each job: the verdict (or what was raised instead) and its seconds.
Outcome = tuple[base.Verdict | Raised | BaseException, float]


class Executor(Protocol):
    """Runs jobs (the checker pool, the sandbox pool); one outcome per job, in order."""

    async def run(self, jobs: list[Job]) -> list[Outcome]:
        """Run `jobs`; one (verdict or what was raised, seconds) per job, in order."""


def check(job: Job) -> base.Verdict | Raised:
    """The job's verifier on its text (what a checker worker does with a job); never raises."""
    try:
        return get_domain(job.domain).verify(job.text, job.reference, job.options)
    except Exception as exc:  # RecursionError and MemoryError included: `settle` tells them apart
        return Raised.of(exc)


def settle(outcome: base.Verdict | Raised | BaseException) -> base.Verdict:
    """The verdict for an executor's outcome: the catch-all that keeps one item's failure its own."""
    if isinstance(outcome, base.Verdict):
        return outcome
    raised = outcome if isinstance(outcome, Raised) else Raised.of(outcome)
    if raised.kind in ("RecursionError", "MemoryError"):
        return base.timeout(f"check exceeded the worker's limits ({raised.kind})")
    return base.error(f"verifier failed: {raised.kind}: {raised.message}")  # a verifier bug or odd input


def graded(job: Job) -> Job | base.Verdict:
    """The `</think>` rule, for every domain: the job with the graded part of its response as its
    text, or `no_answer` when the reasoning never closed (nothing to grade, nothing to run)."""
    text = final_text(job.text)
    return base.no_answer(_UNCLOSED) if text is None else replace(job, text=text)


def score_item(domain: str, response: str, reference: dict, options: dict) -> base.Verdict:
    """One checker-domain item in this process, by the same rules as the service (tests, warm-up)."""
    job = graded(Job(domain, response, reference, options, 0.0))
    return job if isinstance(job, base.Verdict) else settle(check(job))


async def score_jobs(jobs: Sequence[Job], executors: Mapping[str, Executor]) -> list[tuple[base.Verdict, float]]:
    """(verdict, seconds) for each job, in order: the `</think>` rule, then each job on its
    domain's executor (executors run concurrently), whatever they raised settled per item."""
    ready = [graded(job) for job in jobs]  # each job after the </think> rule, or its no_answer
    outcomes: list[Outcome | None] = [(job, 0.0) if isinstance(job, base.Verdict) else None for job in ready]
    groups: dict[str, list[int]] = {}
    for index, job in enumerate(ready):
        if isinstance(job, Job):
            groups.setdefault(DOMAINS[job.domain].executor, []).append(index)

    async def run(name: str, indices: list[int]) -> None:
        try:
            done = await executors[name].run([ready[i] for i in indices])
        except Exception as exc:  # the executor itself failed: each of its jobs gets the error
            failed = base.error(f"the {name} executor failed: {type(exc).__name__}: {str(exc)[:300]}")
            done = [(failed, 0.0)] * len(indices)
        for index, outcome in zip(indices, done):
            outcomes[index] = outcome

    await asyncio.gather(*(run(name, indices) for name, indices in groups.items()))
    return [(settle(outcome), elapsed) for outcome, elapsed in outcomes]


def job_of(item: Item, settings: Settings) -> Job:
    """The executor's job for a validated item: its options (closed and strict per domain, so as
    validated) and the server's own limits, which no option can change."""
    options = {key: value for key, value in item.options.items() if value is not None}
    timeout = options.pop("timeout_s", settings.default_timeout_s)
    options["max_answer_chars"] = settings.max_answer_chars
    return Job(item.domain, item.response, item.reference, options, timeout)


def _key(job: Job) -> tuple:
    """Identical items share a key (and one check)."""
    try:
        extra = json.dumps([job.reference, job.options], sort_keys=True, default=str)
    except (RecursionError, ValueError):  # nested past what json can write: shared with nothing
        extra = object()
    return job.domain, job.text, extra, job.timeout_s


async def score_items(
    items: Sequence[Item], settings: Settings, executors: Mapping[str, Executor], load
) -> list[Result]:
    """Wire results for validated items, in order; identical items are checked once, and `load`
    (reward_service.admission.Load) counts the distinct ones in flight."""
    unique: dict[tuple, int] = {}
    unique_jobs: list[Job] = []
    slots = []
    for item in items:
        job = job_of(item, settings)
        # One item (the single-sample protocols) has nothing to share: skip hashing its reference.
        slot = unique.setdefault(_key(job), len(unique_jobs)) if len(items) > 1 else 0
        if slot == len(unique_jobs):
            unique_jobs.append(job)
        slots.append(slot)
    with load.holding_items(len(unique_jobs)):
        scored = await score_jobs(unique_jobs, executors)

    unique_results = [_result(verdict, elapsed) for verdict, elapsed in scored]
    for job, result in zip(unique_jobs, unique_results):
        metrics.ITEM_SECONDS.labels(job.domain).observe(result.elapsed_ms / 1000)
        if result.status == "timeout":
            metrics.TIMEOUTS.labels(job.domain).inc()
    results = []
    for item, slot in zip(items, slots):
        result = unique_results[slot]
        metrics.ITEMS.labels(item.domain, result.status).inc()
        results.append(result.model_copy(update={"id": item.id}))  # the id as validated with its item
    return results


def _result(verdict: base.Verdict, elapsed: float) -> Result:
    """The wire result of a verdict (its id still to set). A verdict the wire model refuses (a
    verifier bug: a reward past 1, a test outcome not in the list) is that item's error."""
    elapsed_ms = round(elapsed * 1000, 3)
    try:
        return Result(
            id=None,
            reward=verdict.reward,
            status=verdict.status,
            extracted=verdict.extracted,
            detail=verdict.detail,
            elapsed_ms=elapsed_ms,
            tests=verdict.tests,
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(map(str, first["loc"]))
        detail = f"the verifier returned a malformed verdict ({where}: {first['msg']})"[:500]
        return Result(id=None, reward=0.0, status="error", extracted=None, detail=detail, elapsed_ms=elapsed_ms)
