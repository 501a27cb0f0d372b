"""The runner's handles on its forkserver (forkserver.py) and on the zygote each job gets from it.

The forkserver lives across jobs. After every job the runner asks `Forks.check()`, which
replaces it when a program killed it, stopped it, or changed its limits or scheduling (see
forkserver.py). In a sandbox a new forkserver is only started when no other process is left:
a fresh interpreter is traceable until it turns non-dumpable, so nothing may be there to trace it.
"""

import json
import os
import select
import signal
import socket
import subprocess
import time

from common import ENV, HERE, MB, PYTHON, pids, read_line, send, tamperable

__all__ = ["ForkServer", "Forks", "Zygote"]


class ForkServer:
    """forkserver.py as a child process, and what it looked like when it started."""

    START_S = 20  # a fresh interpreter's imports, on a loaded machine
    FORK_S = 5

    def __init__(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [*PYTHON, os.path.join(HERE, "forkserver.py"), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd="/",
                env=ENV,
            )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours
        if json.loads(self._receive(self.START_S) or b"{}").get("ready") is not True:
            self.close()
            raise RuntimeError("the forkserver did not start")
        self.initial = tamperable(self.pid)

    @property
    def pid(self) -> int:
        """The forkserver's process id."""
        return self.proc.pid

    def _receive(self, wait_s: float) -> bytes | None:
        if not select.select([self.sock], [], [], wait_s)[0]:
            return None
        try:
            return self.sock.recv(4096) or None
        except OSError:
            return None

    def fork(self, request: dict, fds: list[int]) -> int | None:
        """The pid of a new zygote serving `fds` (its request and report pipes), or None."""
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
        except OSError:
            return None
        reply = self._receive(self.FORK_S)
        return json.loads(reply)["pid"] if reply else None

    def intact(self) -> bool:
        """Alive, not stopped, with the limits and scheduling it started with."""
        if self.proc.poll() is not None:
            return False
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                state = f.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return False
        return state in ("S", "R") and tamperable(self.pid) == self.initial

    def close(self) -> None:
        """Close the socket and kill the forkserver."""
        self.sock.close()
        self.proc.kill()
        self.proc.wait()


class Forks:
    """The runner's current forkserver, started on first use and replaced when not intact."""

    def __init__(self, sandboxed: bool):
        self.sandboxed = sandboxed
        self.server: ForkServer | None = None

    @property
    def spare(self) -> set[int]:
        """The pids a reset must not kill."""
        return {self.server.pid} if self.server else set()

    def check(self) -> bool:
        """After a job: replace the forkserver unless it is intact; False when that failed."""
        if self.server is not None and not self.server.intact():
            try:
                self.replace()
            except (OSError, RuntimeError):
                return False
        return True

    def replace(self) -> ForkServer:
        """Close the current forkserver and start a new one; in a sandbox only when no other process is left."""
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.sandboxed and pids() - {1, os.getpid()}:
            raise RuntimeError("processes outlived their job: no forkserver is started beside them")
        self.server = ForkServer()
        return self.server

    def close(self) -> None:
        """Close the forkserver, if one runs."""
        if self.server is not None:
            self.server.close()
            self.server = None


class Zygote:
    """One job's zygote (see zygote.py), forked by the forkserver; restarts the forkserver once
    if it does not answer."""

    def __init__(self, forks: Forks, job: dict, work: str, sandboxed: bool):
        request = {"work": work, "language": job["language"], "sandboxed": sandboxed}
        server = forks.server or forks.replace()
        for attempt in (1, 2):
            theirs_r, ours_w = os.pipe()
            ours_r, theirs_w = os.pipe()
            pid = server.fork(request, [theirs_r, theirs_w])
            os.close(theirs_r)
            os.close(theirs_w)
            if pid is not None:
                break
            os.close(ours_r)
            os.close(ours_w)
            if attempt == 2:
                raise RuntimeError("the forkserver did not fork a zygote")
            server = forks.replace()
        try:  # a pidfd, so that close() can never signal some later process given the same pid
            self.pidfd = os.pidfd_open(pid)
        except OSError:
            self.pidfd = None
        self.requests, self.reports = os.fdopen(ours_w, "wb"), ours_r
        self.buffer = bytearray()

    def run(self, request: dict, wait_s: float) -> dict | None:
        """The zygote's report on one run, or None if it died or stopped answering."""
        try:
            send(self.requests, request)
            line = read_line(self.reports, time.monotonic() + wait_s, MB, self.buffer)
            return json.loads(line) if line else None
        except (OSError, ValueError, OverflowError):
            return None

    def close(self) -> None:
        """Close the pipes and SIGKILL the zygote through its pidfd (never a recycled pid)."""
        try:
            self.requests.close()
        except OSError:
            pass
        os.close(self.reports)
        if self.pidfd is not None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except OSError:
                pass
            os.close(self.pidfd)
