"""What the runner, the zygote and the judge share: the limits put on every process that runs
the program, its scrubbed environment, and JSON lines over pipes."""

import ctypes
import json
import os
import resource
import select
import signal
import stat
import sys
import time

__all__ = [
    "ENV",
    "HERE",
    "PYTHON",
    "MB",
    "confine",
    "kill_group",
    "kill_all_but",
    "pids",
    "tamperable",
    "first_to_die",
    "dumpable",
    "send",
    "read_line",
    "read_regular",
    "open_output",
    "tail",
]

ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = [sys.executable, "-E", "-s", "-S", "-B"]  # no environment, no site: only this folder's code
MB = 2**20
_LIBC = ctypes.CDLL(None, use_errno=True)
_IOPRIO_GET = {"x86_64": 252, "aarch64": 31}.get(os.uname().machine)  # syscall numbers


def dumpable(flag: bool) -> None:
    """False: no ptrace, no /proc/<pid>/mem, /fd or /environ of this process for other
    unprivileged processes (the runner, zygote and judge). Forks inherit it; exec resets it."""
    _LIBC.prctl(4, int(flag), 0, 0, 0)  # PR_SET_DUMPABLE


def confine(memory_bytes: int, cpu_s: float, file_bytes: int) -> None:
    """Run in a fresh child before it runs the program: own session (so its whole process group
    can be killed), address-space, CPU-time and file-size caps, a 64 MB stack (deep recursion is
    legal in C++; glibc also reserves this much address space per thread, so not more), no core
    files."""
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    stack = min(64 * 2**20, memory_bytes // 4)
    resource.setrlimit(resource.RLIMIT_STACK, (stack, stack))
    cpu = int(cpu_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def kill_group(pid: int) -> None:
    """SIGKILL the process `pid` and its process group (it was started in a session of its own)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def pids() -> set[int]:
    """Every process this container's /proc shows."""
    return {int(name) for name in os.listdir("/proc") if name.isdigit()}


def kill_all_but(spare: set[int]) -> bool:
    """SIGKILL every process but pid 1 and `spare` until none is left (a fork bomb races the
    first rounds; the pids cap bounds it). True if none is left. Only inside a sandbox, where
    every process but these belongs to the program."""
    spare = spare | {1}
    for attempt in range(200):
        doomed = pids() - spare
        if not doomed:
            return True
        for pid in doomed:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        while True:  # reap those that are ours
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        time.sleep(0.0002 * attempt)
    return not (pids() - spare)


def tamperable(pid: int) -> tuple:
    """What any process of `pid`'s uid may change about it and its future forks: resource limits,
    nice value, CPU affinity, scheduling policy and priority, I/O priority. () when it is gone."""
    try:
        with open(f"/proc/{pid}/limits") as f:
            limits = f.read()
        io = _LIBC.syscall(_IOPRIO_GET, 1, pid) if _IOPRIO_GET else None  # IOPRIO_WHO_PROCESS
        return (
            limits,
            os.getpriority(os.PRIO_PROCESS, pid),
            frozenset(os.sched_getaffinity(pid)),
            os.sched_getscheduler(pid),
            os.sched_getparam(pid).sched_priority,
            io,
        )
    except OSError:
        return ()


def first_to_die() -> None:
    """Put this process first in line for the kernel's OOM killer, before the runner, zygote and
    judge. Writing /proc/self needs a dumpable process, so call it only where no secret is in
    memory (the zygote's forks, the compiler before any program ran, serve.py after exec)."""
    dumpable(True)
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def send(stream, obj) -> None:
    """Write `obj` as one JSON line to `stream` and flush it."""
    stream.write(json.dumps(obj).encode() + b"\n")
    stream.flush()


def read_line(fd: int, deadline: float, limit: int, buffer: bytearray) -> bytes | None:
    """One line from `fd` by `deadline` (monotonic), at most `limit` bytes. None on end of
    file or timeout; raises OverflowError past the limit. `buffer` keeps what follows the line."""
    while b"\n" not in buffer:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        buffer += chunk
        if len(buffer) > limit:
            raise OverflowError(f"more than {limit} bytes")
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line


def read_regular(path: str, limit: int, from_end: bool = False) -> tuple[bytes, int] | None:
    """At most `limit` bytes of the regular file at `path` (its last ones with `from_end`) and its
    size; None when it is missing or not a plain file. The program may have swapped it for a
    FIFO, a symlink to /dev/zero or a directory: none of those may block or flood the reader."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if from_end:
            os.lseek(fd, max(0, info.st_size - limit), os.SEEK_SET)
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks), info.st_size
    except OSError:
        return None
    finally:
        os.close(fd)


def open_output(path: str) -> int:
    """A file descriptor appending to `path`, which is made a plain file first if the program
    replaced it (a FIFO there would block the opener)."""
    if os.path.lexists(path) and (os.path.islink(path) or not os.path.isfile(path)):
        os.unlink(path) if not os.path.isdir(path) or os.path.islink(path) else os.rename(path, path + ".moved")
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)


def tail(path: str, size: int = 600) -> str:
    """The last `size` bytes of the regular file at `path` as stripped text; empty if it is missing or not regular."""
    found = read_regular(path, size, from_end=True)
    return found[0].decode("utf-8", "replace").strip() if found else ""
