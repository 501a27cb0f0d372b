"""The code converters: APPS/TACO (stdin/stdout and fn_name call tests, APPS's one-element output
wrapping), CodeContests (test splits), HumanEval (the prompt's helpers carried into test_code) and
MBPP (entry point from the tests). Every reference must validate as the code domain's."""

import ast
import json

import pytest

from reward_service.verifiers.code import Reference
from tests.reward_service.sandbox.helpers import native_runner
from trainer.datasets import convert
from trainer.datasets.code import humaneval_helpers, mbpp_entry_point

# HumanEval/32-like: the check calls the prompt's helper `poly`, and the prompt imports math.
HUMANEVAL_32 = {
    "task_id": "HumanEval/32",
    "prompt": 'import math\n\n\ndef poly(xs: list, x: float):\n    """Evaluates a polynomial."""\n'
    "    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])\n\n\n"
    'def find_zero(xs: list):\n    """Finds x such that poly(x) = 0."""\n',
    "canonical_solution": "    lo, hi = -1e6, 1e6\n    return 0.0\n",
    "test": "\n\nMETADATA = {}\n\n\ndef check(candidate):\n    import math\n    solution = candidate([1, 2])\n"
    "    assert math.fabs(poly([1, 2], solution)) < 1e-4\n",
    "entry_point": "find_zero",
}


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def one(tmp_path, row, **kwargs):
    report = convert("code", write_jsonl(tmp_path / "in.jsonl", [row]), **kwargs)
    assert len(report.rows) == 1
    out = report.rows[0]
    Reference.model_validate(out.reference)
    return out


def test_humaneval_carries_the_prompts_helpers_into_test_code(tmp_path):
    out = one(tmp_path, HUMANEVAL_32)
    assert out.extra["source"] == "humaneval" and out.extra["id"] == "HumanEval/32"
    ref = out.reference
    assert ref["entry_point"] == "find_zero"
    tree = ast.parse(ref["test_code"])
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert defined == ["poly", "check"]  # the helper, and not find_zero (which would shadow the candidate)
    assert isinstance(tree.body[0], ast.Import) and tree.body[0].names[0].name == "math"
    content = out.prompt[0]["content"]
    assert HUMANEVAL_32["prompt"].rstrip() in content and content.rstrip().endswith("```\nat the end.")
    assert out.extra["solution"].startswith("```python\nimport math")


def test_humaneval_row_runs_with_the_prompts_helper(tmp_path):
    """Converted HumanEval/32-like row, run: the check's `poly` is the prompt's, so a program that
    defines only find_zero passes, and one that also defines a lenient `poly` gains nothing."""
    row = {
        **HUMANEVAL_32,
        "test": HUMANEVAL_32["test"].replace("solution)) < 1e-4", "solution)) < 1e-4\n    assert poly([3], 1) == 3"),
    }
    reference = one(tmp_path, row).reference
    right = "```python\ndef find_zero(xs):\n    return -xs[0] / xs[1]\n```"
    cheat = "```python\ndef poly(xs, x):\n    return 0\n\ndef find_zero(xs):\n    return 123.0\n```"
    with native_runner() as run:
        assert run(right, reference).reward == 1.0
        assert run(cheat, reference).reward == 0.0


def test_humaneval_helpers_keep_decorated_and_later_code():
    prompt = "from functools import cache\n\n@cache\ndef target(n):\n    '''doc'''\n\n\nCONST = 3\n\n\ndef helper(s):\n    return s\n"
    kept = humaneval_helpers(prompt, "target")
    assert "def target" not in kept and "@cache" not in kept
    assert "from functools import cache" in kept and "CONST = 3" in kept and "def helper" in kept


def test_humaneval_without_helpers_is_just_the_test(tmp_path):
    row = {
        "task_id": "HumanEval/0",
        "prompt": "def add(a, b):\n    '''Add.'''\n",
        "entry_point": "add",
        "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n",
    }
    assert one(tmp_path, row).reference["test_code"] == row["test"]


@pytest.mark.parametrize(
    "tests,entry",
    [
        (["assert similar(1, 2) == 3", "assert set(similar(2, 2)) == set([4])"], "similar"),
        (["assert math.isclose(area(2), 12.56, rel_tol=0.01)", "assert area(0) == 0"], "area"),
    ],
)
def test_mbpp_entry_point_from_tests(tests, entry):
    assert mbpp_entry_point(tests) == entry


def test_mbpp_row(tmp_path):
    row = {
        "task_id": 2,
        "text": "Write a function to find the shared elements of two lists.",
        "code": "def similar_elements(a, b):\n    return tuple(set(a) & set(b))",
        "test_list": [
            "assert set(similar_elements((3, 4), (4, 5))) == set((4,))",
            "assert set(similar_elements((1, 2), (2, 1))) == set((1, 2))",
        ],
        "test_setup_code": "import os",
        "challenge_test_list": [],
    }
    out = one(tmp_path, row)
    assert out.extra["source"] == "mbpp" and out.reference["entry_point"] == "similar_elements"
    assert out.reference["test_code"] == "import os\n" + "\n".join(row["test_list"]) + "\n"
    assert row["test_list"][1] in out.prompt[0]["content"] and out.extra["solution"].startswith(
        "```python\ndef similar"
    )


def test_apps_stdin_stdout(tmp_path):
    row = {
        "problem_id": 7,
        "question": "Print a+b.",
        "starter_code": "",
        "input_output": json.dumps({"inputs": ["1 2\n", ["3 4", "ignored"]], "outputs": ["3\n", ["7"]]}),
    }
    out = one(tmp_path, row)
    assert out.extra == {"id": 7, "source": "apps"}
    assert out.reference == {
        "language": "python",
        "tests": [{"stdin": "1 2\n", "stdout": "3\n"}, {"stdin": "3 4\nignored", "stdout": "7"}],
    }
    assert "standard input" in out.prompt[0]["content"]
    cpp = one(tmp_path, row, options={"language": "cpp"})
    assert cpp.reference["language"] == "cpp" and "```cpp" in cpp.prompt[0]["content"]


@pytest.mark.parametrize(
    "outputs,expected",
    [
        ([[True], [False]], [True, False]),  # APPS wraps every call output in a one-element list
        ([[[1, 2]], [[3]]], [[1, 2], [3]]),  # a list result, wrapped
        ([[1, 2], [3]], [[1, 2], [3]]),  # not all one-element: these are the results themselves
        ([5, 6], [5, 6]),
    ],
)
def test_apps_fn_name_unwraps_like_the_apps_harness(tmp_path, outputs, expected):
    row = {"question": "q", "input_output": json.dumps({"fn_name": "f", "inputs": [[1], [2, "x"]], "outputs": outputs})}
    out = one(tmp_path, row)
    assert out.reference == {
        "entry_point": "f",
        "tests": [{"args": [1], "expected": expected[0]}, {"args": [2, "x"], "expected": expected[1]}],
    }


def test_taco_solution_class_entry_point(tmp_path):
    row = {
        "question": "Climb stairs.",
        "starter_code": "class Solution:\n    def climbStairs(self, n: int) -> int:\n",
        "input_output": {"fn_name": "climbStairs", "inputs": [[2], [3]], "outputs": [[2], [3]]},
    }
    out = one(tmp_path, row, fmt="taco")
    assert out.reference["entry_point"] == "Solution().climbStairs"
    assert out.reference["tests"] == [{"args": [2], "expected": 2}, {"args": [3], "expected": 3}]
    assert "class Solution:" in out.prompt[0]["content"] and "`climbStairs`" in out.prompt[0]["content"]


def test_codecontests_splits(tmp_path):
    row = {
        "name": "1000_A",
        "description": "Add two numbers.",
        "public_tests": {"input": ["1 1\n"], "output": ["2\n"]},
        "private_tests": {"input": ["2 2\n", "3 3\n"], "output": ["4\n", "6\n"]},
        "generated_tests": {"input": ["5 5\n"], "output": ["10\n"]},
    }
    default = one(tmp_path, row)
    assert default.extra == {"id": "1000_A", "source": "codecontests"}
    assert [t["stdin"] for t in default.reference["tests"]] == ["1 1\n", "2 2\n", "3 3\n"]
    chosen = one(tmp_path, row, options={"tests": "generated,public"})
    assert [t["stdout"] for t in chosen.reference["tests"]] == ["10\n", "2\n"]
    with pytest.raises(ValueError, match="unknown test split 'hidden'; valid: public, private, generated"):
        one(tmp_path, row, options={"tests": "hidden"})


@pytest.mark.parametrize(
    "row,message",
    [
        ({"question": "q", "input_output": ""}, "field 'input_output' is empty: the problem has no tests"),
        (
            {"question": "q", "input_output": json.dumps({"inputs": [], "outputs": []})},
            "field 'input_output' has no tests",
        ),
        ({"question": "q", "input_output": "{not json"}, "field 'input_output' is not valid JSON"),
        (
            {"question": "q", "input_output": json.dumps({"fn_name": "f", "inputs": [1], "outputs": [1]})},
            "field 'input_output.inputs' [0] must be a list of arguments for fn_name 'f'",
        ),
        (
            {
                "description": "d",
                "public_tests": {"input": [], "output": []},
                "private_tests": {"input": [], "output": []},
            },
            "field 'public_tests' has no tests (looked in public, private)",
        ),
        ({"task_id": 1, "text": "t", "test_list": []}, "field 'test_list' has no tests"),
        (
            {"task_id": 1, "text": "t", "test_list": ["assert len([1]) == 1"]},
            "field 'test_list' has no function that every test calls",
        ),
        (
            {"prompt": "def f(:\n", "test": "def check(c): pass", "entry_point": "f"},
            "field 'prompt' does not parse as Python",
        ),
        (
            {"prompt": "def g():\n    pass\n", "test": "def check(c): pass", "entry_point": "f"},
            "field 'entry_point' 'f' is not defined in the prompt",
        ),
    ],
)
def test_bad_code_rows(tmp_path, row, message):
    path = write_jsonl(tmp_path / "code.jsonl", [row])
    with pytest.raises(ValueError) as err:
        convert("code", path)
    assert str(err.value).startswith(f"{path}:1: {message}")
    report = convert("code", path, on_error="skip")
    assert not report.rows and sum(report.skipped.values()) == 1


def test_call_tests_refuse_cpp(tmp_path):
    path = write_jsonl(tmp_path / "code.jsonl", [HUMANEVAL_32])
    with pytest.raises(ValueError, match="field 'language' is 'cpp', but HumanEval tests are Python only"):
        convert("code", path, options={"language": "cpp"})


def test_mixed_files_detected_per_file(tmp_path):
    humaneval = write_jsonl(tmp_path / "he.jsonl", [HUMANEVAL_32])
    apps = write_jsonl(
        tmp_path / "apps.jsonl", [{"question": "q", "input_output": json.dumps({"inputs": ["1"], "outputs": ["1"]})}]
    )
    report = convert("code", [humaneval, apps])
    assert [r.extra["source"] for r in report.rows] == ["humaneval", "apps"]
    assert report.formats == {str(humaneval): "humaneval", str(apps): "apps"}
