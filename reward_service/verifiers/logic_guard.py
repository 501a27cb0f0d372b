"""Keeps the model's answer from running as code inside Reasoning Gym's verifiers.

Two holes, both in upstream scoring code that receives the raw answer:
- `eval(answer)` (spiral_matrix, n_queens, binary_matrix, string_insertion, number_sorting) to
  read a list: those modules get `ast.literal_eval` under the name `eval`, which reads the same
  literals and runs nothing.
- sympy's `parse_expr(answer)` (countdown, puzzle24, the integration tasks,
  polynomial_multiplication), which evals the text with Python's builtins in scope, so
  `exec(chr(...)+...)` needs neither quotes nor underscores. Answers to those tasks may only hold
  digits, arithmetic, brackets, one-letter variables and known function names, and no towers
  of powers (`9**9**9` would keep sympy busy for ever).
tests/reward_service/verifiers/test_logic.py scans the installed package for other such calls,
so an upgrade that adds one fails a test instead of opening a hole.
"""

import ast
import importlib
import re

__all__ = ["EVAL_MODULES", "EXPRESSION_TASKS", "install_guards", "guard_answer"]

EVAL_MODULES = (
    "reasoning_gym.algorithmic.spiral_matrix",
    "reasoning_gym.algorithmic.binary_matrix",
    "reasoning_gym.algorithmic.string_insertion",
    "reasoning_gym.algorithmic.number_sorting",
    "reasoning_gym.games.n_queens",
)
EXPRESSION_TASKS = frozenset(
    {
        "countdown",
        "puzzle24",
        "simple_integration",
        "intermediate_integration",
        "polynomial_multiplication",
    }
)
FUNCTIONS = frozenset(
    {
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "asin",
        "acos",
        "atan",
        "acot",
        "asec",
        "acsc",
        "sinh",
        "cosh",
        "tanh",
        "coth",
        "asinh",
        "acosh",
        "atanh",
        "exp",
        "log",
        "ln",
        "sqrt",
        "pi",
        "oo",
        "Abs",
        "abs",
        "sign",
        "floor",
        "ceiling",
        "Integral",
    }
)
_CHARS = re.compile(r"[A-Za-z0-9\s+\-*/^().,]*")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_LOOSE_DOT = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
_TOWER = re.compile(r"(?:\*\*|\^)\s{0,5}\(?\s{0,5}[\w.]{1,40}\s{0,5}\)?\s{0,5}(?:\*\*|\^)")
_HUGE_POWER = re.compile(r"(?:\*\*|\^)\s{0,5}\(?\s{0,5}\d{4}")


def _literal_eval(text, *_namespaces):
    return ast.literal_eval(text)


def install_guards() -> None:
    """Replace `eval` with `ast.literal_eval` in the Reasoning Gym modules that eval answers."""
    for name in EVAL_MODULES:
        importlib.import_module(name).eval = _literal_eval  # module globals shadow the builtin


def guard_answer(task: str, answer: str) -> str | None:
    """Why `answer` must not reach `task`'s verifier, or None when it may."""
    if task not in EXPRESSION_TASKS:
        return None
    if not _CHARS.fullmatch(answer):
        return "an expression may hold only digits, letters, spaces and + - * / ^ ( ) . ,"
    if _LOOSE_DOT.search(answer):
        return "'.' is allowed only inside a decimal number"
    if _TOWER.search(answer) or _HUGE_POWER.search(answer):
        return "powers of powers and exponents of 1000 or more are not evaluated"
    for name in _NAME.findall(answer):
        if len(name) > 1 and name not in FUNCTIONS:
            return f"unknown name {name[:40]!r}: use one-letter variables and {', '.join(sorted(FUNCTIONS))}"
    return None
