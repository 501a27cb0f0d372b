"""One warm sandbox: `docker run -i` of a sandbox image whose runner (pid 1) takes a job per line
on stdin and answers a line on stdout. The same class drives the runner as a plain process
(`native_command`) so the benchmark can time the identical harness without any sandbox."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass

from reward_service.config import Settings
from reward_service.sandbox.images import INSIDE

__all__ = ["Limits", "Container", "docker_command", "native_command", "new_owner", "LABEL", "remove_containers"]

LABEL = "prorl.sandbox"
_LINE_LIMIT = 256 * 2**20


@dataclass(frozen=True)
class Limits:
    """A container's limits; their defaults live in Settings (`REWARD_SANDBOX_*`), see `of`."""

    memory_mb: int
    cpus: float
    pids: int
    tmpfs_mb: int
    nofile: int = 256  # open files per process: the runner and a program need a few dozen

    @classmethod
    def of(cls, settings: Settings) -> "Limits":
        """The limits `settings` sets."""
        return cls(settings.sandbox_memory_mb, settings.sandbox_cpus, settings.sandbox_pids, settings.sandbox_tmpfs_mb)


def new_owner() -> str:
    """A pool's label value: host and pid (to find a dead service's leftovers), and a token."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def docker_command(image: str, limits: Limits, owner: str) -> list[str]:
    """Every isolation flag of the threat model in reward_service/sandbox/__init__.py."""
    size = limits.tmpfs_mb * 2**20
    return [
        "docker",
        "run",
        "-i",
        "--rm",
        "--name",
        f"prorl-sbx-{uuid.uuid4().hex[:12]}",
        "--label",
        LABEL,
        "--label",
        f"prorl.owner={owner}",
        "--log-driver",
        "none",
        "--network",
        "none",
        "--ipc",
        "private",
        "--hostname",
        "sandbox",
        # Inode caps too: a million empty files would cost memory and a slow reset, not space.
        "--read-only",
        "--tmpfs",
        f"/tmp:rw,exec,nosuid,nodev,size={size},nr_inodes=4096,mode=1777",
        "--tmpfs",
        "/dev/shm:rw,noexec,nosuid,nodev,size=16m,nr_inodes=256,mode=1777",
        "--user",
        "10001:10001",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--pids-limit",
        str(limits.pids),
        "--memory",
        f"{limits.memory_mb}m",
        "--memory-swap",
        f"{limits.memory_mb}m",
        "--cpus",
        str(limits.cpus),
        "--ulimit",
        f"nofile={limits.nofile}:{limits.nofile}",
        "--ulimit",
        f"fsize={size}:{size}",
        "--ulimit",
        "core=0",
        image,
    ]


def native_command() -> list[str]:
    """The runner as a plain local process (benchmarks and tests of our own programs only: no isolation)."""
    return [sys.executable, "-E", "-s", "-S", "-B", str(INSIDE / "runner.py"), "--native"]


class Container:
    """A started runner; `run` sends one job and returns its result dict. Raises RuntimeError
    when the runner is gone or does not answer in time (the caller replaces it)."""

    def __init__(self, command: list[str], env: dict | None = None):
        self.command, self.env = command, env
        self.name = command[command.index("--name") + 1] if "--name" in command else None
        self.proc: asyncio.subprocess.Process | None = None
        self.jobs = 0

    async def start(self, timeout: float) -> None:
        """Start the runner and wait for its greeting; RuntimeError if it does not come."""
        self.proc = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            limit=_LINE_LIMIT,
            start_new_session=True,
        )
        hello = await self._read(timeout)
        if hello.get("ready") is not True:
            raise RuntimeError(f"unexpected greeting from the sandbox: {str(hello)[:200]}")

    async def run(self, job: dict, timeout: float) -> dict:
        """Send one job and return the runner's result; RuntimeError when it is gone or too slow."""
        self.jobs += 1
        try:
            self.proc.stdin.write(json.dumps(job).encode() + b"\n")
            await self.proc.stdin.drain()
        except (ConnectionError, OSError) as exc:
            raise RuntimeError(f"the sandbox stopped taking jobs ({exc})") from None
        return await self._read(timeout)

    async def _read(self, timeout: float) -> dict:
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        except asyncio.TimeoutError:
            raise RuntimeError(f"the sandbox did not answer within {timeout:g} s") from None
        except (ValueError, asyncio.LimitOverrunError):
            raise RuntimeError("the sandbox sent an oversized answer") from None
        if not line:
            raise RuntimeError(f"the sandbox exited: {await self._stderr()}")
        try:
            return json.loads(line)
        except ValueError:
            raise RuntimeError(f"the sandbox sent garbage: {line[:200]!r}") from None

    async def _stderr(self) -> str:
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
            err = await asyncio.wait_for(self.proc.stderr.read(2000), 1)
        except (asyncio.TimeoutError, ValueError):
            return "no message"
        return err.decode("utf-8", "replace").strip() or f"exit code {self.proc.returncode}"

    async def stop(self) -> None:
        """Close its stdin (the runner exits, --rm removes the container), then make sure."""
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            self.proc.stdin.close()
            await asyncio.wait_for(self.proc.wait(), 5)
        except (asyncio.TimeoutError, OSError):
            self.proc.kill()
            await self.proc.wait()

    async def kill(self) -> None:
        """Remove at once, even when the runner is stuck in a job."""
        if self.name:
            rm = await asyncio.create_subprocess_exec(
                "docker",
                "rm",
                "-f",
                self.name,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                await asyncio.wait_for(rm.wait(), 30)
            except asyncio.TimeoutError:
                rm.kill()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def remove_containers(env: dict, owner: str | None = None, only_dead_owners: bool = False) -> int:
    """Force-remove sandbox containers (of `owner`, or all). With `only_dead_owners`, those whose
    owner process on this host is gone: what a crashed service left behind."""
    listed = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label={LABEL}", "--format", '{{.ID}} {{.Label "prorl.owner"}}'],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    doomed = []
    for line in listed.stdout.splitlines():
        cid, _, who = line.partition(" ")
        host, _, pid = who.rpartition(":")[0].rpartition(":")
        if only_dead_owners:
            if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
                doomed.append(cid)
        elif owner is None or who == owner:
            doomed.append(cid)
    if doomed:
        subprocess.run(["docker", "rm", "-f", *doomed], env=env, capture_output=True, timeout=60)
    return len(doomed)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
