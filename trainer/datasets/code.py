"""Code training rows from the common public layouts, in the references of reward_service's code
domain (see reward_service/verifiers/code.py):

- APPS / TACO: `question` + `input_output` (a JSON string of `inputs` / `outputs`). With `fn_name`
  the tests are function calls (`Solution().fn_name` when the starter code has `class
  Solution`); otherwise stdin/stdout. APPS stores call outputs wrapped in a one-element list and
  its harness accepts the return value equal to either the output or its only element; we unwrap
  when every output of the problem is a one-element list (the wrapping), else keep them as is.
- CodeContests: `description` + `public_tests` / `private_tests` / `generated_tests`, each
  `{"input": [...], "output": [...]}`; option `tests` picks which (default public,private).
- HumanEval: `prompt` + `test` + `entry_point` -> assert style. The test code never sees the
  model's program's names, so the prompt's own imports and helpers (HumanEval/32's `poly`,
  /38's `encode_cyclic`) go into `test_code` ahead of the test.
- MBPP: `text` (or `prompt`) + `test_list` (+ `test_setup_code`) -> assert style; the function's
  name is the one every test calls.

Option `language` (python, cpp) applies to stdin/stdout problems; call and assert tests are Python.
A problem with no tests is a bad row.
"""

import ast
import builtins
import json
from collections import Counter

from trainer.datasets import templates
from trainer.datasets.base import BadRow, Format, first_text, need, need_text, row_id

__all__ = ["DOMAIN", "FORMATS", "TEST_SPLITS", "humaneval_helpers", "mbpp_entry_point"]

DOMAIN = "code"
TEST_SPLITS = ("public", "private", "generated")
_LANGUAGES = ("python", "cpp")


def _language(options: dict) -> str:
    language = options.get("language") or "python"
    if language not in _LANGUAGES:
        raise ValueError(f"unknown language {language!r}; valid: {', '.join(_LANGUAGES)}")
    return language


def _python_only(options: dict, what: str) -> None:
    if _language(options) != "python":
        raise BadRow(
            "language", f"is {options['language']!r}, but {what} tests are Python only", "use --language python"
        )


def _io_text(value, field: str, index: int) -> str:
    """APPS stores stdin/stdout as a string, sometimes as a list of lines."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n".join(value)
    if not isinstance(value, str):
        raise BadRow(field, f"[{index}] must be a string for stdin/stdout tests, got {type(value).__name__}")
    return value


# --- APPS / TACO -----------------------------------------------------------------------------


def _apps(row: dict, options: dict):
    hint = "APPS/TACO rows need question and input_output with inputs and outputs"
    question = need_text(row, "question", hint)
    spec = need(row, "input_output", hint)
    if isinstance(spec, str):
        if not spec.strip():
            raise BadRow("input_output", "is empty: the problem has no tests", hint)
        try:
            spec = json.loads(spec)
        except json.JSONDecodeError as exc:
            raise BadRow("input_output", f"is not valid JSON ({exc.msg})", hint) from None
    if not isinstance(spec, dict):
        raise BadRow("input_output", f"must be an object with inputs and outputs, got {type(spec).__name__}", hint)
    inputs, outputs = spec.get("inputs") or [], spec.get("outputs") or []
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise BadRow("input_output", "must hold lists 'inputs' and 'outputs' of the same length", hint)
    if not inputs:
        raise BadRow("input_output", "has no tests", hint)
    starter = row.get("starter_code") or ""
    fn_name = spec.get("fn_name") or row.get("fn_name")
    extra = row_id(row, "problem_id", "id", "name")
    if not fn_name:
        language = _language(options)
        tests = [
            {"stdin": _io_text(i, "input_output.inputs", n), "stdout": _io_text(o, "input_output.outputs", n)}
            for n, (i, o) in enumerate(zip(inputs, outputs))
        ]
        return templates.code_prompt(question, language), {"language": language, "tests": tests}, extra
    _python_only(options, "function-call")
    entry = f"Solution().{fn_name}" if "class Solution" in starter else fn_name
    for n, args in enumerate(inputs):
        if not isinstance(args, list):
            raise BadRow("input_output.inputs", f"[{n}] must be a list of arguments for fn_name {fn_name!r}")
    wrapped = all(isinstance(o, list) and len(o) == 1 for o in outputs)
    tests = [{"args": args, "expected": out[0] if wrapped else out} for args, out in zip(inputs, outputs)]
    prompt = templates.code_prompt(question, "python", starter_code=starter, entry_point=entry)
    return prompt, {"entry_point": entry, "tests": tests}, extra


# --- CodeContests ----------------------------------------------------------------------------


def _splits(options: dict) -> list[str]:
    splits = options.get("tests") or ["public", "private"]
    if isinstance(splits, str):
        splits = [s.strip() for s in splits.split(",") if s.strip()]
    unknown = [s for s in splits if s not in TEST_SPLITS]
    if unknown or not splits:
        raise ValueError(f"unknown test split {unknown[0] if unknown else '(none)'!r}; valid: {', '.join(TEST_SPLITS)}")
    return splits


def _codecontests(row: dict, options: dict):
    hint = "CodeContests rows need description and public_tests/private_tests/generated_tests"
    description = need_text(row, "description", hint)
    language = _language(options)
    tests = []
    for split in _splits(options):
        field = f"{split}_tests"
        group = row.get(field) or {}
        if not isinstance(group, dict):
            raise BadRow(field, f"must be {{'input': [...], 'output': [...]}}, got {type(group).__name__}", hint)
        ins, outs = group.get("input") or [], group.get("output") or []
        if len(ins) != len(outs):
            raise BadRow(field, f"has {len(ins)} inputs but {len(outs)} outputs", hint)
        tests += [
            {"stdin": _io_text(i, f"{field}.input", n), "stdout": _io_text(o, f"{field}.output", n)}
            for n, (i, o) in enumerate(zip(ins, outs))
        ]
    if not tests:
        raise BadRow(
            f"{_splits(options)[0]}_tests",
            f"has no tests (looked in {', '.join(_splits(options))})",
            "choose other splits with --tests public,private,generated",
        )
    return (
        templates.code_prompt(description, language),
        {"language": language, "tests": tests},
        row_id(row, "name", "id"),
    )


# --- HumanEval -------------------------------------------------------------------------------


def humaneval_helpers(prompt: str, entry_point: str) -> str:
    """The prompt without the entry point's own definition: its imports, helper functions and
    constants, which the test code may use (HumanEval/32's check calls `poly`)."""
    try:
        tree = ast.parse(prompt)
    except SyntaxError as exc:
        raise BadRow("prompt", f"does not parse as Python ({exc.msg}, line {exc.lineno})") from None
    lines = prompt.splitlines()
    drop = set()
    found = False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            drop.update(range(start - 1, node.end_lineno))
            found = True
    if not found:
        raise BadRow("entry_point", f"{entry_point!r} is not defined in the prompt")
    kept = "\n".join(line for i, line in enumerate(lines) if i not in drop).strip()
    return kept


def _humaneval(row: dict, options: dict):
    hint = "HumanEval rows need prompt, test and entry_point"
    _python_only(options, "HumanEval")
    need_text(row, "prompt", hint)
    test = need_text(row, "test", hint)
    entry = need_text(row, "entry_point", hint)
    if not entry.isidentifier():
        raise BadRow("entry_point", f"must be a function name, got {entry!r}", hint)
    helpers = humaneval_helpers(row["prompt"], entry)
    test_code = f"{helpers}\n\n\n{test.strip()}\n" if helpers else f"{test.strip()}\n"
    question = f"Complete the following Python function.\n```python\n{row['prompt'].rstrip()}\n```"
    reference = {"entry_point": entry, "test_code": test_code}
    extra = row_id(row, "task_id")
    if isinstance(row.get("canonical_solution"), str):
        extra["solution"] = f"```python\n{row['prompt']}{row['canonical_solution']}```"
    return templates.code_prompt(question, "python", entry_point=entry), reference, extra


# --- MBPP ------------------------------------------------------------------------------------


def mbpp_entry_point(tests: list[str]) -> str:
    """The function every test calls (builtins such as `set` and `abs` aside)."""
    counts = Counter()
    for n, test in enumerate(tests):
        try:
            tree = ast.parse(test)
        except SyntaxError as exc:
            raise BadRow("test_list", f"[{n}] does not parse as Python ({exc.msg})") from None
        names = {
            node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        counts.update(names - set(dir(builtins)))
    common = [name for name, count in counts.most_common() if count == len(tests)]
    if not common:
        raise BadRow("test_list", "has no function that every test calls", "MBPP tests look like 'assert f(1) == 2'")
    return common[0]


def _mbpp(row: dict, options: dict):
    hint = "MBPP rows need text (or prompt) and test_list"
    _python_only(options, "MBPP")
    text = first_text(row, ("text", "prompt"), hint)
    tests = need(row, "test_list", hint)
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        raise BadRow("test_list", "must be a list of assert statements", hint)
    tests = [t.strip() for t in tests if t.strip()]
    if not tests:
        raise BadRow("test_list", "has no tests", hint)
    entry = mbpp_entry_point(tests)
    setup = (row.get("test_setup_code") or "").strip()
    test_code = "\n".join(([setup] if setup else []) + tests) + "\n"
    shown = "\n".join(tests)
    question = f"{text}\nYour code should pass these tests:\n\n{shown}"
    extra = row_id(row, "task_id", "id")
    if isinstance(row.get("code"), str) and row["code"].strip():
        extra["solution"] = f"```python\n{row['code'].strip()}\n```"
    return (
        templates.code_prompt(question, "python", entry_point=entry),
        {"entry_point": entry, "test_code": test_code},
        extra,
    )


FORMATS = {
    f.name: f
    for f in [
        Format(
            "humaneval",
            "HumanEval: prompt + test + entry_point (assert style)",
            lambda row: {"prompt", "test", "entry_point"} <= set(row),
            _humaneval,
        ),
        Format(
            "mbpp",
            "MBPP: text (or prompt) + test_list (+ test_setup_code), assert style",
            lambda row: "test_list" in row,
            _mbpp,
        ),
        Format(
            "codecontests",
            "CodeContests: description + public_tests/private_tests/generated_tests",
            lambda row: "description" in row and any(f"{s}_tests" in row for s in TEST_SPLITS),
            _codecontests,
        ),
        Format(
            "apps",
            "APPS / TACO: question + input_output (fn_name: function-call tests)",
            lambda row: "question" in row and "input_output" in row,
            _apps,
        ),
    ]
}
FORMATS["taco"] = FORMATS["apps"]
