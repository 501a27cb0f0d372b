"""The test runner inside a sandbox container: pid 1 there (or a plain process with --native,
for benchmarks and for running the same harness without Docker). Reads one job per line on
stdin, runs the program against every test, writes one result line on stdout.

Who holds what (the threat model is in reward_service/sandbox/__init__.py):
- This runner holds the expected outputs, only in its memory. As pid 1 of its PID namespace it
  cannot be killed from inside (the kernel drops signals it has no handler for), and it is
  non-dumpable, so the program can neither trace it nor read its /proc files.
- No helper's memory ever holds another job's expected outputs: for stdin/stdout tests each job
  gets a zygote that forks once per test (a warm Python for .py programs, an exec of the
  compiled binary for C++), itself forked from the pristine forkserver (forkserver.py); for call
  and assert tests the judge (judge.py), a fresh interpreter that keeps the program in a process
  of its own that only sends back values.
- After each job every other process but the forkserver is killed, the writable mounts are
  emptied and SysV IPC objects removed; the forkserver is replaced unless intact, and the
  runner's own limits and scheduling must be as they were (a program of the same uid can change
  them). The result says whether that worked; if not, the host replaces the container.
"""

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from common import (
    ENV,
    HERE,
    MB,
    PYTHON,
    confine,
    dumpable,
    first_to_die,
    kill_all_but,
    pids,
    read_line,
    read_regular,
    send,
    tail,
    tamperable,
)
from forks import Forks, Zygote

SCRATCH = ["/tmp", "/dev/shm", "/dev/mqueue"]


def prepare(work: str, job: dict) -> str:
    """A fresh `work` directory holding the job's source; the source file's path."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, mode=0o755)
    path = os.path.join(work, "main.py" if job["language"] == "python" else "main.cpp")
    write(path, job["source"])
    return path


def write(path: str, text: str) -> None:
    """Write `text` to `path`, keeping lone surrogates that came in the JSON."""
    with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:  # lone surrogates from JSON
        f.write(text)


def fresh_test_files(work: str, stdin: str) -> None:
    """Whatever the program did to its directory in the last test, start this one clean."""
    if os.path.islink(work) or not os.path.isdir(work):
        raise OSError(f"{work} is no longer a directory")
    os.chmod(work, 0o755)
    for name in ("input", "stdout", "stderr"):
        path = os.path.join(work, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)
    write(os.path.join(work, "input"), stdin)


def compiler_limits(limit: float, sandboxed: bool) -> None:
    """In g++'s child: confine memory, CPU time and file size, and die with the runner when sandboxed."""
    confine(4096 * MB, limit, 64 * MB)
    if sandboxed:  # no program has run in this job yet: nothing could read this fork's memory
        first_to_die()


def compile_cpp(work: str, job: dict, sandboxed: bool) -> dict:
    """g++ on main.cpp: {returncode, timed_out, elapsed, output (its messages)}."""
    limit = job["compile_time_limit_s"]
    log = os.path.join(work, "compile.log")
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["g++", "-std=c++17", "-O2", "-pipe", "-o", "main", "main.cpp"],
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=ENV,
            preexec_fn=lambda: compiler_limits(limit, sandboxed),
        )
        timed_out = False
        try:
            proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            timed_out = True
    message = read_regular(log, 2000)
    return {
        "returncode": proc.returncode,
        "timed_out": timed_out,
        "elapsed": time.monotonic() - started,
        "output": message[0].decode("utf-8", "replace").strip() if message else "",
    }


def compile_error(result: dict, job: dict) -> str | None:
    """Why the program did not compile, or None."""
    if result["timed_out"]:
        return f"compilation took longer than {job['compile_time_limit_s']:g} s"
    if result["returncode"] != 0:
        return result["output"] or f"g++ exited with {result['returncode']}"
    return None


def lines(text: str) -> list[str]:
    """`text`'s lines with trailing whitespace and trailing blank lines dropped."""
    out = [line.rstrip() for line in text.split("\n")]
    while out and not out[-1]:
        out.pop()
    return out


def same_token(got: str, want: str, tolerance: float) -> bool:
    """Whether two output tokens match: equal text, or numbers within `tolerance` (relative, absolute below 1)."""
    if got == want:
        return True
    try:
        a, b = float(got), float(want)
    except ValueError:
        return False
    return abs(a - b) <= tolerance * max(1.0, abs(b))


def compare(got: str, want: str, tolerance: float | None) -> str | None:
    """None when the outputs match (trailing whitespace and blank lines ignored), else why not."""
    got_lines, want_lines = lines(got), lines(want)
    if len(got_lines) != len(want_lines):
        return f"expected {len(want_lines)} lines of output, got {len(got_lines)}"
    for number, (a, b) in enumerate(zip(got_lines, want_lines), 1):
        if a == b:
            continue
        if tolerance is not None:
            ta, tb = a.split(), b.split()
            if len(ta) == len(tb) and all(same_token(x, y, tolerance) for x, y in zip(ta, tb)):
                continue
        return f"line {number}: expected {b[:80]!r}, got {a[:80]!r}"
    return None


def outcome(kind: str, seconds: float = 0.0, detail: str = "") -> dict:
    """One test's outcome record: {outcome, time_ms, detail} with the detail cut to 300 characters."""
    return {"outcome": kind, "time_ms": round(seconds * 1000, 3), "detail": detail[:300]}


def judge_run(run: dict, test: dict, job: dict, work: str, limit: float) -> dict:
    """The outcome of one stdin/stdout run: limits first (time, output, memory), then crashes, then the output."""
    seconds = run["elapsed"]
    err = tail(os.path.join(work, "stderr"))
    output = read_regular(os.path.join(work, "stdout"), job["output_limit_bytes"] + 1)
    size = output[1] if output else 0
    if run["timed_out"] or run["signal"] == signal.SIGXCPU:
        return outcome("time_limit", seconds, f"killed after {limit:.3g} s")
    if size >= job["output_limit_bytes"] or run["signal"] == signal.SIGXFSZ:
        return outcome("output_limit", seconds, f"wrote more than {job['output_limit_bytes']} bytes")
    if "MemoryError" in err or "bad_alloc" in err or (run["signal"] == signal.SIGKILL):
        return outcome("memory_limit", seconds, f"over the {job['memory_mb']} MB memory limit")
    if run["returncode"] != 0 or run["signal"]:
        why = f"killed by signal {run['signal']}" if run["signal"] else f"exit code {run['returncode']}"
        return outcome("runtime_error", seconds, f"{why}: {err[-250:]}")
    if output is None:
        return outcome("runtime_error", seconds, "its output file was removed or replaced by the program")
    got = output[0].decode("utf-8", "replace")
    wrong = compare(got, test["stdout"], job.get("float_tolerance"))
    return outcome("wrong_answer", seconds, wrong) if wrong else outcome("passed", seconds)


def run_stdio(job: dict, work: str, sandboxed: bool, forks: Forks) -> list[dict]:
    """Stdin/stdout tests: every test run by the job's zygote and judged here; a new zygote if one is killed."""
    results = []
    zygote = Zygote(forks, job, work, sandboxed)
    deadline = time.monotonic() + job["total_time_limit_s"]  # from here: a slow forkserver is not the program's time
    try:
        for test in job["tests"]:
            left = deadline - time.monotonic()
            if left <= 0:
                results.append(outcome("time_limit", 0, "not run: the total time limit was reached"))
                continue
            try:
                fresh_test_files(work, test["stdin"])
            except OSError as exc:  # the scratch space is full, or the program wrecked its directory
                results.append(outcome("runtime_error", 0, f"the test could not be set up: {exc}"))
                continue
            limit = min(job["time_limit_s"], left)
            request = {
                "time_limit_s": limit,
                "memory_mb": job["memory_mb"],
                "output_limit_bytes": job["output_limit_bytes"],
            }
            started = time.monotonic()
            run = zygote.run(request, limit + 5)
            if run is None:
                seconds = time.monotonic() - started
                results.append(outcome("runtime_error", seconds, "the program killed or stopped its test runner"))
                zygote.close()
                if sandboxed and not kill_all_but(forks.spare):  # nothing it started may run into the next test
                    raise RuntimeError("the program's processes could not all be killed")
                forks.check()  # when that fails, Zygote() below raises: a runner failure for this job
                zygote = Zygote(forks, job, work, sandboxed)
                continue
            results.append(judge_run(run, test, job, work, limit))
            reap()
    finally:
        zygote.close()
    return results


def run_judge(job: dict, work: str, sandboxed: bool, source: str) -> tuple[list[dict], str | None]:
    """Call and assert tests, through judge.py; (per-test outcomes, job-level error)."""
    proc = subprocess.Popen(
        [*PYTHON, os.path.join(HERE, "judge.py"), "1" if sandboxed else "0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(os.path.join(work, "judge.log"), "wb"),
        cwd=work,
        env=ENV,
    )
    send(proc.stdin, {**job, "source_path": source, "work": work})
    proc.stdin.close()
    deadline = time.monotonic() + job["total_time_limit_s"] + 10
    results, count, error, buffer = [], None, None, bytearray()
    while True:
        try:
            line = read_line(proc.stdout.fileno(), deadline, 4 * MB, buffer)
            message = json.loads(line) if line else None
        except (OverflowError, ValueError):
            message = None
        if not message or "done" in message:
            break
        if "count" in message:
            count = message["count"]
        elif "test" in message:
            results.append(message["test"])
        elif "error" in message:
            error = message["error"]
    proc.kill()
    proc.wait()
    if error is None and count is None:
        error = "the judge stopped before it read the tests: " + tail(os.path.join(work, "judge.log"), 300)
    missing = (count or 0) - len(results)
    results += [outcome("runtime_error", 0, "the judge was stopped before this test (by the program?)")] * missing
    return results, error


def run_once(job: dict, work: str, sandboxed: bool, forks: Forks) -> dict:
    """Run mode (SandboxFusion's /run_code): the program once on `stdin`, nothing compared;
    {"compile": g++'s result or None, "run": the zygote's report with stdout and stderr or None}."""
    compiled = compile_cpp(work, job, sandboxed) if job["language"] == "cpp" else None
    if compiled and compile_error(compiled, job):
        return {"compile": compiled, "run": None}
    fresh_test_files(work, job["stdin"])
    request = {
        "time_limit_s": job["time_limit_s"],
        "memory_mb": job["memory_mb"],
        "output_limit_bytes": job["output_limit_bytes"],
    }
    zygote = Zygote(forks, job, work, sandboxed)
    try:
        run = zygote.run(request, job["time_limit_s"] + 5)
    finally:
        zygote.close()
    if run is None:
        return {"compile": compiled, "run": None, "error": "the program killed or stopped its runner"}
    for name in ("stdout", "stderr"):
        found = read_regular(os.path.join(work, name), job["output_limit_bytes"])
        run[name] = found[0].decode("utf-8", "replace") if found else ""
    return {"compile": compiled, "run": run}


def run_job(job: dict, work: str, sandboxed: bool, forks: Forks) -> dict:
    """One job by its mode (run, stdio, or call/assert through the judge), compiling C++ first."""
    source = prepare(work, job)
    if job["mode"] == "run":
        return run_once(job, work, sandboxed, forks)
    if job["language"] == "cpp":
        message = compile_error(compile_cpp(work, job, sandboxed), job)
        if message is not None:
            return {"compile_error": message, "tests": []}
    if job["mode"] == "stdio":
        return {"tests": run_stdio(job, work, sandboxed, forks)}
    tests, error = run_judge(job, work, sandboxed, source)
    return {"tests": tests, "error": error}


def reap() -> None:
    """Collect every child that has exited, without waiting for the others."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def remove_ipc() -> None:
    """Remove every SysV shared memory segment, message queue and semaphore set."""
    libc = ctypes.CDLL(None)
    for kind, remove in (("shm", libc.shmctl), ("msg", libc.msgctl)):
        for line in _ipc_rows(kind):
            remove(int(line.split()[1]), 0, None)  # IPC_RMID
    for line in _ipc_rows("sem"):
        libc.semctl(int(line.split()[1]), 0, 0)


def _ipc_rows(kind: str) -> list[str]:
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            return f.read().splitlines()[1:]
    except OSError:
        return []


def remove_tree(path: str) -> None:
    """Delete `path` even where the program removed permissions or nested it too deep for rmtree."""
    for parent, dirs, _ in os.walk(path):
        for d in dirs:
            os.chmod(os.path.join(parent, d), 0o700)
    try:
        shutil.rmtree(path)
    except (OSError, RecursionError):  # thousands of levels deep: rm walks it without recursion
        subprocess.run(
            ["rm", "-rf", "--one-file-system", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60
        )


def reset(work: str, forks: Forks, limits: tuple) -> bool:
    """Kill every process but this one and the forkserver, empty the scratch mounts, drop IPC,
    check the forkserver and this runner's limits; True if clean."""
    kill_all_but(forks.spare)
    for root in SCRATCH:
        if not os.path.isdir(root):
            continue
        for name in os.listdir(root):
            path = os.path.join(root, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    remove_tree(path)
                else:
                    os.unlink(path)
            except (OSError, RecursionError, subprocess.SubprocessError):
                pass
    remove_ipc()
    leftovers = [n for root in SCRATCH if os.path.isdir(root) for n in os.listdir(root)]
    if not forks.check():  # no forkserver now: this container is replaced
        return False
    return (
        not (pids() - forks.spare - {1})
        and not leftovers
        and tamperable(os.getpid()) == limits
        and not any(_ipc_rows(k) for k in ("shm", "msg", "sem"))
    )


def main() -> None:
    """Serve jobs from stdin, one result line each, resetting the sandbox after every job."""
    native = "--native" in sys.argv
    sandboxed = not native
    if sandboxed and os.getpid() != 1:
        sys.exit("runner.py: without --native it must be pid 1 of a sandbox container")
    dumpable(False)
    work = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"prorl-job-{os.getpid()}") if native else "/tmp/job"
    out = sys.stdout.buffer
    forks, limits = Forks(sandboxed), tamperable(os.getpid())
    forks.replace()
    send(out, {"ready": True})
    for line in sys.stdin.buffer:
        try:
            result = run_job(json.loads(line), work, sandboxed, forks)
        except Exception as exc:  # a runner bug must not kill pid 1: report it, and recycle
            result = {"tests": [], "error": f"runner failure: {type(exc).__name__}: {exc}"[:500], "clean": False}
        if sandboxed:
            result["clean"] = reset(work, forks, limits) and result.get("clean", True)
        else:
            shutil.rmtree(work, ignore_errors=True)
            result["clean"] = forks.check()
        send(out, result)


if __name__ == "__main__":
    main()
