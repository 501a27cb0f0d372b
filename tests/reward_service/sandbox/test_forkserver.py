"""Attacks on what outlives a job: the forkserver each job's zygote is forked from, and the
runner's own limits. A program may kill, stop, re-limit or reschedule them (same uid); it must
not change what the next job gets. Each attack is followed by a correct program in the same
container, and by a probe that its limits and scheduling are the container's own."""

import pytest

from tests.reward_service.sandbox.helpers import score
from tests.reward_service.sandbox.test_code_hostile import ANSWER_IF, CORRECT, STDIO, assert_still_healthy

pytestmark = pytest.mark.docker

FIND = (
    "import os, resource, signal\n"
    "zygote = os.getppid()\n"
    "forkserver = int(open(f'/proc/{zygote}/stat').read().rpartition(')')[2].split()[1])\n"
)
IOPRIO = "ctypes.CDLL(None).syscall({'x86_64': 252, 'aarch64': 31}[os.uname().machine], 1, PID)"
# The probe's own limits and scheduling are the runner's (pid 1, fresh where an attack hit it).
PROBE = (
    "import ctypes, os, resource\n"
    "same = [f(0) == f(1) for f in (lambda p: os.getpriority(os.PRIO_PROCESS, p), os.sched_getaffinity,\n"
    "        os.sched_getscheduler, lambda p: "
    + IOPRIO.replace("PID", "p")
    + ")]\n"
    + ANSWER_IF.format("resource.getrlimit(resource.RLIMIT_NOFILE)[1] == 256 and all(same)")
)
IOPRIO_SET = "ctypes.CDLL(None).syscall({'x86_64': 251, 'aarch64': 30}[os.uname().machine], 1, PID, 3 << 13)"


def attack_then_check(client, attack: str) -> None:
    score(client, FIND + attack + "\n" + CORRECT, STDIO)
    assert_still_healthy(client)
    assert score(client, PROBE, STDIO)["reward"] == 1.0


@pytest.mark.parametrize(
    "attack",
    [
        "os.kill(forkserver, signal.SIGKILL)",
        "os.kill(forkserver, signal.SIGSTOP)",
        "resource.prlimit(forkserver, resource.RLIMIT_NOFILE, (4, 4))",
        "resource.prlimit(forkserver, resource.RLIMIT_NPROC, (1, 1))",
        "os.setpriority(os.PRIO_PROCESS, forkserver, 19)",
        "resource.prlimit(1, resource.RLIMIT_NOFILE, (8, 8))",
        "resource.prlimit(1, resource.RLIMIT_NPROC, (2, 2))",
        "os.setpriority(os.PRIO_PROCESS, 1, 19)",
        "os.sched_setaffinity(forkserver, {0})",
        "os.sched_setscheduler(forkserver, os.SCHED_IDLE, os.sched_param(0))",
        "import ctypes; " + IOPRIO_SET.replace("PID", "forkserver"),  # the idle I/O class
        "os.sched_setaffinity(1, {0})",
        "os.sched_setscheduler(1, os.SCHED_BATCH, os.sched_param(0))",
        "import ctypes; " + IOPRIO_SET.replace("PID", "1"),
    ],
)
def test_attacks_do_not_reach_the_next_job(sandbox_client, attack):
    attack_then_check(sandbox_client, attack)


def test_the_forkserver_cannot_be_read_or_traced(sandbox_client):
    program = FIND + (
        "import ctypes\nleaks = []\n"
        "for name in ('mem', 'environ', 'maps'):\n"
        "    try:\n        open(f'/proc/{forkserver}/' + name, 'rb').read(1)\n        leaks.append(name)\n"
        "    except OSError:\n        pass\n"
        "traced = ctypes.CDLL(None, use_errno=True).ptrace(16, forkserver, 0, 0) == 0\n"  # PTRACE_ATTACH
        + ANSWER_IF.format("leaks or traced")
    )
    assert score(sandbox_client, program, STDIO)["reward"] == 0.0
    assert_still_healthy(sandbox_client)
