"""The trainer's local reward service does not outlive the trainer: killed with SIGKILL (or by the
out-of-memory killer), the trainer takes no `with` exit, and the service must still stop."""

import os
import signal
import subprocess
import sys
import time

import pytest

CHILD = """
import os, sys
from trainer.reward import LocalRewardService
service = LocalRewardService(workers=1)
service.__enter__()
print(service.server.proc.pid, flush=True)
sys.stdin.read()  # until killed
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_killed_trainer_takes_its_local_service_down():
    trainer = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    service_pid = int(trainer.stdout.readline())
    os.kill(service_pid, 0)  # alive while the trainer is
    trainer.kill()
    trainer.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(service_pid, 0)
        except ProcessLookupError:
            return
        if _zombie(service_pid):
            return
        time.sleep(0.2)
    os.kill(service_pid, signal.SIGKILL)
    pytest.fail("the local reward service outlived its trainer by 60 s")


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1].startswith("Z")
    except FileNotFoundError:
        return False
