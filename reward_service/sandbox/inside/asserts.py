"""Assert-style tests (HumanEval's `check(candidate)`, MBPP's top-level asserts) run in the
judge's process with `candidate` a proxy to the program's process. Each top-level statement of
`check` that asserts on a call of the program is one test, run whatever the others did; other
statements (setup, `assert True, "..."`) are not tests. The test code must define its own
helpers: names it uses without defining are taken from the standard library, never from the
program (which could define a lenient `poly` to pass HumanEval/32)."""

import ast
import builtins
import importlib
import sys

from candidate import Candidate, Failure, JudgeError

__all__ = ["run_asserts"]


def _has_assert(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Assert) for n in ast.walk(node))


def _calls(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in names for n in ast.walk(node))


def _wrap(body: list[ast.stmt], callee: set[str]) -> tuple[list[ast.stmt], list[str]]:
    """Each statement that asserts on a call of the program becomes `begin(i); try: stmt /
    except e: record(i, e) / else: record(i, None)`; the others (setup, `assert True, "..."`) stay
    as they are. Returns the new body and each test's source."""
    out, sources = [], []
    for stmt in body:
        if not (_has_assert(stmt) and _calls(stmt, callee)):
            out.append(stmt)
            continue
        index, text = len(sources), ast.unparse(stmt)[:200]
        sources.append(text)
        call = lambda name, *args: ast.Expr(ast.Call(ast.Name(name, ast.Load()), list(args), []))  # noqa: E731
        out += [
            call("__prorl_begin", ast.Constant(index)),
            ast.Try(
                body=[stmt],
                handlers=[
                    ast.ExceptHandler(
                        ast.Name("BaseException", ast.Load()),
                        "__prorl_e",
                        [
                            call(
                                "__prorl_record",
                                ast.Constant(index),
                                ast.Name("__prorl_e", ast.Load()),
                                ast.Constant(text),
                            ),
                        ],
                    )
                ],
                orelse=[call("__prorl_record", ast.Constant(index), ast.Constant(None), ast.Constant(text))],
                finalbody=[],
            ),
        ]
    return out, sources


def _free_names(tree: ast.Module) -> set[str]:
    """Names the test code uses but never binds (nor are built-ins)."""
    bound, used = set(dir(builtins)), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return used - bound


def _stdlib_modules(names: set[str]) -> dict:
    """MBPP asserts use `math.isclose` with math imported only by the solution: import such
    standard-library modules here. Other free names (helpers like HumanEval/38's
    `encode_cyclic`) are never taken from the program, which could define them to pass."""
    modules = {}
    for name in names & set(sys.stdlib_module_names):
        try:
            modules[name] = importlib.import_module(name)
        except ImportError:
            pass
    return modules


def run_asserts(job: dict, candidate: Candidate, recorder_for) -> None:
    """Run the job's assert tests against `candidate`, one test per asserting statement of check() (or the module)."""
    try:
        tree = ast.parse(job["test_code"])
    except SyntaxError as exc:
        raise JudgeError(f"test_code does not parse: {exc}") from None
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    if checks:
        target, params = checks[-1], checks[-1].args.args
        callee = {params[0].arg} if params else set()
    elif job["entry_point"].isidentifier():
        target, callee = tree, {job["entry_point"]}
    else:
        raise JudgeError("top-level asserts need a plain function name as entry_point")
    target.body, sources = _wrap(target.body, callee)
    whole = not sources  # no statement asserts on a call: check() as a whole is the one test
    free = _free_names(tree) - callee
    recorder = recorder_for(1 if whole else len(sources), free)

    def proxy(*args, **kwargs):
        return candidate.call(args, kwargs, recorder.deadline)

    namespace = {"__name__": "__prorl_test__", "__prorl_begin": recorder.begin, "__prorl_record": recorder.record}
    namespace.update(_stdlib_modules(free))
    if not checks:
        namespace[job["entry_point"]] = proxy
    ast.fix_missing_locations(tree)
    try:
        exec(compile(tree, "<test_code>", "exec"), namespace)
        if checks:
            if whole:
                recorder.begin(0)
            namespace["check"](proxy)
            if whole:
                recorder.record(0, None, "check(candidate)")
    except JudgeError:
        raise
    except BaseException as exc:
        recorder.check_name(exc)
        why = exc.detail if isinstance(exc, Failure) else f"{type(exc).__name__}: {exc}"
        for index, done in enumerate(recorder.done):
            if not done:
                what = "check(candidate)" if whole else sources[index]
                failure = (
                    exc
                    if whole
                    else Failure(
                        getattr(exc, "outcome", "runtime_error"), f"not reached: the test code stopped ({why})"
                    )
                )
                recorder.record(index, failure, what)
