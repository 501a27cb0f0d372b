"""Judges call and assert tests: `judge.py SANDBOXED`, the job as one JSON line on stdin; writes
{"count": n}, then {"test": outcome} per test, then {"done": true} (or {"error": why}).

The program runs in a separate process (serve.py) and only sends back values; this process makes
every comparison, so nothing the program does can rewrite a verdict, and an exit(0), a crash or
an exception inside the program is never a pass. For assert tests (HumanEval's `check(candidate)`,
or MBPP's top-level asserts) `candidate` is a proxy that forwards each call to that process; each
top-level statement of `check` that contains an assert is one test, run whatever the others did.
"""

import ast
import json
import math
import os
import signal
import subprocess
import sys
import time

from codec import Opaque, decode, encode
from common import ENV, confine, read_line, send, tail, dumpable

HERE = os.path.dirname(os.path.abspath(__file__))
MB = 2**20


class Failure(Exception):
    """The program did not produce a value: outcome is runtime_error, time_limit, ..."""

    def __init__(self, outcome: str, detail: str):
        super().__init__(detail)
        self.outcome, self.detail = outcome, detail


class JudgeError(Exception):
    """The tests cannot be run as given (not the program's fault): the item's status is error."""


class Candidate:
    """The program in its own process (serve.py), restarted after it crashes or overruns."""

    def __init__(self, job: dict, sandboxed: bool):
        self.job, self.sandboxed = job, sandboxed
        self.proc = None
        self.out = os.path.join(job["work"], "stdout")

    def _start(self, deadline: float) -> None:
        job = self.job
        calls_r, calls_w = os.pipe()
        results_r, results_w = os.pipe()
        with open(self.out, "ab") as out, open(os.path.join(job["work"], "stderr"), "ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-E", "-s", "-S", "-B", os.path.join(HERE, "serve.py"),
                 job["source_path"], job["entry_point"], str(calls_r), str(results_w)],
                pass_fds=(calls_r, results_w), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                cwd=job["work"], env=ENV,
                preexec_fn=lambda: confine(job["memory_mb"] * MB, job["total_time_limit_s"],
                                           job["output_limit_bytes"], self.sandboxed),
            )
        os.close(calls_r)
        os.close(results_w)
        self.calls, self.results, self.buffer = os.fdopen(calls_w, "wb"), results_r, bytearray()
        loaded = self._receive(deadline)
        if "load_error" in loaded:
            self._fail("memory_limit" if loaded.get("memory") else "runtime_error",
                       "the program failed to load: " + str(loaded["load_error"]))

    def call(self, args: list, kwargs: dict, deadline: float):
        try:
            request = {"args": encode(list(args)), "kwargs": encode(dict(kwargs))}
            json.dumps(request)
        except (TypeError, ValueError, RecursionError) as exc:
            raise JudgeError(f"the test passes an argument that cannot be sent to the program: {exc}") from None
        if self.proc is None:
            self._start(deadline)
        try:
            send(self.calls, request)
        except OSError:
            self._fail("runtime_error", "the program's process stopped reading calls")
        answer = self._receive(deadline)
        if "raised" in answer:
            if self._over_output():
                self._fail("output_limit", f"wrote more than {self.job['output_limit_bytes']} bytes")
            kind = "memory_limit" if answer.get("memory") else "runtime_error"
            raise Failure(kind, str(answer["raised"]))
        try:
            return decode(answer["ok"])
        except Exception:
            raise Failure("runtime_error", "the program's process sent a malformed value") from None

    def _receive(self, deadline: float) -> dict:
        try:
            line = read_line(self.results, deadline, self.job["output_limit_bytes"], self.buffer)
        except OverflowError:
            self._fail("output_limit", f"returned more than {self.job['output_limit_bytes']} bytes")
        if line is None:
            if time.monotonic() >= deadline:
                self._fail("time_limit", f"did not return within {self.job['time_limit_s']:g} s")
            self._fail(*self._death())
        try:
            answer = json.loads(line)
            if not isinstance(answer, dict):
                raise ValueError
            return answer
        except (ValueError, RecursionError):
            self._fail("runtime_error", "the program's process sent malformed data")

    def _death(self) -> tuple[str, str]:
        code = self.proc.wait()
        if self._over_output():
            return "output_limit", f"wrote more than {self.job['output_limit_bytes']} bytes"
        if code in (-signal.SIGKILL, -signal.SIGSEGV) and "MemoryError" in tail(self.out.replace("stdout", "stderr")):
            return "memory_limit", f"over the {self.job['memory_mb']} MB memory limit"
        if code == -signal.SIGXCPU:
            return "time_limit", "ran out of CPU time"
        if code == -signal.SIGKILL:
            return "memory_limit", "killed (out of memory)"
        stderr = tail(self.out.replace("stdout", "stderr"), 250)
        return "runtime_error", f"the program's process exited with {code}: {stderr}"

    def _over_output(self) -> bool:
        return os.path.exists(self.out) and os.path.getsize(self.out) >= self.job["output_limit_bytes"]

    def _fail(self, outcome: str, detail: str):
        self.stop()
        raise Failure(outcome, detail)

    def stop(self) -> None:
        if self.proc is None:
            return
        for kill in (os.killpg, os.kill):
            try:
                kill(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        self.calls.close()
        os.close(self.results)
        self.proc = None


def same(got, want, tolerance: float | None) -> bool:
    """Function-call equality against a JSON `expected`: tuples count as lists, a bool is not a
    number, floats within `tolerance` (relative, and absolute near zero) or 1e-9."""
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is type(want) and got == want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        if isinstance(want, int) and isinstance(got, int):
            return got == want
        tol = 1e-9 if tolerance is None else tolerance
        return math.isclose(got, want, rel_tol=tol, abs_tol=tol) or (math.isnan(got) and math.isnan(want))
    if isinstance(want, list) and isinstance(got, (list, tuple)):
        return len(got) == len(want) and all(same(g, w, tolerance) for g, w in zip(got, want))
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(same(got[k], want[k], tolerance) for k in want)
    return not isinstance(got, Opaque) and type(got) is type(want) and got == want


class Recorder:
    """Per-test deadlines and outcomes, written out as each test ends."""

    def __init__(self, job: dict, count: int):
        self.job, self.count = job, count
        self.total_deadline = time.monotonic() + job["total_time_limit_s"]
        self.done = [False] * count
        self.deadline = self.started = 0.0
        send(sys.stdout.buffer, {"count": count})

    def begin(self, index: int) -> None:
        self.started = time.monotonic()
        self.deadline = min(self.started + self.job["time_limit_s"], self.total_deadline)

    def record(self, index: int, exc: BaseException | None, what: str = "") -> None:
        if isinstance(exc, JudgeError):
            raise exc
        seconds = time.monotonic() - self.started
        if exc is None:
            kind, detail = "passed", ""
        elif isinstance(exc, Failure):
            kind, detail = exc.outcome, exc.detail
        elif isinstance(exc, AssertionError):
            kind, detail = "wrong_answer", f"assertion failed: {what}"
        else:
            kind, detail = "wrong_answer", f"{type(exc).__name__}: {exc} in {what}"
        self.done[index] = True
        test = {"outcome": kind, "time_ms": round(seconds * 1000, 3), "detail": detail[:300]}
        send(sys.stdout.buffer, {"test": test})

    def left(self) -> float:
        return self.total_deadline - time.monotonic()


def run_calls(job: dict, candidate: Candidate) -> None:
    tests = job["tests"]
    recorder = Recorder(job, len(tests))
    for index, test in enumerate(tests):
        recorder.begin(index)
        if recorder.left() <= 0:
            recorder.record(index, Failure("time_limit", "not run: the total time limit was reached"))
            continue
        try:
            got = candidate.call(test.get("args", []), test.get("kwargs", {}), recorder.deadline)
        except Failure as exc:
            recorder.record(index, exc)
            continue
        if same(got, test["expected"], job.get("float_tolerance")):
            recorder.record(index, None)
        else:
            shown = f"expected {json.dumps(test['expected'])[:100]}, got {repr(got)[:100]}"
            recorder.record(index, Failure("wrong_answer", shown))


def _has_assert(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Assert) for n in ast.walk(node))


def _wrap(body: list[ast.stmt], first: int) -> tuple[list[ast.stmt], list[str]]:
    """Each statement containing an assert becomes `begin(i); try: stmt / except e: record(i, e)
    / else: record(i, None)`; returns the new body and each test's source."""
    out, sources = [], []
    for stmt in body:
        if not _has_assert(stmt):
            out.append(stmt)
            continue
        index, text = first + len(sources), ast.unparse(stmt)[:200]
        sources.append(text)
        call = lambda name, *args: ast.Expr(ast.Call(ast.Name(name, ast.Load()), list(args), []))  # noqa: E731
        out += [
            call("__prorl_begin", ast.Constant(index)),
            ast.Try(
                body=[stmt],
                handlers=[ast.ExceptHandler(ast.Name("BaseException", ast.Load()), "__prorl_e", [
                    call("__prorl_record", ast.Constant(index), ast.Name("__prorl_e", ast.Load()), ast.Constant(text)),
                ])],
                orelse=[call("__prorl_record", ast.Constant(index), ast.Constant(None), ast.Constant(text))],
                finalbody=[],
            ),
        ]
    return out, sources


def run_asserts(job: dict, candidate: Candidate) -> None:
    try:
        tree = ast.parse(job["test_code"])
    except SyntaxError as exc:
        raise JudgeError(f"test_code does not parse: {exc}") from None
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    target = checks[-1] if checks else tree
    if not checks and not job["entry_point"].isidentifier():
        raise JudgeError("top-level asserts need a plain function name as entry_point")
    target.body, sources = _wrap(target.body, 0)
    whole = not sources  # no assert statement: check() as a whole is the one test
    recorder = Recorder(job, 1 if whole else len(sources))

    def proxy(*args, **kwargs):
        return candidate.call(args, kwargs, recorder.deadline)

    namespace = {"__name__": "__prorl_test__", "__prorl_begin": recorder.begin, "__prorl_record": recorder.record}
    if not checks:
        namespace[job["entry_point"]] = proxy
    ast.fix_missing_locations(tree)
    try:
        exec(compile(tree, "<test_code>", "exec"), namespace)
        if checks:
            if whole:
                recorder.begin(0)
            namespace["check"](proxy)
            if whole:
                recorder.record(0, None, "check(candidate)")
    except JudgeError:
        raise
    except BaseException as exc:
        why = exc.detail if isinstance(exc, Failure) else f"{type(exc).__name__}: {exc}"
        for index, done in enumerate(recorder.done):
            if not done:
                what = "check(candidate)" if whole else sources[index]
                failure = exc if whole else Failure(
                    getattr(exc, "outcome", "runtime_error"), f"not reached: the test code stopped ({why})")
                recorder.record(index, failure, what)


def main() -> None:
    sandboxed = sys.argv[1] == "1"
    dumpable(False)
    sys.set_int_max_str_digits(0)
    job = json.loads(sys.stdin.buffer.readline())
    candidate = Candidate(job, sandboxed)
    try:
        (run_calls if job["mode"] == "call" else run_asserts)(job, candidate)
        send(sys.stdout.buffer, {"done": True})
    except JudgeError as exc:
        send(sys.stdout.buffer, {"error": str(exc)})
    finally:
        candidate.stop()


if __name__ == "__main__":
    main()
