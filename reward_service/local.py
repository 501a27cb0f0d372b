"""`prorl serve` as a child process on a loopback port, for whoever needs a real service for a
while: the trainer when no URL is configured, the sample script, the benchmarks and the tests.
One place starts it, waits for it to be ready and stops it (standard library and httpx only)."""

import os
import socket
import subprocess
import sys
import time

import httpx

__all__ = ["LocalServer", "free_port", "stop_process"]


def free_port() -> int:
    """A loopback TCP port free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen | None, grace_s: float = 30.0) -> None:
    """SIGTERM (`prorl serve` drains), then SIGKILL after `grace_s`; nothing when it has ended."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class LocalServer:
    """`prorl serve --port PORT *args` with `env` over this process's environment; `start()`
    returns once `ready_path` answers 200 (unless `wait=False`), a `with` block stops it.
    `python` is the interpreter to run it with (another virtualenv's, say); `popen` goes to
    subprocess.Popen as it is (stdout, preexec_fn, ...)."""

    def __init__(
        self,
        *args: str,
        env: dict | None = None,
        port: int | None = None,
        python: str = sys.executable,
        ready_path: str = "/readyz",
        timeout_s: float = 120.0,
        **popen,
    ):
        self.args, self.env, self.python, self.popen = args, env or {}, python, popen
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_path, self.timeout_s = ready_path, timeout_s
        self.proc: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> "LocalServer":
        """Start the process, and wait until it is ready unless `wait` is False."""
        self.proc = subprocess.Popen(
            [self.python, "-m", "prorl", "serve", "--port", str(self.port), *self.args],
            env={**os.environ, **self.env},
            **self.popen,
        )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Return once `ready_path` answers 200; RuntimeError (and the process stopped) if it
        exits first or is not ready within `timeout_s`."""
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the reward service exited at start-up with code {self.proc.returncode}; see its log above"
                )
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the reward service at {self.url} was not ready within {self.timeout_s:g} s")

    def stop(self) -> None:
        """SIGTERM (it drains), then SIGKILL after 30 s."""
        stop_process(self.proc)

    def __enter__(self) -> "LocalServer":
        return self.start() if self.proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
