"""Code domain: the program is the last fenced block of its language in the response, run
against the reference's tests in a Docker sandbox (reward_service/sandbox). Reward is the
fraction of tests passed; the result lists each test's outcome.

Reference, one of three formats (`language` defaults to python):
- stdin/stdout: `{"language": "python"|"cpp", "tests": [{"stdin": "...", "stdout": "..."}]}`,
  outputs compared line by line ignoring trailing whitespace and trailing blank lines, numbers
  within `float_tolerance` (relative, absolute below 1) when given;
- function call: `{"entry_point": "f", "tests": [{"args": [...], "kwargs": {...}, "expected": ...}]}`
  (`entry_point` may be `Solution().method`);
- assert: `{"entry_point": "f", "test_code": "def check(candidate): ..."}` (HumanEval), or
  top-level asserts calling `f` (MBPP).
Limits: `time_limit_s` per test (2), `total_time_limit_s` for the whole item (5, as in ProRL),
`memory_mb` (512), `compile_time_limit_s` (10, C++ only, not part of the total).
This module only prepares jobs and reads results; it never runs code.
"""

import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reward_service.schemas import TestOutcomeKind
from reward_service.verifiers import base

__all__ = ["Reference", "OUTCOMES", "extract_program", "prepare", "verdict"]

OUTCOMES: tuple[str, ...] = get_args(TestOutcomeKind)  # the wire's list (reward_service.schemas)
FENCE_TAGS = {"python": {"python", "py", "python3"}, "cpp": {"cpp", "c++", "cc", "cxx"}}
_ENTRY = re.compile(r"[A-Za-z_]\w*(\(\))?(\.[A-Za-z_]\w*(\(\))?)*")
_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")  # fence, info string: no nested quantifiers


class Reference(BaseModel):
    """A code item's reference: the tests in one of three formats (stdin/stdout, call, assert) and their limits."""

    model_config = ConfigDict(extra="forbid")
    language: Literal["python", "cpp"] = "python"
    tests: list[dict[str, Any]] | None = Field(default=None, min_length=1, description="stdin/stdout or call tests.")
    entry_point: str | None = Field(
        default=None, max_length=200, description="Function to call (call and assert formats)."
    )
    test_code: str | None = Field(default=None, max_length=1_000_000, description="HumanEval-style check(candidate).")
    float_tolerance: float | None = Field(default=None, ge=0, le=1)
    time_limit_s: float = Field(default=2.0, gt=0, le=60)
    total_time_limit_s: float = Field(default=5.0, gt=0, le=600)
    memory_mb: int = Field(default=512, ge=32, le=16384)
    compile_time_limit_s: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _one_format(self):
        if (self.tests is None) == (self.test_code is None):
            raise ValueError(
                "give exactly one of 'tests' (stdin/stdout or function-call) and 'test_code' (assert style)"
            )
        if self.mode != "stdio":
            if self.language != "python":
                raise ValueError("function-call and assert tests are Python only; C++ takes stdin/stdout tests")
            if not self.entry_point or not _ENTRY.fullmatch(self.entry_point):
                raise ValueError(
                    "function-call and assert tests need 'entry_point': a name such as 'add' or 'Solution().twoSum'"
                )
        for i, test in enumerate(self.tests or []):
            if self.mode == "stdio":
                if set(test) != {"stdin", "stdout"} or not all(isinstance(v, str) for v in test.values()):
                    raise ValueError(f"tests[{i}] must be {{'stdin': str, 'stdout': str}} like tests[0]")
            elif (
                "expected" not in test
                or set(test) - {"args", "kwargs", "expected"}
                or not isinstance(test.get("args", []), list)
                or not isinstance(test.get("kwargs", {}), dict)
            ):
                raise ValueError(
                    f"tests[{i}] must be {{'args': list, 'kwargs': dict, 'expected': value}} like tests[0]"
                )
        return self

    @property
    def mode(self) -> str:
        """The test format: 'assert' (test_code), 'stdio' (stdin/stdout tests) or 'call'."""
        if self.test_code is not None:
            return "assert"
        return "stdio" if "stdin" in self.tests[0] else "call"


def extract_program(text: str, language: str) -> str | None:
    """The last closed fenced block tagged with `language` (```python, ```cpp, ...), or None."""
    tags = FENCE_TAGS[language]
    found, fence, tag, body = None, None, None, []
    for line in text.split("\n"):
        if fence is None:
            opened = _OPEN.fullmatch(line.rstrip())
            if opened and not (opened.group(1)[0] == "`" and "`" in opened.group(2)):
                words = opened.group(2).split()
                fence, tag, body = opened.group(1), (words[0].lower() if words else ""), []
        elif line.strip() and set(line.strip()) == {fence[0]} and len(line.strip()) >= len(fence):
            if tag in tags:
                found = "\n".join(body) + "\n"
            fence = None
        else:
            body.append(line)
    return found


def prepare(text: str, reference: dict, output_limit_bytes: int, max_memory_mb: int) -> tuple[dict, str] | base.Verdict:
    """(the runner's job, the program), or the verdict when there is nothing to run."""
    ref = Reference.model_validate(reference)
    program = extract_program(text, ref.language)
    if program is None:
        names = " / ".join(f"```{t}" for t in sorted(FENCE_TAGS[ref.language]))
        return base.no_answer(f"no closed {names} block in the response")
    if ref.memory_mb > max_memory_mb:
        return base.error(
            f"memory_mb {ref.memory_mb} is over this service's limit of {max_memory_mb} "
            "(raise REWARD_SANDBOX_MEMORY_MB)"
        )
    job = ref.model_dump(exclude_none=True)
    job.update(mode=ref.mode, source=program, output_limit_bytes=output_limit_bytes)
    return job, program


def verdict(result: dict, program: str) -> base.Verdict:
    """The verdict from the runner's result: the fraction of tests passed, and the first failure in the detail."""
    shown = program[:2000]
    if result.get("error"):
        return base.error(f"the tests could not be run: {result['error']}", shown)
    if result.get("compile_error"):
        return base.Verdict("incorrect", 0.0, shown, f"compile error: {result['compile_error']}", ())
    tests = tuple(result["tests"])
    passed = sum(t["outcome"] == "passed" for t in tests)
    summary = f"{passed}/{len(tests)} tests passed"
    failed = next(((i, t) for i, t in enumerate(tests) if t["outcome"] != "passed"), None)
    if failed:
        i, t = failed
        summary += f"; test {i}: {t['outcome']}" + (f" ({t['detail']})" if t["detail"] else "")
    status = "correct" if tests and passed == len(tests) else "incorrect"
    return base.Verdict(status, passed / len(tests) if tests else 0.0, shown, summary, tests)
