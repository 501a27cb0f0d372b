"""The code domain's pure parts (no Docker): which block is the program, which references are
accepted (and the 422 messages for the rest), and how a runner result becomes a verdict."""

import pytest

from reward_service.verifiers import code

PY = "a = 1\nprint(a)\n"


@pytest.mark.parametrize(
    "response,language,expected",
    [
        (f"```python\n{PY}```", "python", PY),
        (f"text\n```py\n{PY}```\nmore", "python", PY),
        (f"```python3 title=x\n{PY}```", "python", PY),
        (f"~~~python\n{PY}~~~", "python", PY),
        (f"````python\n```\n{PY}````", "python", "```\n" + PY),  # a longer fence holds a shorter one
        (f"```python\nfirst\n```\n```python\n{PY}```", "python", PY),  # the last block wins
        (f"```python\n{PY}```\n```cpp\nint main(){{}}\n```", "python", PY),  # of its language
        ("```cpp\nint main() {}\n```", "cpp", "int main() {}\n"),
        ("```c++\nint main() {}\n```", "cpp", "int main() {}\n"),
        (f"```python\n{PY}", "python", None),  # never closed
        (f"```\n{PY}```", "python", None),  # no language tag
        (f"```cpp\n{PY}```", "python", None),
        ("print(1)", "python", None),
        ("", "python", None),
    ],
)
def test_extract_program(response, language, expected):
    assert code.extract_program(response, language) == expected


def test_extract_is_linear_on_hostile_text():
    assert code.extract_program("```" + "a" * 200_000 + "`" + "\n" * 100_000, "python") is None
    assert code.extract_program("```python\n" + "```x\n" * 100_000, "python") is None


STDIO = [{"stdin": "1\n", "stdout": "1\n"}]


@pytest.mark.parametrize(
    "reference,message",
    [
        ({"tests": STDIO, "test_code": "assert True"}, "exactly one of 'tests'"),
        ({}, "exactly one of 'tests'"),
        ({"tests": []}, "at least 1 item"),
        ({"tests": [{"stdin": 1, "stdout": "1"}]}, "tests[0] must be {'stdin': str, 'stdout': str}"),
        ({"tests": [*STDIO, {"input": "1"}]}, "tests[1] must be"),
        ({"tests": [{"args": [1], "expected": 1}]}, "need 'entry_point'"),
        ({"tests": [{"args": [1]}], "entry_point": "f"}, "'expected': value"),
        ({"tests": [{"args": 1, "expected": 1}], "entry_point": "f"}, "'args': list"),
        ({"test_code": "assert f(1)", "entry_point": "os.system('x')"}, "need 'entry_point'"),
        ({"test_code": "assert f(1)", "entry_point": "f", "language": "cpp"}, "Python only"),
        ({"tests": STDIO, "language": "java"}, "'python' or 'cpp'"),
        ({"tests": STDIO, "time_limit_s": 0}, "greater than 0"),
        ({"tests": STDIO, "memory_mb": 1}, "greater than or equal to 32"),
        ({"tests": STDIO, "timeout": 1}, "Extra inputs"),
    ],
)
def test_bad_references_are_422_with_the_fix(client, reference, message):
    item = {"domain": "code", "response": "```python\nprint(1)\n```", "reference": reference}
    r = client.post("/v1/score", json={"items": [item]})
    assert r.status_code == 422
    assert message in str(r.json()), r.json()


@pytest.mark.parametrize(
    "reference,mode",
    [
        ({"tests": STDIO}, "stdio"),
        ({"tests": [{"args": [1], "kwargs": {"x": 2}, "expected": 3}], "entry_point": "Solution().f"}, "call"),
        ({"test_code": "def check(candidate):\n    assert candidate(1)", "entry_point": "f"}, "assert"),
    ],
)
def test_modes(reference, mode):
    assert code.Reference.model_validate(reference).mode == mode


def test_prepare():
    job, program = code.prepare("```python\nprint(1)\n```", {"tests": STDIO}, 1000, 768)
    assert program == "print(1)\n"
    assert job == {
        "language": "python",
        "tests": STDIO,
        "time_limit_s": 2.0,
        "total_time_limit_s": 5.0,
        "memory_mb": 512,
        "compile_time_limit_s": 10.0,
        "mode": "stdio",
        "source": program,
        "output_limit_bytes": 1000,
    }
    assert code.prepare("no code", {"tests": STDIO}, 1000, 768).status == "no_answer"
    over = code.prepare("```python\nprint(1)\n```", {"tests": STDIO, "memory_mb": 1024}, 1000, 768)
    assert over.status == "error" and "REWARD_SANDBOX_MEMORY_MB" in over.detail


def outcomes(*kinds):
    return [{"outcome": k, "time_ms": 1.0, "detail": "why" if k != "passed" else ""} for k in kinds]


@pytest.mark.parametrize(
    "result,status,reward,detail",
    [
        ({"tests": outcomes("passed", "passed")}, "correct", 1.0, "2/2 tests passed"),
        (
            {"tests": outcomes("passed", "time_limit", "passed", "wrong_answer")},
            "incorrect",
            0.5,
            "2/4 tests passed; test 1: time_limit (why)",
        ),
        ({"tests": []}, "incorrect", 0.0, "0/0 tests passed"),
        (
            {"compile_error": "main.cpp:1: error: x", "tests": []},
            "incorrect",
            0.0,
            "compile error: main.cpp:1: error: x",
        ),
        (
            {"tests": [], "error": "test_code does not parse"},
            "error",
            0.0,
            "the tests could not be run: test_code does not parse",
        ),
    ],
)
def test_verdict(result, status, reward, detail):
    verdict = code.verdict(result, "print(1)")
    assert (verdict.status, verdict.reward, verdict.detail) == (status, reward, detail)
    assert verdict.extracted == "print(1)"


def test_code_without_docker_is_an_item_error(client):
    """The shared test client runs with the sandboxes off: code items say so, math still works."""
    items = [
        {"domain": "code", "response": "```python\nprint(1)\n```", "reference": {"tests": STDIO}},
        {"domain": "math", "response": "\\boxed{1}", "reference": {"answer": "1"}},
    ]
    results = client.post("/v1/score", json={"items": items}).json()["results"]
    assert results[0]["status"] == "error" and "REWARD_SANDBOX_ENABLED" in results[0]["detail"]
    assert results[1]["status"] == "correct" and results[1]["tests"] is None
    assert "disabled" in client.get("/readyz").json()["code"]
