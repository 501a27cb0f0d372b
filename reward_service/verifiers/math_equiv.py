"""Mathematical equivalence on top of math-verify, with its known wrong verdicts fixed.

math-verify (sympy-based) parses LaTeX and plain answers and compares sets, intervals, tuples,
matrices, relations and symbolic expressions well. Several of its habits give wrong verdicts or
waste time, and this module corrects them:

- Gold answers given without `$...$` are searched for "an answer" like a model response is, so
  `1-1/e` parsed as `1` and `3x+4y+14=0` as `0`. We parse the gold as one whole expression.
- Symbolic equality always ran `simplify(a - b)`, which takes milliseconds to seconds even when
  the two sides differ at the first number you try. `symbolic_eq` evaluates both at a few points
  first and only simplifies when they agree there (a difference at a point is proof enough).
- Numbers were compared with `(a - b).evalf(chop=True) == 0` or after rounding to 6 decimal
  places, so `1/2004!` equalled `1/2006!`, `1e-7` equalled `2e-7`, `2^{64}` equalled
  `2^{64}-1` and anything equalled infinity. `numeric_eq` compares gold first: exact golds need
  exact answers, decimal golds allow a relative tolerance (see `_close`). It replaces the
  library's function, which the rest of its grader calls.
- A symbol `i` is read as the imaginary unit when the gold has one, and a column vector
  compares with a tuple.

Only math-verify's LaTeX path is used (an ANTLR grammar building sympy objects): its plain-text
path goes through sympy's `parse_expr`, which `eval`s, and model text is never `eval`ed here.
math-verify's own SIGALRM timeouts are switched off: limits are enforced from outside, by
killing the worker process (see `reward_service.checkers`).
"""

import logging
import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache

import math_verify.grader as mv_grader
import math_verify.parser as mv_parser
from latex2sympy2_extended.math_normalization import NormalizationConfig
from latex2sympy2_extended.sets import FiniteSet as ParsedFiniteSet
from math_verify import LatexExtractionConfig, parse, verify
from sympy import Basic, Eq, Float, I, Intersection, MatrixBase, Number, Rational, Set, Tuple, Union, nan, oo, zoo
from sympy.core.relational import Relational
from sympy.matrices.expressions import MatrixExpr

__all__ = [
    "parse_gold",
    "parse_answer",
    "equivalent",
    "numeric_eq",
    "symbolic_eq",
    "is_parsed",
    "numeric_value",
    "decimal_forms",
]

# Both warn once that the caller must enforce timeouts; we do, from outside the process.
mv_grader.TIMEOUT_WARNING_SHOWN = True
mv_parser.TIMEOUT_WARNING_SHOWN = True
logging.getLogger("math_verify").setLevel(logging.ERROR)

# Units are stripped by `math_spelling`, not here: math-verify's list turns `6ab` into `6`.
_LATEX = [
    LatexExtractionConfig(
        normalization_config=NormalizationConfig(
            basic_latex=True,
            units=False,
            malformed_operators=True,
            nits=True,
            boxed="all",
            equations=False,
        )
    )
]
_OR = re.compile(r"\bor\b|\\lor\b|\\vee\b")
_AND = re.compile(r"\band\b|\\land\b|\\wedge\b")
_LEADING_NUMBER = re.compile(r"[-−]?\$?\d[\d,]*(?:\.\d+)?%?")
FLOAT_REL_TOL = 1e-6


def _parse(text: str, config) -> list:
    return parse(text, config, parsing_timeout=None)


@lru_cache(maxsize=4096)
def parse_gold(gold: str) -> tuple:
    """The gold answer as one expression (math-verify's parse list: sympy objects, then a string)."""
    return tuple(_relations_as_set(_parse("\\boxed{" + gold + "}", _LATEX), gold))


def parse_answer(answer: str, boxed: bool) -> list:
    """A model's extracted answer. Boxed contents are LaTeX; a phrase may be a number in prose
    ("42 apples"), read as its leading number when the whole does not parse."""
    parsed = _parse("\\boxed{" + answer + "}", _LATEX)
    if not boxed and not is_parsed(parsed):
        number = _LEADING_NUMBER.match(answer)
        if number:
            parsed = _parse("\\boxed{" + number.group().replace("$", "") + "}", _LATEX) or parsed
    return _relations_as_set(parsed, answer)


def _relations_as_set(parsed: list, text: str) -> list:
    """`x < 1 \\text{ or } x > 2` is the set (-oo, 1) U (2, oo); with "and", the intersection.

    The parser reads such an answer as a list of relations and forgets the word between them,
    so the word is looked up in the text. Only inequalities in one and the same variable count:
    "x = 1 and x = -2" lists two roots."""
    joiner = Union if _OR.search(text) else Intersection if _AND.search(text) else None
    if joiner is None:
        return parsed
    out = []
    for p in parsed:
        args = tuple(p.args) if isinstance(p, (Set, ParsedFiniteSet)) else ()
        if len(args) > 1 and all(isinstance(r, Relational) and not isinstance(r, Eq) for r in args):
            if len(set().union(*(r.free_symbols for r in args))) == 1:
                try:
                    p = joiner(*(r.as_set() for r in args))
                except Exception:
                    pass
        out.append(p)
    return out


def numeric_value(text: str) -> float | None:
    """The real value of an answer like `4\\pi`, or None when it has none."""
    for p in parse_answer(text, True):
        if isinstance(p, Basic) and not p.free_symbols:
            try:
                value = complex(p.evalf(30))
            except (TypeError, ValueError, AttributeError):  # a Tuple has no evalf
                return None
            return value.real if value.imag == 0 else None
    return None


def decimal_forms(gold: str, places: int) -> tuple[Decimal, Decimal] | None:
    """An exact gold's real value rounded and truncated to `places` decimals, or None when the
    gold is no real number (a set, an expression in x, ...)."""
    values = [p for p in parse_gold(gold) if isinstance(p, Basic) and not p.free_symbols]
    if not values or values[0].has(Float):
        return None
    with localcontext() as context:  # the thread's context may carry any precision
        context.prec = places + 60
        try:
            value = Decimal(str(values[0].evalf(places + 30)))
            quantum = Decimal(1).scaleb(-places)
            return value.quantize(quantum, ROUND_HALF_UP), value.quantize(quantum, ROUND_DOWN)
        except (TypeError, ValueError, ArithmeticError):
            return None


def is_parsed(parsed) -> bool:
    """Whether a parse list holds a sympy object (not only math-verify's fallback string)."""
    return any(isinstance(p, (Basic, MatrixBase)) for p in parsed)


def _imaginary(parsed) -> list:
    """Read a symbol named i as the imaginary unit."""
    return [p.subs({s: I for s in p.free_symbols if s.name == "i"}) if isinstance(p, Basic) else p for p in parsed]


def _vectors_as_tuples(parsed: list) -> list:
    return [Tuple(*p) if isinstance(p, MatrixBase) and 1 in p.shape and len(p) > 1 else p for p in parsed]


def _has_matrix(parsed) -> bool:
    return any(isinstance(p, MatrixBase) for p in parsed)


def equivalent(gold: tuple, answer: list) -> bool:
    """Whether the parsed answer equals the parsed gold (math-verify's verify, gold first)."""
    gold_list = list(gold)
    if _has_matrix(gold_list) != _has_matrix(answer):
        # A column vector answers "(1, 2)" and the other way round.
        gold_list, answer = _vectors_as_tuples(gold_list), _vectors_as_tuples(answer)
    gold_symbols = {s.name for g in gold_list if isinstance(g, Basic) for s in g.free_symbols}
    if "i" in gold_symbols or not gold_symbols:
        # With an i in the gold, or a gold that is a plain number, an answer's i is imaginary.
        gold_list, answer = _imaginary(gold_list), _imaginary(answer)
    # Relations may match sets both ways: `x \geq 2` answers `[2, \infty)`.
    return verify(gold_list, answer, allow_set_relation_comp=True, timeout_seconds=None)


def _magnitude(x) -> Basic:
    value = abs(x.evalf(60))
    if value.has(nan, zoo):
        raise ValueError("not a finite number")
    return value


def _exact(x: Basic) -> Basic:
    """Floats read as the decimals they were written as: 0.5 -> 1/2, 0.3333333 -> 3333333/10^7."""
    return x.xreplace({f: Rational(str(f)) for f in x.atoms(Float)})


def numeric_eq(a, b, float_rounding: int, numeric_precision: int) -> bool:
    """Numeric equality with relative, not absolute, tolerance (replaces math-verify's)."""
    if isinstance(a, (MatrixBase, MatrixExpr)) and isinstance(b, (MatrixBase, MatrixExpr)):
        a, b = mv_grader.safe_sympy_doit(a), mv_grader.safe_sympy_doit(b)
        if isinstance(a, MatrixBase) and isinstance(b, MatrixBase) and a.shape == b.shape:
            return all(
                numeric_eq(x, y, float_rounding, numeric_precision) for x, y in zip(a.flat(), b.flat(), strict=True)
            )
        return False
    pct = mv_grader.is_atomic_or_pct_atomic
    a_raw, b_raw = mv_grader.get_pct_val(a, a), mv_grader.get_pct_val(b, b)
    if (a_raw is not a or b_raw is not b) and pct(a, Number) and pct(b, Number):
        # "12.5%" answers "12.5" (math-verify's rule, extended beyond integers); else compare values.
        if _close(a_raw, b_raw, numeric_precision):
            return True
    try:
        a, b = mv_grader.safe_sympy_doit(a), mv_grader.safe_sympy_doit(b)
        if a.free_symbols or b.free_symbols:
            return False
        return _close(a, b, numeric_precision)
    except Exception:
        return False


def _close(gold, answer, numeric_precision: int) -> bool:
    """Numeric equality, gold first.

    A gold written with decimals is itself rounded, so an answer within FLOAT_REL_TOL of it
    counts. An exact gold needs an exact answer: decimals in the answer are read as written
    (`0.75` is 3/4, `0.3333333` is not 1/3, `3.1415927` is not pi), integers and fractions are
    compared exactly however large, other exact values to far more digits than any answer has.
    Infinities equal only themselves.
    """
    try:
        if gold.has(oo, -oo, zoo) or answer.has(oo, -oo, zoo):
            return bool(gold == answer)
        if gold.has(Float):
            scale = max(_magnitude(gold), _magnitude(answer))
            return bool(_magnitude(gold - answer) <= FLOAT_REL_TOL * scale)
        answer = _exact(answer)
        if gold.is_Rational and answer.is_Rational:
            return bool(gold == answer)
        scale = max(_magnitude(gold), _magnitude(answer))
        diff = _magnitude(gold - answer)
        if scale == 0:
            return diff == 0
        return bool(diff <= scale * Float(10, 60) ** (-max(numeric_precision, 45)))
    except Exception:
        return False


# Positive, non-special points: sqrt(x^2) and x agree there, so such pairs still reach simplify.
_PROBE_POINTS = (Rational(37, 100), Rational(141, 100), Rational(273, 100))
_original_symbolic_eq = mv_grader.sympy_symbolic_eq


def _differ_somewhere(a, b) -> bool:
    """True when a and b take clearly different finite values at one of the probe points."""
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if len(symbols) > 4:
        return False
    for k, point in enumerate(_PROBE_POINTS):
        values = {s: _PROBE_POINTS[(k + i) % len(_PROBE_POINTS)] for i, s in enumerate(symbols)} or {}
        x, y = a.subs(values).evalf(20), b.subs(values).evalf(20)
        if not (x.is_number and y.is_number) or x.has(nan, zoo) or y.has(nan, zoo):
            continue
        if abs(x - y) > 1e-8 * max(1, abs(x), abs(y)):
            return True
        if not symbols:
            return False
    return False


def symbolic_eq(a, b) -> bool:
    """math-verify's simplify-based equality, skipped when a probe already shows a difference."""
    try:
        if isinstance(a, Basic) and isinstance(b, Basic) and _differ_somewhere(a, b):
            return False
    except Exception:
        pass
    return _original_symbolic_eq(a, b)


mv_grader.sympy_numeric_eq = numeric_eq
mv_grader.sympy_symbolic_eq = symbolic_eq
