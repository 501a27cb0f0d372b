"""Forks the program once per test: one JSON request per line on its request pipe
({time_limit_s, memory_mb, output_limit_bytes}), one report per line on its report pipe
({returncode, signal, timed_out, elapsed}). Each zygote is a fork of the forkserver made for one
job (forkserver.py), which has already imported this module.

A Python program is compiled once and run in a fork of this warm interpreter (about 1 ms, not the
7+ ms of a new interpreter), with fresh stdio, `__main__`, argv and exit handling, so it behaves
as under `python3 main.py`. The zygote is made fresh for every job and never
sees expected outputs, so a program reading its own memory finds nothing to copy.
"""

import atexit
import builtins
import json
import os
import select
import sys
import time
import traceback
import types

from common import MB, confine, dumpable, first_to_die, kill_all_but, kill_group, send


def run_python(code, path: str) -> None:
    """In the forked child: run the compiled program as `__main__`, then exit like python3 does."""
    sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", errors="surrogateescape", closefd=False)
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="surrogateescape", closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    sys.argv = [path]
    sys.path[0] = os.path.dirname(path)
    main = types.ModuleType("__main__")
    main.__file__, main.__builtins__ = path, builtins
    sys.modules["__main__"] = main
    status = 0
    try:
        if isinstance(code, BaseException):  # a compile error: shown as python3 shows it
            traceback.print_exception(type(code), code, None)
            sys.stderr.flush()
            os._exit(1)
        exec(code, main.__dict__)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            status = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            status = 1
    except BaseException:
        traceback.print_exc()
        status = 1
    os._exit(finish(status, main) & 0xFF)


def finish(status: int, main: types.ModuleType) -> int:
    """What interpreter shutdown does that a bare os._exit would skip: join threads, run atexit,
    flush the std streams (a closed or None one is skipped; a failing stdout flush is exit 120),
    then drop the program's globals so file objects it opened flush as they are finalized."""
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not getattr(stream, "closed", False):
                stream.flush()
        except BaseException:
            if stream is sys.stdout and not status:
                status = 120
    try:
        main.__dict__.clear()  # refcounting finalizes them; a gc pass would cost ms per test
        for stream in (sys.__stdout__, sys.__stderr__):
            if stream is not None and not stream.closed:
                stream.flush()
    except BaseException:
        pass
    return status


def child(work: str, language: str, code, request: dict, sandboxed: bool) -> None:
    """In the forked child: redirect stdio to the test's files, confine it, then exec the binary or run the Python."""
    try:
        os.chdir(work)
        for fd, name, flags in (
            (0, "input", os.O_RDONLY),
            (1, "stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            (2, "stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        ):
            opened = os.open(name, flags | os.O_NOFOLLOW, 0o644)
            os.dup2(opened, fd)
            os.close(opened)
        os.closerange(3, 1 << 16)
        confine(request["memory_mb"] * MB, request["time_limit_s"], request["output_limit_bytes"])
        if sandboxed:
            first_to_die()
        if language == "cpp":
            os.execve("./main", ["./main"], os.environ)
        run_python(code, os.path.join(work, "main.py"))
    except BaseException:
        os._exit(126)


def run_one(work: str, language: str, code, request: dict, sandboxed: bool) -> dict:
    """Run one test in a forked child under its time limit: {returncode, signal, timed_out, elapsed}."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        child(work, language, code, request, sandboxed)
    pidfd = os.pidfd_open(pid)
    timed_out = not select.select([pidfd], [], [], request["time_limit_s"])[0]
    if timed_out:
        kill_group(pid)
    _, status, _ = os.wait4(pid, 0)
    elapsed = time.monotonic() - start
    os.close(pidfd)
    if sandboxed:  # whatever the program left running dies before the next test
        kill_all_but({os.getpid(), os.getppid()})  # this zygote and the forkserver
    else:
        kill_group(pid)
    return {
        "returncode": os.waitstatus_to_exitcode(status),
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
        "timed_out": timed_out,
        "elapsed": elapsed,
    }


def serve(requests, reports, work: str, language: str, sandboxed: bool) -> None:
    """Compile a Python program once, then run one test per request line and send back each report."""
    dumpable(False)
    code = None
    if language == "python":
        path = os.path.join(work, "main.py")
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            source = f.read()
        try:
            code = compile(source, path, "exec")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            code = exc  # raised in each test's child, so stderr shows it as python3 would
    for line in requests:
        send(reports, run_one(work, language, code, json.loads(line), sandboxed))
