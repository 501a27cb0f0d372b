"""Correct, wrong, partially correct, compile-error and timeout submissions for every reference
format and both languages, scored through the HTTP API in real sandbox containers."""

import pytest

from tests.reward_service.sandbox.helpers import score

pytestmark = pytest.mark.docker

PAIRS = [(1, 2), (3, 4), (10, 20), (30, 40)]
STDIO = {"tests": [{"stdin": f"{a} {b}\n", "stdout": f"{a + b}\n"} for a, b in PAIRS], "time_limit_s": 1}
CALLS = {"entry_point": "add", "tests": [{"args": [a, b], "expected": a + b} for a, b in PAIRS], "time_limit_s": 1}
ASSERTS = {
    "entry_point": "add",
    "time_limit_s": 1,
    "test_code": "def check(candidate):\n" + "".join(f"    assert candidate({a}, {b}) == {a + b}\n" for a, b in PAIRS),
}

PY_STDIO = {
    "correct": "a, b = map(int, input().split())\nprint(a + b)",
    "wrong": "a, b = map(int, input().split())\nprint(a - b)",
    "partial": "a, b = map(int, input().split())\nprint(a + b if a < 5 else 0)",
    "compile_error": "a, b = map(int, input().split()\nprint(a + b)",
    "timeout": "while True:\n    pass",
}
PY_FUNCTION = {
    "correct": "def add(a, b):\n    return a + b",
    "wrong": "def add(a, b):\n    return a - b",
    "partial": "def add(a, b):\n    return a + b if a < 5 else 0",
    "compile_error": "def add(a, b)\n    return a + b",
    "timeout": "def add(a, b):\n    while True:\n        pass",
}
CPP = {
    "correct": "#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }",
    "wrong": "#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a - b << '\\n'; }",
    "partial": "#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << (a < 5 ? a + b : 0) << '\\n'; }",
    "compile_error": "#include <iostream>\nint main() { std::cout << undeclared; }",
    "timeout": "int main() { volatile long x = 0; while (true) x++; }",
}
REWARDS = {"correct": 1.0, "wrong": 0.0, "partial": 0.5, "compile_error": 0.0, "timeout": 0.0}
CASES = [
    ("python", "stdio", PY_STDIO, STDIO),
    ("python", "function", PY_FUNCTION, CALLS),
    ("python", "assert", PY_FUNCTION, ASSERTS),
    ("cpp", "stdio", CPP, {**STDIO, "language": "cpp"}),
]


@pytest.mark.parametrize("kind", list(REWARDS))
@pytest.mark.parametrize("language,fmt,programs,reference", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_submission(sandbox_client, language, fmt, programs, reference, kind):
    result = score(sandbox_client, programs[kind], reference, language)
    assert result["reward"] == REWARDS[kind], result
    assert result["status"] == ("correct" if kind == "correct" else "incorrect"), result
    outcomes = [t["outcome"] for t in result["tests"] or []]
    if kind == "correct":
        assert outcomes == ["passed"] * 4
    elif kind == "wrong":
        assert outcomes == ["wrong_answer"] * 4
    elif kind == "partial":
        assert outcomes == ["passed", "passed", "wrong_answer", "wrong_answer"]
    elif kind == "timeout":
        assert set(outcomes) == {"time_limit"} and len(outcomes) == 4, outcomes
    elif language == "cpp":
        assert outcomes == [] and "compile error" in result["detail"] and "undeclared" in result["detail"]
    else:
        assert set(outcomes) == {"runtime_error"} and "SyntaxError" in result["tests"][0]["detail"]


def test_total_time_limit_stops_the_rest(sandbox_client):
    reference = {**STDIO, "time_limit_s": 0.6, "total_time_limit_s": 1.0}
    result = score(sandbox_client, PY_STDIO["timeout"], reference)
    outcomes = result["tests"]
    assert [t["outcome"] for t in outcomes] == ["time_limit"] * 4
    assert "not run" in outcomes[2]["detail"] and "not run" in outcomes[3]["detail"]


@pytest.mark.parametrize(
    "printed,expected,reward",
    [
        ("3  \n\n\n", "3\n", 1.0),  # trailing spaces and blank lines are ignored
        ("3\r\n", "3\n", 1.0),  # so is a CR before the newline
        ("1\n", "1\n2\n3\n", 0.0),  # missing lines are wrong (no zip over lines)
        ("1\n2\n3\n4\n", "1\n2\n3\n", 0.0),  # and so are extra ones
        ("", "0\n", 0.0),
        (" 3\n", "3\n", 0.0),  # leading whitespace counts
    ],
)
def test_output_comparison(sandbox_client, printed, expected, reward):
    reference = {"tests": [{"stdin": "", "stdout": expected}]}
    assert score(sandbox_client, f"import sys\nsys.stdout.write({printed!r})", reference)["reward"] == reward


@pytest.mark.parametrize(
    "printed,tolerance,reward",
    [
        ("0.3333334 2", 1e-6, 1.0),
        ("0.3334 2", 1e-6, 0.0),
        ("0.3333334 2", None, 0.0),
        ("0.3333334 3", 1e-6, 0.0),
    ],
)
def test_float_tolerance(sandbox_client, printed, tolerance, reward):
    reference = {"tests": [{"stdin": "", "stdout": "0.33333333 2\n"}], "float_tolerance": tolerance}
    assert score(sandbox_client, f"print({printed!r})", reference)["reward"] == reward


def test_function_call_details(sandbox_client):
    program = (
        "class Solution:\n    def pair(self, x, scale=1):\n        return (x * scale, [x], {'k': x})\n"
        "    def boom(self, x):\n        raise ValueError('bad input')\n"
    )
    reference = {
        "entry_point": "Solution().pair",
        "tests": [
            {"args": [2], "expected": [2, [2], {"k": 2}]},
            {"args": [2], "kwargs": {"scale": 3}, "expected": [6, [2], {"k": 2}]},
            {"args": [1], "expected": [1, [1], {"k": 2}]},
        ],
    }
    result = score(sandbox_client, program, reference)
    assert [t["outcome"] for t in result["tests"]] == ["passed", "passed", "wrong_answer"]
    raised = score(sandbox_client, program, {**reference, "entry_point": "Solution().boom"})
    assert {t["outcome"] for t in raised["tests"]} == {"runtime_error"}
    assert "ValueError: bad input" in raised["tests"][0]["detail"]


def test_assert_style_mbpp_and_loops(sandbox_client):
    mbpp = {"entry_point": "add", "test_code": "assert add(1, 2) == 3\nassert add(2, 2) == 5\n"}
    assert score(sandbox_client, PY_FUNCTION["correct"], mbpp)["reward"] == 0.5
    looped = {
        "entry_point": "add",
        "test_code": (
            "import math\nMETADATA = {}\n\ndef check(candidate):\n    cases = [(1, 1), (2, 3)]\n"
            "    for a, b in cases:\n        assert candidate(a, b) == a + b\n    assert math.isclose(candidate(0.1, 0.2), 0.3)\n"
        ),
    }
    result = score(sandbox_client, PY_FUNCTION["correct"], looped)
    assert result["reward"] == 1.0 and len(result["tests"]) == 2


def test_no_program_and_wrong_fence(sandbox_client):
    item = {"domain": "code", "response": "```cpp\nint main(){}\n```", "reference": STDIO}
    result = sandbox_client.post("/v1/score", json={"items": [item]}).json()["results"][0]
    assert result["status"] == "no_answer" and result["tests"] is None


def test_last_block_is_graded(sandbox_client):
    response = f"```python\n{PY_STDIO['wrong']}\n```\nFixed:\n```python\n{PY_STDIO['correct']}\n```\nDone."
    item = {"domain": "code", "response": response, "reference": STDIO}
    assert sandbox_client.post("/v1/score", json={"items": [item]}).json()["results"][0]["reward"] == 1.0


def test_test_code_helpers_and_stdlib(sandbox_client):
    """HumanEval/38's check calls the prompt's encode_cyclic: it must be in test_code (the
    program's own copy is never used); MBPP asserts may use math with only the program importing it."""
    program = (
        "import math\n\ndef encode_cyclic(s):\n    return s\n\n"
        "def decode_cyclic(s):\n    return s[-1:] + s[:-1]\n\ndef area(r):\n    return math.pi * r * r\n"
    )
    check = (
        "def check(candidate):\n    from random import randint, choice\n    import string\n"
        "    for _ in range(20):\n        s = ''.join(choice(string.ascii_lowercase) for _ in range(randint(2, 9)))\n"
        "        assert candidate(encode_cyclic(s)) == s\n"
    )
    helper = "def encode_cyclic(s):\n    return s[1:] + s[:1]\n\n"
    assert (
        score(sandbox_client, program, {"entry_point": "decode_cyclic", "test_code": helper + check})["reward"] == 1.0
    )
    missing = score(sandbox_client, program, {"entry_point": "decode_cyclic", "test_code": check})
    assert missing["status"] == "error" and "test_code uses 'encode_cyclic' but does not define it" in missing["detail"]
    mbpp = {
        "entry_point": "area",
        "test_code": "assert math.isclose(area(1), 3.141592653589793)\nassert area(0) == 0\n",
    }
    assert score(sandbox_client, program, mbpp)["reward"] == 1.0


@pytest.mark.parametrize(
    "program,reward",
    [
        ("a, b = map(int, input().split())\nprint(a + b)\nexit()\nprint('unreachable')", 1.0),
        ("import sys\na, b = map(int, sys.stdin.readline().split())\nprint(a + b)\nquit(0)", 1.0),
        ("a, b = map(int, open(0).read().split())\nprint(a + b)\nexit(3)", 0.0),
        (
            "import sys\nsys.setrecursionlimit(10 ** 6)\ndef f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n"
            "a, b = map(int, input().split())\nprint(f(a + b))",
            1.0,
        ),
        ("if __name__ == '__main__':\n    import sys\n    print(sum(map(int, sys.stdin.buffer.read().split())))", 1.0),
        # what interpreter shutdown does: finalize open files, flush __stdout__, skip closed streams
        ("import os\nout = os.fdopen(1, 'w')\nout.write(str(sum(map(int, input().split()))) + '\\n')", 1.0),
        (
            "import io, sys\nsys.stdout = io.StringIO()\nprint(sum(map(int, input().split())))\n"
            "sys.__stdout__.write(sys.stdout.getvalue())",
            1.0,
        ),
        ("print(sum(map(int, input().split())))\nimport sys\nsys.stdout.close()", 1.0),
        ("print(sum(map(int, input().split())))\nimport sys\nsys.stdout.flush()\nsys.stdout = None", 1.0),
    ],
)
def test_programs_behave_as_under_python3(sandbox_client, program, reward):
    assert score(sandbox_client, program, STDIO)["reward"] == reward


def test_exit_in_function_harness(sandbox_client):
    program = "def add(a, b):\n    if a > 5:\n        exit(0)\n    return a + b"
    result = score(sandbox_client, program, CALLS)
    assert [t["outcome"] for t in result["tests"]] == ["passed", "passed", "runtime_error", "runtime_error"]


def test_cpp_deep_recursion_and_threads(sandbox_client):
    """A DFS a million frames deep needs more than the default 8 MB stack; threads still start."""
    program = (
        "#include <cstdio>\n#include <thread>\n"
        "long depth(long n) { volatile char pad[40] = {}; pad[n % 40] = 1; if (n == 0) return 0;\n"
        "  long r = depth(n - 1); return r + pad[n % 40] - 1; }  // 0, a million frames deep\n"
        'int main() { long a, b; scanf("%ld %ld", &a, &b); long r = 0;\n'
        "  std::thread t([&] { r = depth(1000000); }); t.join();\n"
        '  std::thread u([&] { r += a + b; }); u.join(); printf("%ld\\n", r + depth(1000000)); }'
    )
    reference = {**STDIO, "language": "cpp"}
    result = score(sandbox_client, program, reference, "cpp")
    assert result["reward"] == 1.0, result
