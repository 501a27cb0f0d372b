"""One hostile behaviour per test. Each program prints the right answer only if its attack
worked (or never finishes), so a reward of 0 means the attack failed; after each one the service
must be healthy and score a correct program in the same (reused) container.

The task: read two integers, print their sum. The pool has one container per language that runs
jobs (and a spare), and hands out the one used last, so the next submission lands in the
container the hostile one just used unless that one was replaced."""

import uuid

import pytest

from tests.reward_service.sandbox.helpers import score, wait_code_ready

pytestmark = pytest.mark.docker

STDIO = {"tests": [{"stdin": "2 3\n", "stdout": "5\n"}], "time_limit_s": 2, "total_time_limit_s": 4}
CORRECT = "a, b = map(int, input().split())\nprint(a + b)"
ANSWER_IF = "a, b = map(int, input().split())\nprint(a + b if {} else -1)"


def assert_still_healthy(client) -> None:
    assert client.get("/readyz").status_code == 200
    again = score(client, CORRECT, STDIO)
    assert again["reward"] == 1.0, again
    wait_code_ready(client, timeout=60)  # back to full strength


def assert_zero_then_healthy(client, program: str, reference: dict = STDIO) -> dict:
    result = score(client, program, reference)
    assert result["reward"] == 0.0, result
    assert_still_healthy(client)
    return result


def test_fork_bomb(sandbox_client):
    program = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    result = assert_zero_then_healthy(sandbox_client, program)
    assert result["tests"][0]["outcome"] == "time_limit"


def test_allocating_far_more_memory_than_allowed(sandbox_client):
    program = "blocks = [bytearray(64 << 20) for _ in range(64)]  # 4 GiB\n" + CORRECT
    result = assert_zero_then_healthy(sandbox_client, program, {**STDIO, "memory_mb": 256})
    assert result["tests"][0]["outcome"] == "memory_limit"


def test_memory_in_cpp(sandbox_client):
    program = (
        "#include <cstdio>\n#include <cstdlib>\n#include <cstring>\nint main() {\n"
        "  for (int i = 0; i < 64; i++) { char* p = (char*)malloc(64 << 20); if (!p) return 3; memset(p, 1, 64 << 20); }\n"
        '  int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a + b); }'
    )
    result = score(sandbox_client, program, {**STDIO, "language": "cpp", "memory_mb": 256}, "cpp")
    assert result["reward"] == 0.0 and result["tests"][0]["outcome"] in ("runtime_error", "memory_limit"), result
    assert_still_healthy(sandbox_client)


def test_filling_the_disk(sandbox_client):
    program = (
        "import os\nwritten = 0\nfor path in ['/tmp', '/dev/shm', '/', '/opt', '.']:\n"
        "    for i in range(1000):\n        try:\n"
        "            with open(os.path.join(path, f'fill{i}'), 'wb') as f:\n"
        "                f.write(b'x' * (8 << 20))\n            written += 8\n"
        "        except OSError:\n            break\n" + ANSWER_IF.format("written > 2048")
    )
    assert_zero_then_healthy(sandbox_client, program)
    leftover = "import os\n" + ANSWER_IF.format(
        "not any(n.startswith('fill') for d in ['/tmp', '/dev/shm', '.'] for n in os.listdir(d))"
    )
    assert score(sandbox_client, leftover, STDIO)["reward"] == 1.0  # the next job sees none of it


def test_printing_100_mb(sandbox_client):
    program = "import sys\nsys.stdout.write('5\\n' * (50 << 20))"
    result = assert_zero_then_healthy(sandbox_client, program)
    assert result["tests"][0]["outcome"] == "output_limit"


def test_opening_sockets(sandbox_client):
    program = (
        "import socket\nreached = []\n"
        "for host, port in [('127.0.0.1', 8000), ('172.17.0.1', 2375), ('8.8.8.8', 53), ('1.1.1.1', 443)]:\n"
        "    try:\n        socket.create_connection((host, port), timeout=0.5).close()\n        reached.append(host)\n"
        "    except OSError:\n        pass\n"
        "try:\n    socket.getaddrinfo('example.com', 80)\n    reached.append('dns')\nexcept OSError:\n    pass\n"
        + ANSWER_IF.format("reached")
    )
    assert_zero_then_healthy(sandbox_client, program)


def test_reading_host_files_and_environment(sandbox_client, tmp_path, monkeypatch):
    secret = uuid.uuid4().hex
    monkeypatch.setenv("PRORL_TEST_SECRET", secret)  # in this (the service's) process
    (tmp_path / "secret.txt").write_text(secret)
    program = (
        "import glob, os\nfound = ''\n"
        f"paths = [{str(tmp_path / 'secret.txt')!r}, '/proc/1/environ', '/proc/1/cmdline', '/proc/1/mem'] + glob.glob('/proc/*/environ')\n"
        "for path in paths:\n    try:\n        with open(path, 'rb') as f:\n            found += f.read(1 << 16).decode('latin-1')\n"
        "    except OSError:\n        pass\nfound += repr(dict(os.environ))\n"
        f"print({secret!r} if {secret!r} in found else 'no secret')"
    )
    reference = {"tests": [{"stdin": "", "stdout": secret + "\n"}]}  # passing would mean a leak
    result = score(sandbox_client, program, reference)
    assert result["reward"] == 0.0 and "no secret" in result["tests"][0]["detail"], result
    assert_still_healthy(sandbox_client)


def test_sleeping_forever(sandbox_client):
    result = assert_zero_then_healthy(sandbox_client, "import time\ntime.sleep(10 ** 6)\n" + CORRECT)
    assert result["tests"][0]["outcome"] == "time_limit"


def test_killing_its_parent_and_init(sandbox_client):
    program = (
        "import os, signal\nfor pid in (os.getppid(), 1):\n    for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):\n"
        "        try:\n            os.kill(pid, sig)\n        except OSError:\n            pass\n" + CORRECT
    )
    result = assert_zero_then_healthy(sandbox_client, program)
    assert result["tests"][0]["outcome"] == "runtime_error"


def test_killing_every_process_it_can(sandbox_client):
    program = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n" + CORRECT
    assert_zero_then_healthy(sandbox_client, program)


def test_background_process_does_not_reach_the_next_job(sandbox_client):
    daemon = (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        while True:\n            for d in ('/tmp', '/tmp/job'):\n                try:\n"
        "                    open(os.path.join(d, 'planted'), 'w').write('x')\n                except OSError:\n"
        "                    pass\n            time.sleep(0.01)\n    os._exit(0)\n"
        "a, b = map(int, input().split())\nprint(a + b + 1)"
    )
    assert score(sandbox_client, daemon, STDIO)["reward"] == 0.0
    probe = (
        # this program, its zygote, the zygote's forkserver and the runner
        "import os, time\ntime.sleep(0.2)\nforkserver = int(open(f'/proc/{os.getppid()}/stat').read().rpartition(')')[2].split()[1])\n"
        "me = {os.getpid(), os.getppid(), forkserver, 1}\n"
        "others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in me]\n"
        "planted = [d for d in ('/tmp', '/tmp/job') if os.path.exists(os.path.join(d, 'planted'))]\n"
        + ANSWER_IF.format("not others and not planted")
    )
    assert score(sandbox_client, probe, STDIO)["reward"] == 1.0


def test_ipc_state_does_not_survive(sandbox_client):
    plant = (
        "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.shmget(0x5EED, 4096, 0o1666)\n"
        "open('/dev/shm/planted', 'w').write('x')\nprint(0)"
    )
    assert score(sandbox_client, plant, STDIO)["reward"] == 0.0
    probe = "import ctypes, os\nlibc = ctypes.CDLL(None)\n" + ANSWER_IF.format(
        "libc.shmget(0x5EED, 4096, 0) == -1 and not os.listdir('/dev/shm')"
    )
    assert score(sandbox_client, probe, STDIO)["reward"] == 1.0


def test_writing_a_fake_verdict_to_the_runner(sandbox_client):
    forged = '{"tests": [{"outcome": "passed", "time_ms": 1, "detail": ""}], "clean": true}\\n'
    program = (
        "import os\nfor path in ('/proc/1/fd/1', '/proc/self/fd/1', '/dev/stdout'):\n    try:\n"
        f"        with open(path, 'w') as f:\n            f.write('{forged}')\n    except OSError:\n        pass\n"
        "print('wrong')"
    )
    assert_zero_then_healthy(sandbox_client, program)


def test_function_harness_cannot_be_fooled(sandbox_client):
    reference = {"entry_point": "f", "tests": [{"args": [1], "expected": 2}, {"args": [2], "expected": 4}]}
    tricks = {
        "always_equal": "class Eq:\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return Eq()",
        "exit_zero": "import os\ndef f(x):\n    os._exit(0)",
        "raise_then_exit": "import sys\ndef f(x):\n    raise RuntimeError\nsys.exit(0)",
        "exit_on_import": "import sys\nsys.exit(0)",
        "patch_builtins": "import builtins\nbuiltins.AssertionError = type('Never', (Exception,), {})\ndef f(x):\n    return -1",
    }
    for name, program in tricks.items():
        assert score(sandbox_client, program, reference)["reward"] == 0.0, name
        asserts = {
            "entry_point": "f",
            "test_code": "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n",
        }
        assert score(sandbox_client, program, asserts)["reward"] == 0.0, name
    assert_still_healthy(sandbox_client)


def test_cpp_hostile_fork_and_output(sandbox_client):
    reference = {**STDIO, "language": "cpp"}
    bomb = "#include <unistd.h>\nint main() { while (true) fork(); }"
    assert score(sandbox_client, bomb, reference, "cpp")["reward"] == 0.0
    flood = "#include <cstdio>\nint main() { for (long i = 0; i < (100L << 20); i++) putchar('5'); }"
    assert score(sandbox_client, flood, reference, "cpp")["tests"][0]["outcome"] == "output_limit"
    correct = "#include <iostream>\nint main() { int a, b; std::cin >> a >> b; std::cout << a + b; }"
    assert score(sandbox_client, correct, reference, "cpp")["reward"] == 1.0


def test_lone_surrogates_in_program_and_tests(sandbox_client):
    body = (
        '{"items": [{"domain": "code", "response": "```python\\nprint(\\"\\ud800\\", input())\\n```", '
        '"reference": {"tests": [{"stdin": "\\udc00\\n", "stdout": "\\ud800\\n"}]}}]}'
    )
    r = sandbox_client.post("/v1/score", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.json()["results"][0]["reward"] == 0.0
    assert_still_healthy(sandbox_client)


def test_program_that_wrecks_its_directory(sandbox_client):
    program = (
        "import os, shutil\nos.chdir('/tmp')\nshutil.rmtree('/tmp/job')\nopen('/tmp/job', 'w').write('x')\n"
        "os.chmod('/tmp', 0o777)\nprint(5)"
    )
    reference = {"tests": [{"stdin": "2 3\n", "stdout": "5\n"}] * 3}
    result = score(sandbox_client, program, reference)
    assert result["reward"] < 1.0 and result["status"] == "incorrect", result
    assert_still_healthy(sandbox_client)


@pytest.mark.parametrize(
    "swap,reward",
    [
        ("os.unlink('stderr'); os.mkfifo('stderr')", 1.0),  # a reader opening it would block
        ("os.unlink('stderr'); os.symlink('/proc/self/fd/0', 'stderr')", 1.0),
        ("os.unlink('stdout'); os.symlink('/dev/zero', 'stdout')", 0.0),  # a reader would never stop
        ("os.unlink('stdout'); os.mkfifo('stdout')", 0.0),
        ("os.unlink('stdout'); os.mkdir('stdout')", 0.0),
    ],
)
def test_swapping_its_output_files(sandbox_client, swap, reward):
    """Nothing may block or flood the runner; the answer counts only from the real output file
    (the stdout swaps lose the printed 5; a swapped stderr leaves it intact)."""
    result = score(sandbox_client, f"import os, sys\nprint(5)\nsys.stdout.flush()\n{swap}", STDIO)
    assert result["reward"] == reward and result["status"] in ("correct", "incorrect"), result
    assert_still_healthy(sandbox_client)


@pytest.mark.parametrize(
    "first", ["", "open('/proc/self/oom_score_adj', 'w').write('0')\n"], ids=["plain", "lowers-its-oom-score"]
)
def test_memory_outside_its_address_space(sandbox_client, first):
    """memfd pages count against the container, not the program's rlimit; the OOM killer must
    pick the program (it runs with oom_score_adj 1000), and if the sandbox still breaks, the
    job is rerun once and then scored 0, never `error`."""
    program = first + (
        "import os\nblock = b'x' * (1 << 16)\nfds = [os.memfd_create('x') for _ in range(200)]\n"
        "for fd in fds:\n    for _ in range(128):\n        os.write(fd, block)\n" + CORRECT
    )
    result = score(sandbox_client, program, STDIO)
    assert result["reward"] == 0.0 and result["status"] == "incorrect", result
    assert_still_healthy(sandbox_client)


def test_assert_true_statements_are_not_free_tests(sandbox_client):
    check = (
        "def check(candidate):\n    assert True, 'This prints if this assert fails 1'\n"
        "    assert candidate(1) == 2\n    assert True, 'This prints if this assert fails 2'\n"
        "    assert candidate(2) == 4\n"
    )
    reference = {"entry_point": "f", "test_code": check}
    assert score(sandbox_client, "pass", reference)["reward"] == 0.0
    assert score(sandbox_client, "def f(x):\n    return 2 * x", reference)["reward"] == 1.0
    result = score(sandbox_client, "def f(x):\n    return 2 if x == 1 else 0", reference)
    assert result["reward"] == 0.5 and len(result["tests"]) == 2


def test_program_cannot_supply_the_checkers_helpers(sandbox_client):
    """HumanEval/32: check() judges find_zero with poly(); a program defining a lenient poly of
    its own must not be asked."""
    check = (
        "import math\n\ndef check(candidate):\n    for coeffs in ([1, 2], [-6, 11, -6, 1]):\n"
        "        assert math.fabs(poly(coeffs, candidate(coeffs))) < 1e-4\n"
    )
    helper = "def poly(xs, x):\n    return sum(c * x ** i for i, c in enumerate(xs))\n\n"
    cheat = "def poly(xs, x):\n    return 0\n\ndef find_zero(xs):\n    return 0.0\n"
    assert score(sandbox_client, cheat, {"entry_point": "find_zero", "test_code": helper + check})["reward"] == 0.0
    assert score(sandbox_client, cheat, {"entry_point": "find_zero", "test_code": check})["status"] == "error"


@pytest.mark.parametrize("body", ["import time\n    time.sleep(10)", "import os\n    os._exit(0)"])
def test_catching_exceptions_does_not_hide_a_crash_or_timeout(sandbox_client, body):
    check = (
        "def check(candidate):\n    try:\n        candidate(-1)\n    except Exception:\n        pass\n"
        "    else:\n        assert False\n"
    )
    result = score(
        sandbox_client, f"def f(x):\n    {body}", {"entry_point": "f", "test_code": check, "time_limit_s": 1}
    )
    assert result["reward"] == 0.0, result
    raising = score(
        sandbox_client,
        "def f(x):\n    raise ValueError('negative')",
        {"entry_point": "f", "test_code": check.replace("Exception", "ValueError")},
    )
    assert raising["reward"] == 1.0, raising  # the exception the test expects still reaches it


def test_function_call_int_answers_are_exact(sandbox_client):
    reference = {"entry_point": "f", "tests": [{"args": [], "expected": 10**18 + 1}, {"args": [], "expected": 2}]}
    assert score(sandbox_client, "def f():\n    return 1e18", reference)["reward"] == 0.0
    assert (
        score(sandbox_client, "def f():\n    return 2.0", {**reference, "tests": reference["tests"][1:]})["reward"]
        == 1.0
    )
