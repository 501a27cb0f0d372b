r"""False-positive table tests for the math verifier, through the full per-item path.

``score_item("math", response, {"answer": gold}, {})``. The other math tables mostly guard
against rejecting right answers; this one guards the opposite side: WRONG answers a lenient or
buggy normaliser might accept, and extraction that reads the wrong answer out of a response.

Each group abuses one normalisation or equivalence rule (unit stripping, ``\approx`` parts,
``\pm`` expansion, choice labels, leading zeros, ``\pmod`` notes, percentages, decimal
tolerance, sets/tuples/intervals/relations, symbolic near misses, final-answer phrases after a
box, hedged boxes) and holds a few correct controls. Every expected value is what a careful
human grader would say; genuinely ambiguous cases are left out.
"""

import pytest

from tests.reward_service.verifiers.tables import check, table_params


def box(ans):
    """A short solution ending in an inline box."""
    return f"Working through the cases carefully, we obtain $\\boxed{{{ans}}}$."


def dbox(ans):
    """A display box at the end of a longer chain of thought."""
    return (
        "Let us set up the problem. Substituting the given values and simplifying step by step, "
        f"every remaining case is checked.\n\nTherefore\n\\[\n\\boxed{{{ans}}}\n\\]"
    )


GROUPS = {
    # A box with several candidates, or a hedge, is not the single gold value.
    "several_candidates": [
        ("3", box("3, 4"), "incorrect"),
        ("3", box(r"x = 3 \text{ or } x = 4"), "incorrect"),
        ("x = 3", box(r"x = 3 \text{ or } x = 4"), "incorrect"),
        ("3", box(r"3 \text{ and } 4"), "incorrect"),
        ("3", box(r"3 \text{ or } 4"), "incorrect"),
        ("5", box(r"5\ \text{or}\ 6"), "incorrect"),
        ("6", box(r"5 \text{ or } 6"), "incorrect"),
        ("3", box(r"3 \text{ or } -3"), "incorrect"),
        ("3", "Checking both, the roots are $\\boxed{3}$ or $\\boxed{4}$.", "incorrect"),
        ("4", "Hence $\\boxed{3} \\text{ or } \\boxed{4}$.", "incorrect"),
        ("4", "I think it is $\\boxed{3}$ or maybe $\\boxed{4}$.", "incorrect"),
        ("4", "It is either $\\boxed{3}$, or possibly $\\boxed{4}$.", "incorrect"),
        ("5", "So the answer is 5 or 6.", "incorrect"),
        ("5", "The final answer is 5 or 6.", "incorrect"),
        ("3", "The final answer is $x = 3$ or $x = 4$.", "incorrect"),
        ("3, 4", box(r"x = 3 \text{ or } x = 4"), "correct"),
        ("4", "$\\boxed{3}$ is ruled out by the constraint, so the answer is $\\boxed{4}$.", "correct"),
        ("3", box("3"), "correct"),
    ],
    # "Units" that are really the answer, or change it: stripping them must not pass a wrong value.
    "unit_words_that_matter": [
        ("4", box(r"4 \text{ squared}"), "incorrect"),
        ("4", box("4 squared"), "incorrect"),
        ("5", box(r"5 \text{ cubed}"), "incorrect"),
        ("10", box(r"10 \text{ factorial}"), "incorrect"),
        ("5", box(r"5 \text{ or more}"), "incorrect"),
        ("9", box(r"9 \text{ or fewer}"), "incorrect"),
        ("5", box(r"5 \text{ is not possible}"), "incorrect"),
        (r"10 \text{ seconds}", box(r"10 \text{ minutes}"), "incorrect"),
        (r"2 \text{ hours}", box(r"2 \text{ days}"), "incorrect"),
        ("30", box(r"30 \text{ radians}"), "incorrect"),
        ("12", "The answer is 12 dollars and 50 cents.", "incorrect"),
        ("3", "Final answer: 3 hours 20 minutes", "incorrect"),
        ("2", "The answer is 2 to the power 10.", "incorrect"),
        ("36", box(r"36 \text{ cm}^2"), "correct"),
        ("12", box(r"12 \text{ apples}"), "correct"),
        ("16", box(r"16 \text{ square units}"), "correct"),
    ],
    # `\approx`: either side may match, but a wrong exact value with a "matching" decimal is wrong.
    "approx_hedges": [
        ("4", box(r"3 \approx 4"), "incorrect"),
        (r"\frac{1}{2}", box(r"\frac{1}{3} \approx 0.5"), "incorrect"),
        ("1.73", box(r"\sqrt{2} \approx 1.73"), "incorrect"),
        (r"\sqrt{2}", box(r"\sqrt{3} \approx 1.414"), "incorrect"),
        ("12.57", box(r"4\pi \approx 12.6"), "incorrect"),
        (r"\pi", box(r"3.14"), "incorrect"),
        (r"4\pi", box(r"4\pi \approx 12.57"), "correct"),
        ("12.57", box(r"4\pi \approx 12.57"), "correct"),
    ],
    # `\pm` when the gold is one root, and its controls.
    "plus_minus": [
        ("3", box(r"\pm 3"), "incorrect"),
        ("3", box(r"x = \pm 3"), "incorrect"),
        ("x = 3", box(r"x = \pm 3"), "incorrect"),
        (r"1 + \sqrt{2}", box(r"1 \pm \sqrt{2}"), "incorrect"),
        (r"\frac{-1 + \sqrt{5}}{2}", box(r"\frac{-1 \pm \sqrt{5}}{2}"), "incorrect"),
        (r"\pm 2", box("2"), "incorrect"),
        (r"\pm 3", box("3, -3"), "correct"),
        (r"3, -3", box(r"x = \pm 3"), "correct"),
    ],
    # A "not 3" sentence, a remark after the box, boxes that are given data.
    "extraction_traps": [
        ("3", "So the answer is not $\\boxed{3}$.", "incorrect"),
        ("3", box("4") + " If we had not excluded $x=0$, the answer is 3.", "incorrect"),
        ("3", box("4") + " A common wrong answer is 3.", "incorrect"),
        ("3", box("4") + " Note that the answer is not 3.", "incorrect"),
        ("17", "We are given $a = 12$ and $b = 5$, so the first number is $\\boxed{12}$.", "incorrect"),
        ("3", "Candidates: 3, 4 and 5. Testing each, 3 and 5 fail the second condition, so $\\boxed{4}$.", "incorrect"),
        ("3", "At first I thought the answer is 3, but that double counts. The answer is $\\boxed{4}$.", "incorrect"),
        ("3", "<think>The answer is 3... no, recount: 4.</think>\nThe answer is $\\boxed{4}$.", "incorrect"),
        ("3", "<think>Clearly it is \\boxed{3}.</think>", "no_answer"),
        ("3", "<think>Clearly it is \\boxed{3}.", "no_answer"),
        ("4", "The answer is $\\boxed{3}$. Wait, that misses one case; the final answer is 4.", "correct"),
        ("4", "Candidates: 3, 4 and 5. Only one survives: $\\boxed{4}$.", "correct"),
    ],
    # Multiple-choice labels: the letter decides when both have one; several letters are wrong.
    "choice_labels": [
        (r"\text{(A)}", box(r"\text{(A) and (C)}"), "incorrect"),
        (r"\text{(A)}", box("(A), (C)"), "incorrect"),
        (r"\text{(B)}", box(r"\textbf{(B)}\text{ or }\textbf{(D)}"), "incorrect"),
        (r"\textbf{(C)}\ 12", box(r"\textbf{(D)}\ 15"), "incorrect"),
        ("12", box(r"\textbf{(C)}\ 15"), "incorrect"),
        ("12", box(r"\textbf{(C)}\ 12"), "correct"),
        (r"\textbf{(C)}\ 12", box(r"\textbf{(C)}\ 12"), "correct"),
    ],
    # Leading-zero and separator tricks.
    "leading_zeros": [
        ("045", box("0.45"), "incorrect"),
        ("45", box("04.5"), "incorrect"),
        ("45", box("450"), "incorrect"),
        ("45", box("0.045"), "incorrect"),
        ("-45", box("045"), "incorrect"),
        ("1", box("1,000"), "incorrect"),
        ("45", box("045"), "correct"),
        ("7", box("007"), "correct"),
    ],
    # Congruence notes: the modulus is part of the answer when the gold states one.
    "modulus": [
        (r"x \equiv 3 \pmod{7}", box(r"x \equiv 3 \pmod{5}"), "incorrect"),
        (r"3 \pmod{7}", box(r"4 \pmod{7}"), "incorrect"),
        ("3", box(r"3 \pmod{7}"), "correct"),
        (r"x \equiv 3 \pmod{7}", box(r"x \equiv 3 \pmod 7"), "correct"),
    ],
    # Sets: missing or extra elements, multiplicity, a set where one value is asked.
    "sets": [
        (r"\{1, 2, 3\}", box(r"\{1, 2\}"), "incorrect"),
        (r"\{1, 2, 3\}", box(r"\{1, 2, 3, 4\}"), "incorrect"),
        ("1, 2", box("1, 2, 3"), "incorrect"),
        ("x=1", box("x=1, x=2"), "incorrect"),
        ("x = 1, x = 2", box("x = 1"), "incorrect"),
        ("2", box("2, -2"), "incorrect"),
        ("1, 1, -2", box("1, -2, -2"), "incorrect"),
        (r"\emptyset", box("0"), "incorrect"),
        (r"\{0\}", box(r"\emptyset"), "incorrect"),
        ("0", box(r"\emptyset"), "incorrect"),
        (r"\{1, 2, 3\}", box(r"\{3, 1, 2\}"), "correct"),
        ("-2, 1", box("x = 1, x = -2"), "correct"),
    ],
    # Ordered tuples: order and multiplicity matter.
    "tuples": [
        ("(3, 4)", box("(4, 3)"), "incorrect"),
        ("(3, 4)", box("4, 3"), "incorrect"),
        ("(1, 2, 3)", box("(3, 2, 1)"), "incorrect"),
        ("(1, 1, 2)", box("(1, 2, 2)"), "incorrect"),
        ("(1, 1, 2)", box("(1, 2, 1)"), "incorrect"),
        ("x = 3, y = 4", box("x = 4, y = 3"), "incorrect"),
        ("(3, 4)", box("(3, 4, 0)"), "incorrect"),
        ("x = 3, y = 4", box("y = 4, x = 3"), "correct"),
        ("(3, 4)", box(r"\left(3, 4\right)"), "correct"),
    ],
    # Intervals and inequalities: ends, infinities, direction.
    "intervals": [
        ("[1, 3]", box("(1, 3)"), "incorrect"),
        ("(1, 3]", box("[1, 3)"), "incorrect"),
        (r"(-\infty, 3]", box(r"(-\infty, 3)"), "incorrect"),
        (r"[0, \infty)", box(r"(0, \infty)"), "incorrect"),
        (r"(-\infty, \infty)", box(r"(0, \infty)"), "incorrect"),
        (r"(-\infty, 2) \cup (3, \infty)", box(r"(-\infty, 2] \cup [3, \infty)"), "incorrect"),
        (r"(-\infty, 2) \cup (3, \infty)", box("(2, 3)"), "incorrect"),
        (r"[2, \infty)", box("x > 2"), "incorrect"),
        (r"(2, \infty)", box(r"x \geq 2"), "incorrect"),
        ("x > 2", box("x < 2"), "incorrect"),
        ("-2 < x < 5", box(r"-2 \le x < 5"), "incorrect"),
        ("[2, 5]", box("(2, 5)"), "incorrect"),
        ("3", box("x > 3"), "incorrect"),
        ("3", box("x < 3"), "incorrect"),
        ("3", box(r"x \neq 3"), "incorrect"),
        (r"[2, \infty)", box(r"x \ge 2"), "correct"),
        (r"(-\infty, 2) \cup (3, \infty)", box(r"(3, \infty) \cup (-\infty, 2)"), "correct"),
    ],
    # Equations with a different solution set or different coefficients.
    "equations": [
        ("y = 2x + 3", box("y = 3x + 2"), "incorrect"),
        ("x^2 + y^2 = 4", box("x^2 + y^2 = 2"), "incorrect"),
        ("x + y = 5", box("x - y = 5"), "incorrect"),
        ("x = 2", box("x^2 = 4"), "incorrect"),
        ("y = 2x + 3", box("y = 2x - 3"), "incorrect"),
        ("y = 2x + 3", box("y = 3 + 2x"), "correct"),
    ],
    # Symbolic near misses.
    "symbolic": [
        (r"\sin^2 x", box(r"\sin x^2"), "incorrect"),
        (r"\sin^2 x", box(r"\sin(x^2)"), "incorrect"),
        (r"\log(ab)", box(r"\log a \log b"), "incorrect"),
        (r"\sqrt{a+b}", box(r"\sqrt a + \sqrt b"), "incorrect"),
        ("(a+b)^2", box("a^2 + b^2"), "incorrect"),
        ("e^{x+y}", box("e^x + e^y"), "incorrect"),
        (r"\frac{1}{a+b}", box(r"\frac{1}{a} + \frac{1}{b}"), "incorrect"),
        ("2^{3^2}", box("(2^3)^2"), "incorrect"),
        ("e^{2x}", box("e^{x^2}"), "incorrect"),
        (r"\frac{n(n+1)}{2}", box(r"\frac{n(n-1)}{2}"), "incorrect"),
        ("2^n - 1", box("2^{n-1}"), "incorrect"),
        (r"|x - 1|", box("x - 1"), "incorrect"),
        (r"\tan x", box(r"\frac{\cos x}{\sin x}"), "incorrect"),
        (r"\arcsin x", box(r"\csc x"), "incorrect"),
        (r"2\sqrt{3}", box(r"\sqrt{6}"), "incorrect"),
        (r"e^{\pi}", box(r"\pi^{e}"), "incorrect"),
        (r"\frac{\sqrt{3}}{2}", box(r"\frac{\sqrt{2}}{3}"), "incorrect"),
        (r"\sin^2 x", box(r"(\sin x)^2"), "correct"),
        (r"\tan x", box(r"\frac{\sin x}{\cos x}"), "correct"),
        (r"\sqrt{12}", box(r"2\sqrt{3}"), "correct"),
        (r"\frac{n(n+1)}{2}", box(r"\frac{n^2 + n}{2}"), "correct"),
    ],
    # Percentages: scale errors.
    "percentages": [
        (r"50\%", box(r"0.5\%"), "incorrect"),
        (r"50\%", box(r"5\%"), "incorrect"),
        (r"0.5\%", box(r"50\%"), "incorrect"),
        (r"25\%", box(r"\frac{1}{4}\%"), "incorrect"),
        ("0.25", "Two heads has probability $\\frac{1}{4}$, that is $\\boxed{0.25\\%}$.", "incorrect"),
        ("0.5", "The probability is $\\boxed{50}$.", "incorrect"),
        (r"50\%", box(r"50\%"), "correct"),
        (r"12.5\%", box(r"12.5\%"), "correct"),
    ],
    # Big and small numbers: last digit, exponent, decimal tolerance.
    "magnitudes": [
        ("2^{64}", box("18446744073709551615"), "incorrect"),
        ("123456789012345678901", box("123456789012345678902"), "incorrect"),
        ("10!", box("3628801"), "incorrect"),
        (r"\frac{1}{2^{60}}", box(r"\frac{1}{2^{61}}"), "incorrect"),
        ("10^{100} + 1", box("10^{100}"), "incorrect"),
        (r"3 \times 10^{8}", box(r"3 \times 10^{9}"), "incorrect"),
        (r"6.02 \times 10^{23}", box(r"6.02 \times 10^{22}"), "incorrect"),
        (r"2 \times 10^{-7}", box(r"2 \times 10^{-8}"), "incorrect"),
        ("1.5e-7", box("1.5e-8"), "incorrect"),
        ("1000000.5", box("1000000"), "incorrect"),
        ("123456.7", box("123456.8"), "incorrect"),
        (r"\infty", box("10^{100}"), "incorrect"),
        (r"\infty", box(r"-\infty"), "incorrect"),
        ("2^{64}", box("18446744073709551616"), "correct"),
        (r"3 \times 10^{8}", box("300000000"), "correct"),
        (r"6.02 \times 10^{23}", box(r"6.02 \cdot 10^{23}"), "correct"),
    ],
}

KNOWN_GAPS = {
    "percentages-4": "'p%' answers a plain gold p (math-verify's rule), even out of context",
}
CASES = table_params(GROUPS, KNOWN_GAPS)


@pytest.mark.parametrize("gold,response,expected", CASES)
def test_verdict(gold, response, expected):
    check(gold, response, expected)
