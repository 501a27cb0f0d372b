"""How often our math verifier, in lenient extraction mode, agrees with Math-Verify's own tests.

Math-Verify (huggingface/Math-Verify) keeps its expected verdicts as pytest tables of
(gold, prediction, expected) in `tests/`. This script reads those tables from a checkout (or a
bare git directory) without importing or copying them: it walks each test file's syntax tree
for `pytest.mark.parametrize` tables whose argument names include a gold, a prediction and an
expected value, and takes the cases that are plain literals. Each case is scored through the
per-item path with `{"extraction": "lenient"}`, in a worker process that is killed when a case
runs past `--timeout`, and counted as agreeing when our reward equals the table's expectation.

`ON_PURPOSE` names the cases where we differ on purpose, each with its reason (the argument is
in docs/math_verify.md); anything else that differs is printed as a mistake to look at.

    python benchmarks/math_verify_agreement.py --git-dir /path/to/Math-Verify/.git
    python benchmarks/math_verify_agreement.py --tests /path/to/Math-Verify/tests [-v]
"""

import argparse
import ast
import multiprocessing
import subprocess
from collections import Counter
from pathlib import Path

FILES = [
    "test_all.py",
    "test_boxed.py",
    "test_numina_cases.py",
    "test_open_thoughts.py",
    "test_yujianll.py",
    "test_strict.py",
]
GOLD, PRED, EXPECTED = ("gold",), ("pred",), ("expected", "result")

# Case id -> why we give another verdict than Math-Verify's table, on purpose.
ON_PURPOSE: dict[str, str] = {
    "test_all::test_latex_notation-5": "the table limits Math-Verify to LaTeX targets; its default parse (LaTeX and "
    "plain numbers, what lenient mirrors) also reads the 9",
    "test_all::test_latex_notation-6": "as test_latex_notation-5",
    "test_all::test_complex_math_expressions-7": "run at precision 2: 0.33 is not 1/3 (an exact gold needs 6+ digits)",
    "test_all::test_complex_math_expressions-13": "run at precision 2: 2.6667 is not 8/3 (five digits)",
    "test_all::test_set_rel_assymetry-3": "allow_set_relation_comp=False: we always let -2 <= x <= 7 answer [-2, 7]",
    "test_boxed::test_boxed-0": "'++++++' between two boxes of a gold: the later box replaces the earlier one, as in "
    "a response (Math-Verify itself keeps one box for 'no no no', test_open_thoughts-28)",
    "test_open_thoughts::test_open_thoughts-24": "'y_2 =' between boxes names a new quantity: the last box is the "
    "answer, as for '$a = \\boxed{3}$, $b = \\boxed{4}$'",
    "test_yujianll::test_string_extraction-9": "1 + 1/e is not 1 - 1/e; the table expects a known wrong verdict",
    "test_strict::test_strict_variable_comparison-1": "strict=False (f(x) equals f(y)) is not a mode we offer",
    "test_all::test_number_extraction-6": "a comma in a gold lists (the solutions 1 and 22); only an answer's "
    "comma may be a decimal comma (an answer 1,22 is 1.22)",
}


def _read(source: Path, name: str, git: bool) -> str:
    if git:
        return subprocess.run(
            ["git", f"--git-dir={source}", "show", f"HEAD:tests/{name}"], capture_output=True, text=True, check=True
        ).stdout
    return (source / name).read_text()


def _tables(code: str):
    """(test name, argument names, list of case nodes) for each parametrize table in `code`."""
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if (
                isinstance(deco, ast.Call)
                and getattr(deco.func, "attr", "") == "parametrize"
                and len(deco.args) == 2
                and isinstance(deco.args[1], ast.List)
            ):
                names = [n.strip() for n in ast.literal_eval(deco.args[0]).split(",")]
                yield node.name, names, deco.args[1].elts


def cases(source: Path, git: bool) -> tuple[list[dict], list[str]]:
    """Every literal (gold, pred, expected) case in the test files, and the ids skipped."""
    found, skipped = [], []
    for name in FILES:
        for test, names, elements in _tables(_read(source, name, git)):
            pick = {
                key: next((names.index(n) for n in alias if n in names), None)
                for key, alias in (("gold", GOLD), ("pred", PRED), ("expected", EXPECTED))
            }
            if None in pick.values():
                continue
            for i, element in enumerate(elements):
                case_id = f"{name.removesuffix('.py')}::{test}-{i}"
                try:
                    values = ast.literal_eval(element)
                except ValueError:  # an f-string or a call: not a literal table row
                    skipped.append(case_id)
                    continue
                extra = {n: v for n, v in zip(names, values) if n not in GOLD + PRED + EXPECTED}
                found.append(
                    {
                        "id": case_id,
                        "gold": values[pick["gold"]],
                        "pred": values[pick["pred"]],
                        "expected": int(values[pick["expected"]]),
                        "extra": extra,
                    }
                )
    return found, skipped


def _score(case: dict) -> tuple[str, float, str | None]:
    from reward_service.scoring import score_item

    v = score_item("math", case["pred"], {"answer": case["gold"]}, {"extraction": "lenient"})
    return v.status, v.reward, v.extracted


def run(all_cases: list[dict], timeout: float) -> list[tuple[dict, tuple]]:
    """Each case with (status, reward, extracted); a case past `timeout` is a `timeout`, 0."""
    results = []
    pool = multiprocessing.Pool(1)
    for case in all_cases:
        try:
            results.append((case, pool.apply_async(_score, (case,)).get(timeout)))
        except multiprocessing.TimeoutError:
            pool.terminate()
            pool = multiprocessing.Pool(1)
            results.append((case, ("timeout", 0.0, None)))
    pool.terminate()
    return results


def main() -> None:
    """Print the agreement, per file and in all, and every case where we differ."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--git-dir", type=Path, help="a Math-Verify git directory (bare is fine)")
    where.add_argument("--tests", type=Path, help="a Math-Verify tests/ folder")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the cases in full")
    args = parser.parse_args()
    all_cases, skipped = cases(args.git_dir or args.tests, git=args.git_dir is not None)
    results = run(all_cases, args.timeout)
    per_file, agree, purpose, mistakes = Counter(), Counter(), [], []
    for case, (status, reward, extracted) in results:
        source = case["id"].split("::")[0]
        per_file[source] += 1
        if int(reward) == case["expected"]:
            agree[source] += 1
            continue
        row = (case, status, extracted)
        (purpose if case["id"] in ON_PURPOSE else mistakes).append(row)
    for source in per_file:
        print(f"{source:24} {agree[source]:4d} / {per_file[source]:4d} agree")
    total, agreed = sum(per_file.values()), sum(agree.values())
    print(
        f"{'all':24} {agreed:4d} / {total:4d} agree ({100 * agreed / total:.1f}%); "
        f"{len(purpose)} differ on purpose, {len(mistakes)} otherwise; {len(skipped)} not literal: {skipped}"
    )
    width = None if args.verbose else 90
    for title, rows in (("differ on purpose", purpose), ("differ otherwise", mistakes)):
        print(f"\n## {title}")
        for case, status, extracted in rows:
            reason = ON_PURPOSE.get(case["id"], "")
            print(f"{case['id']}: expected {case['expected']}, we say {status} {reason}")
            print(f"    gold {case['gold'][:width]!r}\n    pred {case['pred'][:width]!r}")
            print(f"    extracted {str(extracted)[:width]!r} {case['extra'] or ''}")


if __name__ == "__main__":
    main()
