"""Judges call and assert tests: `judge.py SANDBOXED`, the job as one JSON line on stdin; writes
{"count": n}, then {"test": outcome} per test, then {"done": true} (or {"error": why}).

The program runs in a separate process (serve.py, driven through candidate.py) and only sends
back values; this process makes every comparison, so nothing the program does can rewrite a
verdict, and an exit(0), a crash or a timeout inside the program is never a pass. Assert tests:
asserts.py.
"""

import json
import math
import sys
import time

from asserts import run_asserts
from candidate import Candidate, Failure, JudgeError
from codec import Opaque
from common import dumpable, send


def same(got, want, tolerance: float | None) -> bool:
    """Function-call equality against a JSON `expected`: tuples count as lists, a bool is not a
    number, an int must be matched exactly, floats within `tolerance` (relative, and absolute
    near zero) or 1e-9."""
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is type(want) and got == want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        if isinstance(want, int):  # an exact answer: 2.0 may stand for 2, 1e18 not for 10**18 + 1
            return got == want
        tol = 1e-9 if tolerance is None else tolerance
        return math.isclose(got, want, rel_tol=tol, abs_tol=tol) or (math.isnan(got) and math.isnan(want))
    if isinstance(want, list) and isinstance(got, (list, tuple)):
        return len(got) == len(want) and all(same(g, w, tolerance) for g, w in zip(got, want))
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(same(got[k], want[k], tolerance) for k in want)
    return not isinstance(got, Opaque) and type(got) is type(want) and got == want


class Recorder:
    """Per-test deadlines and outcomes, written out as each test ends. A test during which the
    program failed (crashed, overran) fails, whatever the test code caught."""

    def __init__(self, job: dict, count: int, candidate: Candidate, free_names: set[str] = frozenset()):
        self.job, self.count, self.candidate, self.free_names = job, count, candidate, free_names
        self.total_deadline = time.monotonic() + job["total_time_limit_s"]
        self.done = [False] * count
        self.deadline = self.started = 0.0
        send(sys.stdout.buffer, {"count": count})

    def begin(self, index: int) -> None:
        """Start test `index`: its deadline is the per-test limit, capped by the total one."""
        self.started = time.monotonic()
        self.deadline = min(self.started + self.job["time_limit_s"], self.total_deadline)
        self.candidate.last_failure = None

    def check_name(self, exc: BaseException) -> None:
        """Raise a JudgeError when `exc` is a NameError for a helper the test code uses but never defines."""
        if isinstance(exc, NameError) and getattr(exc, "name", None) in self.free_names:
            raise JudgeError(
                f"test_code uses {exc.name!r} but does not define it; put the helpers it needs "
                "(e.g. the prompt's functions) into test_code"
            ) from None

    def record(self, index: int, exc: BaseException | None, what: str = "") -> None:
        """Write test `index`'s outcome: passed, or why not; the program's own failure wins over `exc`."""
        if isinstance(exc, JudgeError):
            raise exc
        if exc is not None:
            self.check_name(exc)
        exc = exc or self.candidate.last_failure
        seconds = time.monotonic() - self.started
        if exc is None:
            kind, detail = "passed", ""
        elif isinstance(exc, Failure):
            kind, detail = exc.outcome, exc.detail
        elif getattr(exc, "from_program", None):
            kind, detail = "runtime_error", exc.from_program
        elif isinstance(exc, AssertionError):
            kind, detail = "wrong_answer", f"assertion failed: {what}"
        else:
            kind, detail = "wrong_answer", f"{type(exc).__name__}: {exc} in {what}"
        self.done[index] = True
        test = {"outcome": kind, "time_ms": round(seconds * 1000, 3), "detail": detail[:300]}
        send(sys.stdout.buffer, {"test": test})

    def left(self) -> float:
        """Seconds left of the job's total time limit."""
        return self.total_deadline - time.monotonic()


def run_calls(job: dict, candidate: Candidate) -> None:
    """Call tests: each test's args go to the program, and its return value is compared here."""
    tests = job["tests"]
    recorder = Recorder(job, len(tests), candidate)
    for index, test in enumerate(tests):
        recorder.begin(index)
        if recorder.left() <= 0:
            recorder.record(index, Failure("time_limit", "not run: the total time limit was reached"))
            continue
        try:
            got = candidate.call(test.get("args", []), test.get("kwargs", {}), recorder.deadline)
        except Exception as exc:  # what the program raised
            recorder.record(index, exc)
            continue
        except Failure as exc:
            recorder.record(index, exc)
            continue
        if same(got, test["expected"], job.get("float_tolerance")):
            recorder.record(index, None)
        else:
            shown = f"expected {json.dumps(test['expected'])[:100]}, got {repr(got)[:100]}"
            recorder.record(index, Failure("wrong_answer", shown))


def main() -> None:
    """Read the job from stdin, run its call or assert tests, and write the outcomes as JSON lines."""
    sandboxed = sys.argv[1] == "1"
    dumpable(False)
    sys.set_int_max_str_digits(0)
    job = json.loads(sys.stdin.buffer.readline())
    candidate = Candidate(job, sandboxed)
    try:
        if job["mode"] == "call":
            run_calls(job, candidate)
        else:
            run_asserts(job, candidate, lambda count, free: Recorder(job, count, candidate, free))
        send(sys.stdout.buffer, {"done": True})
    except JudgeError as exc:
        send(sys.stdout.buffer, {"error": str(exc)})
    finally:
        candidate.stop()


if __name__ == "__main__":
    main()
