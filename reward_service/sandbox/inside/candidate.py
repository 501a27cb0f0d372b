"""The program's process, as the judge sees it: calls go to serve.py over pipes, values come back
as tagged JSON, and anything else (a crash, an overrun, too much output, garbage) is a `Failure`
with its outcome. The process is restarted for the next call after a failure."""

import builtins
import json
import os
import signal
import subprocess
import time

from codec import decode, encode
from common import ENV, HERE, MB, PYTHON, confine, kill_group, open_output, read_line, send, tail

__all__ = ["Failure", "JudgeError", "Candidate"]


class Failure(BaseException):
    """The program produced no value: outcome is runtime_error, time_limit, ... A BaseException,
    so that test code's `except Exception` cannot turn a crash or a timeout into a pass."""

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
        self.last_failure: Failure | None = None  # the judge checks it after each test
        self.out = os.path.join(job["work"], "stdout")
        self.err = os.path.join(job["work"], "stderr")

    def _start(self, deadline: float) -> None:
        job = self.job
        calls_r, calls_w = os.pipe()
        results_r, results_w = os.pipe()
        out, err = open_output(self.out), open_output(self.err)
        try:
            self.proc = subprocess.Popen(
                [
                    *PYTHON,
                    os.path.join(HERE, "serve.py"),
                    job["source_path"],
                    job["entry_point"],
                    str(calls_r),
                    str(results_w),
                    "1" if self.sandboxed else "0",
                ],
                pass_fds=(calls_r, results_w),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=job["work"],
                env=ENV,
                # Only limits here: this fork still holds the tests until exec, so it stays
                # non-dumpable; serve.py raises its own OOM score once it is a new image.
                preexec_fn=lambda: confine(job["memory_mb"] * MB, job["total_time_limit_s"], job["output_limit_bytes"]),
            )
        finally:
            os.close(out)
            os.close(err)
        os.close(calls_r)
        os.close(results_w)
        self.calls, self.results, self.buffer = os.fdopen(calls_w, "wb"), results_r, bytearray()
        loaded = self._receive(deadline)
        if "load_error" in loaded:
            self._fail(
                "memory_limit" if loaded.get("memory") else "runtime_error",
                "the program failed to load: " + str(loaded["load_error"]),
            )

    def call(self, args: list, kwargs: dict, deadline: float):
        """The program's return value for one call, decoded; raises what it raised (built-ins) or a Failure."""
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
            if answer.get("memory"):
                self._fail("memory_limit", str(answer["raised"]))
            raise _program_exception(answer)
        try:
            return decode(answer["ok"])
        except Exception:
            self._fail("runtime_error", "the program's process sent a malformed value")

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
        if code in (-signal.SIGKILL, -signal.SIGSEGV) and "MemoryError" in tail(self.err):
            return "memory_limit", f"over the {self.job['memory_mb']} MB memory limit"
        if code == -signal.SIGXCPU:
            return "time_limit", "ran out of CPU time"
        if code == -signal.SIGKILL:
            return "memory_limit", "killed (out of memory)"
        stderr = tail(self.err, 250)
        return "runtime_error", f"the program's process exited with {code}: {stderr}"

    def _over_output(self) -> bool:
        return os.path.exists(self.out) and os.path.getsize(self.out) >= self.job["output_limit_bytes"]

    def _fail(self, outcome: str, detail: str):
        self.stop()
        self.last_failure = Failure(outcome, detail)
        raise self.last_failure

    def stop(self) -> None:
        """Kill the program's process group and close its pipes; the next call starts a fresh process."""
        if self.proc is None:
            return
        kill_group(self.proc.pid)
        self.proc.wait()
        self.calls.close()
        os.close(self.results)
        self.proc = None


def _program_exception(answer: dict) -> BaseException:
    """The exception the program raised, re-raised here when it is a built-in one, so test code
    that expects `candidate(-1)` to raise ValueError sees a ValueError; else a Failure."""
    detail = str(answer["raised"])
    cls = getattr(builtins, str(answer.get("type")), None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            exc = cls(detail.partition(": ")[2] or detail)
        except Exception:
            return Failure("runtime_error", detail)
        exc.from_program = detail
        return exc
    return Failure("runtime_error", detail)
