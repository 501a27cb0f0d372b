"""What the runner, the zygote and the judge share: the limits put on every process that runs
the program, its scrubbed environment, and JSON lines over pipes."""

import ctypes
import json
import os
import resource
import select
import time

__all__ = ["ENV", "confine", "dumpable", "send", "read_line", "tail"]

ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}


def dumpable(flag: bool) -> None:
    """False: no ptrace, no /proc/<pid>/mem, /fd or /environ of this process for other
    unprivileged processes (the runner, zygote and judge). Forks inherit it; exec resets it."""
    ctypes.CDLL(None, use_errno=True).prctl(4, int(flag), 0, 0, 0)  # PR_SET_DUMPABLE


def confine(memory_bytes: int, cpu_s: float, file_bytes: int, sandboxed: bool) -> None:
    """Run in a fresh child before it runs the program: own session (so its whole process group
    can be killed), address-space, CPU-time and file-size caps, no core files, and first in
    line for the kernel's OOM killer, so the judge processes around it survive."""
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    cpu = int(cpu_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sandboxed:
        try:
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")
        except OSError:
            pass


def send(stream, obj) -> None:
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


def tail(path: str, size: int = 600) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - size))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
