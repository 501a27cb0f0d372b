"""Table tests for the math verifier (``reward_service.verifiers.math.verify``).

``verify(response, {"answer": gold})`` reads the final answer out of a model
response and decides, with sympy, whether it is mathematically equivalent to
the gold answer. It returns a Verdict with ``status`` ("correct",
"incorrect", "no_answer" or "error"), ``reward`` (1.0 iff correct) and
``extracted`` (the answer text that was read, or None).

Why these tests exist: the reward is only as good as the verdicts, and
off-the-shelf checkers (plain math-verify included) have known false
positives and false negatives. Every expected value below is what a careful
human grader would say, not what any library happens to return. Cases that a
human would find genuinely ambiguous are deliberately left out.

The tables are grouped by what they exercise:

* responses written in real model-output styles (long chain of thought ending
  in a box, ``<think>...</think>`` reasoning traces, Minerva's "Final Answer:
  The final answer is ...", markdown "**Answer:**", "the answer is ...");
* equivalence classes (fractions/decimals, radicals, pi, percentages,
  scientific notation, thousands separators, sets, intervals, tuples,
  matrices, equations, units/text, symbolic algebra);
* near misses that must stay incorrect, and verdicts plain math-verify 0.9.0
  is known to get wrong.

A second, smaller table checks answer extraction on its own: ``no_answer``
cases and which text ended up in ``extracted``.
"""

import pytest

from tests.reward_service.verifiers.tables import check, table_params, verify

# --------------------------------------------------------------------------
# Response styles. Each wraps an answer (LaTeX source) the way models write.
# --------------------------------------------------------------------------


def boxed_cot(ans):
    """Long chain of thought that ends with a boxed answer."""
    return (
        "Let's work through this step by step.\n\n"
        "First, we write down what is given and set up the relevant "
        "relationship between the quantities. Substituting the known values "
        "and simplifying, the expression reduces considerably. Let me "
        "double-check the arithmetic: expanding again and collecting like "
        "terms gives the same result, so the computation is consistent.\n\n"
        "Therefore, the final answer is $\\boxed{" + ans + "}$."
    )


def display_boxed(ans):
    """Qwen/DeepSeek style: a '**Final Answer**' heading and a display box."""
    return (
        "To solve the problem, we first simplify the given expression.\n\n"
        "1. Rewrite everything in terms of a single variable.\n"
        "2. Solve the resulting equation.\n"
        "3. Check the solution against the original conditions.\n\n"
        "All conditions are satisfied.\n\n"
        "**Final Answer**\n"
        "\\[\n\\boxed{" + ans + "}\n\\]"
    )


def think(ans):
    """Reasoning model: a <think> trace, then a short boxed answer."""
    return (
        "<think>\n"
        "Okay, so I need to figure this out. Let me start by writing down "
        "the equation. Hmm, if I move everything to one side... wait, that "
        "doesn't look right. Let me redo it more carefully. Okay, now it "
        "works out, and plugging it back in checks out.\n"
        "</think>\n\n"
        "Solving the equation and checking the result, we get "
        "$\\boxed{" + ans + "}$."
    )


def minerva(ans):
    """Minerva / lm-eval style, answer in inline math."""
    return (
        "We simplify the expression directly and solve for the unknown.\n\n"
        "Final Answer: The final answer is $" + ans + "$. "
        "I hope it is correct."
    )


def bold(ans):
    """Markdown answer line."""
    return "### Solution\n\nWe compute each part separately and then combine the results.\n\n**Answer:** $" + ans + "$"


def phrase(ans):
    """Plain prose ending, no box."""
    return "Combining the two cases and simplifying, we conclude that the answer is $" + ans + "$."


# A few fixed responses reused by more than one case.

# The model boxes an answer, notices a mistake and boxes a different one.
# The last box is the answer; it must not be read as the set {5, 10}.
SELF_CORRECTION = (
    "The two groups contain 3 and 2 items, so in total there are "
    "$3 + 2 = 5$ items, so $\\boxed{5}$. Wait, I made an error: the second "
    "group was counted per pair, so it contributes 7 items. The total is "
    "$3 + 7 = 10$, so the answer is $\\boxed{10}$."
)

# The same shape written without $ delimiters.
SELF_CORRECTION_NO_DOLLARS = "3 + 2 = 5, so \\boxed{5}. Wait, I made an error, the answer is \\boxed{10}."

# Reasoning trace that boxes a tentative answer, final answer after </think>.
THINK_TENTATIVE = (
    "<think>\n"
    "Let me compute 2 + 2 first. That's \\boxed{4}? No wait, the problem "
    "says we add one more afterwards, so it's 5.\n"
    "</think>\n\n"
    "Adding the extra item gives $\\boxed{5}$."
)

# DeepSeek-R1 style: the opening <think> is part of the prompt template, so
# the response only contains the closing tag.
R1_NO_OPEN_TAG = (
    "Okay, let's see. The area is base times height over two, so "
    "$\\frac{10 \\cdot 4}{2}$... that would be \\boxed{40}? No, I forgot to "
    "divide. It's 20.\n"
    "</think>\n\n"
    "The area of the triangle is $\\frac{1}{2} \\cdot 10 \\cdot 4 = 20$.\n\n"
    "**Final Answer**\n"
    "\\[\n\\boxed{20}\n\\]"
)

# Unclosed reasoning trace (generation hit the length limit).
THINK_UNCLOSED_BOXED = (
    "<think>\n"
    "We need x such that 2x + 1 = 11, so x = 5. So \\boxed{5}. Hmm, but "
    "let me double-check the case where x is negative, because the problem "
    "says"
)
THINK_UNCLOSED_PHRASE = (
    "<think>\n"
    "Let me try small values. n = 1 fails, n = 2 fails... the answer is 5 "
    "I think, but let me verify that n = 5 really"
)

# Closed trace with nothing after it.
THINK_NOTHING_AFTER = "<think>\n2x + 1 = 11 gives x = 5, so the answer is \\boxed{5}.\n</think>\n"

PMAT = r"\begin{pmatrix}1&2\\3&4\end{pmatrix}"


# --------------------------------------------------------------------------
# Verdict table: (gold, response, expected status).
# --------------------------------------------------------------------------

GROUPS = {
    # Plain integers and basic number formatting.
    "integers": [
        ("7", boxed_cot("7"), "correct"),
        ("7", boxed_cot("8"), "incorrect"),
        ("-3", think("-3"), "correct"),
        ("-3", think("3"), "incorrect"),
        ("42", display_boxed("42"), "correct"),
        ("0", bold("0"), "correct"),
        ("100", phrase("100"), "correct"),
        ("12", boxed_cot("12.0"), "correct"),
        ("1.5", boxed_cot("1.50"), "correct"),
        ("1024", boxed_cot("2^{10}"), "correct"),
        ("120", boxed_cot("5!"), "correct"),
        ("10", boxed_cot(r"\binom{5}{2}"), "correct"),
        ("3", boxed_cot(r"\log_2 8"), "correct"),
        ("1000000", boxed_cot("10^6"), "correct"),
        ("8", boxed_cot("2^3"), "correct"),
    ],
    # Response formats seen in the wild (the answer itself is simple).
    "styles": [
        # Minerva few-shot format, with and without inline math.
        ("7", "Final Answer: The final answer is 7. I hope it is correct.", "correct"),
        ("7", "Final Answer: The final answer is 8. I hope it is correct.", "incorrect"),
        (r"\frac{1}{2}", minerva(r"\frac{1}{2}"), "correct"),
        ("12", "The final answer is $\\boxed{12}$", "correct"),
        # Trailing period inside the box.
        ("12", "So the total cost is $\\boxed{12.}$", "correct"),
        # \boxed{x = 4} for a gold of 4.
        ("4", "Hence $x$ must equal 4.\n\n$\\boxed{x = 4}$", "correct"),
        # Markdown bold answer, plain text number.
        ("17", "We count 17 lattice points.\n\n**Answer:** 17", "correct"),
        ("17", "We count 18 lattice points.\n\n**Answer:** 18", "incorrect"),
        # \dfrac and \left( \right) in the final answer.
        (r"\left( 3, \frac{\pi}{2} \right)", display_boxed(r"\left( 3, \dfrac{\pi}{2} \right)"), "correct"),
        (
            r"\frac{3}{4}",
            "<think>\nThree favourable outcomes out of four.\n</think>\n\n"
            "The probability is $\\dfrac{3}{4}$.\n\n**Final Answer**\n"
            "\\[\\boxed{\\dfrac{3}{4}}\\]",
            "correct",
        ),
        # \fbox instead of \boxed.
        ("9", "Squaring both sides gives $x = 9$, so $\\fbox{9}$.", "correct"),
        # Plain "the answer is" with no box.
        ("36", "There are 6 choices for each die, so the answer is 36.", "correct"),
        # Nested braces in the box.
        (r"\frac{1}{1024}", boxed_cot(r"\frac{1}{2^{10}}"), "correct"),
    ],
    # Fractions, decimals and mixed numbers.
    "fractions": [
        (r"\frac{1}{2}", boxed_cot("0.5"), "correct"),
        ("0.5", boxed_cot(r"\frac{1}{2}"), "correct"),
        (r"\frac{3}{4}", boxed_cot("3/4"), "correct"),
        (r"\frac{3}{4}", think(r"\dfrac{3}{4}"), "correct"),
        ("0.75", minerva(r"\frac34"), "correct"),
        (r"\frac{1}{2}", boxed_cot(r"\frac{2}{4}"), "correct"),
        (r"\frac{7}{2}", boxed_cot("3.5"), "correct"),
        (r"\frac{7}{2}", boxed_cot(r"3\frac{1}{2}"), "correct"),
        (r"-\frac{1}{2}", boxed_cot(r"\frac{-1}{2}"), "correct"),
        (r"-\frac{1}{2}", bold("-0.5"), "correct"),
        (r"-\frac{1}{2}", boxed_cot(r"\frac{1}{2}"), "incorrect"),
        (r"\frac{1}{8}", boxed_cot("0.125"), "correct"),
        (r"\frac{1}{3}", boxed_cot(r"0.\overline{3}"), "correct"),
        (r"\frac{5}{3}", boxed_cot(r"\frac{3}{5}"), "incorrect"),
        (r"\frac{15}{4}", bold("3.75"), "correct"),
        ("2.5", phrase(r"\frac{5}{2}"), "correct"),
        (r"\frac{2}{3}", display_boxed(r"\dfrac{4}{6}"), "correct"),
    ],
    # Close but wrong: approximations of exact answers, off-by-one.
    "near_misses": [
        (r"\frac{1}{3}", boxed_cot("0.33"), "incorrect"),
        (r"\pi", boxed_cot("3.14"), "incorrect"),
        (r"\frac{2}{3}", boxed_cot("0.67"), "incorrect"),
        (r"\sqrt{2}", boxed_cot("1.414"), "incorrect"),
        ("e", boxed_cot("2.718"), "incorrect"),
        (r"\frac{22}{7}", boxed_cot(r"\pi"), "incorrect"),
        (r"\pi", boxed_cot(r"\frac{22}{7}"), "incorrect"),
        ("1000", boxed_cot("999"), "incorrect"),
        ("1000", boxed_cot("1001"), "incorrect"),
        ("123456789", boxed_cot("123456788"), "incorrect"),
        ("0.001", boxed_cot("0.002"), "incorrect"),
        ("10^{-7}", boxed_cot(r"2 \times 10^{-7}"), "incorrect"),
        ("1267650600228229401496703205376", boxed_cot("1267650600228229401496703205377"), "incorrect"),
        (r"2^{-50}", boxed_cot(r"2^{-51}"), "incorrect"),
    ],
    # Radicals and their simplified forms.
    "radicals": [
        (r"2\sqrt{2}", boxed_cot(r"\sqrt{8}"), "correct"),
        (r"\sqrt{8}", boxed_cot(r"2\sqrt{2}"), "correct"),
        (r"2\sqrt{3}", think(r"\sqrt{12}"), "correct"),
        (r"3\sqrt{2}", boxed_cot(r"2\sqrt{3}"), "incorrect"),
        (r"\frac{\sqrt{2}}{2}", boxed_cot(r"\frac{1}{\sqrt{2}}"), "correct"),
        (r"\frac{\sqrt{3}}{3}", boxed_cot(r"\frac{1}{\sqrt{3}}"), "correct"),
        (r"\frac{\sqrt{3}}{3}", boxed_cot(r"\frac{\sqrt{3}}{2}"), "incorrect"),
        ("2", boxed_cot(r"\sqrt[3]{8}"), "correct"),
        (r"\sqrt{2}+\sqrt{3}", boxed_cot(r"\sqrt{5+2\sqrt{6}}"), "correct"),
        (r"\sqrt{5}", boxed_cot(r"\sqrt{2}+\sqrt{3}"), "incorrect"),
        (r"4\sqrt{5}", minerva(r"\sqrt{80}"), "correct"),
        (r"\sqrt{2}", boxed_cot("2^{1/2}"), "correct"),
        (r"5-2\sqrt{6}", boxed_cot(r"(\sqrt{3}-\sqrt{2})^2"), "correct"),
        (r"\sqrt{3}", boxed_cot(r"\sqrt{2}"), "incorrect"),
    ],
    # Multiples and fractions of pi.
    "pi": [
        (r"2\pi", boxed_cot(r"\pi \cdot 2"), "correct"),
        (r"\frac{\pi}{2}", boxed_cot(r"\pi/2"), "correct"),
        (r"\frac{\pi}{2}", boxed_cot(r"0.5\pi"), "correct"),
        (r"2\pi", boxed_cot("6.28"), "incorrect"),
        (r"\frac{\pi}{3}", boxed_cot(r"\frac{\pi}{6}"), "incorrect"),
        (r"\frac{4}{3}\pi", think(r"\frac{4\pi}{3}"), "correct"),
        (r"\frac{\pi^2}{6}", boxed_cot(r"\frac{1}{6}\pi^{2}"), "correct"),
        (r"\pi", boxed_cot(r"\pi^2"), "incorrect"),
        (r"36\pi", display_boxed(r"36 \pi"), "correct"),
    ],
    # Percentages: the percent sign is formatting, not a factor of 1/100.
    "percent": [
        (r"50\%", boxed_cot("50"), "correct"),
        ("50", boxed_cot(r"50\%"), "correct"),
        (r"12.5\%", boxed_cot("12.5"), "correct"),
        ("25", think(r"25 \%"), "correct"),
        ("50", boxed_cot(r"60\%"), "incorrect"),
        (r"20\%", "The discount is 20% of the price.\n\n**Answer:** 20%", "correct"),
        ("40", "Out of 50 students, 20 passed, so the answer is 40%.", "correct"),
    ],
    # Scientific notation.
    "scientific": [
        ("1500", boxed_cot(r"1.5\times10^{3}"), "correct"),
        (r"1.5\times10^{3}", boxed_cot("1500"), "correct"),
        ("0.0015", boxed_cot(r"1.5 \times 10^{-3}"), "correct"),
        ("25000", boxed_cot(r"2.5 \cdot 10^4"), "correct"),
        ("1500", boxed_cot(r"1.5\times10^{4}"), "incorrect"),
        (r"6.02\times10^{23}", boxed_cot(r"6.02 \times 10^{23}"), "correct"),
        (r"6.02\times10^{23}", boxed_cot(r"6.02 \times 10^{22}"), "incorrect"),
        (r"3\times10^{8}", boxed_cot("300000000"), "correct"),
    ],
    # Thousands separators are not list separators.
    "thousands": [
        ("1000", boxed_cot("1,000"), "correct"),
        ("1,000", boxed_cot("1000"), "correct"),
        ("1234567", boxed_cot("1,234,567"), "correct"),
        ("1000", boxed_cot("1{,}000"), "correct"),
        ("1000000", boxed_cot(r"1\,000\,000"), "correct"),
        ("1250", boxed_cot(r"\$1,250"), "correct"),
        ("2024", think("2,024"), "correct"),
        ("1000", boxed_cot("1,001"), "incorrect"),
        ("12345", boxed_cot("12,354"), "incorrect"),
    ],
    # Sets and lists of solutions: order does not matter, membership does.
    "sets": [
        (r"\{1,2\}", boxed_cot(r"\{2,1\}"), "correct"),
        (r"\{1,2,3\}", boxed_cot(r"\{1,2\}"), "incorrect"),
        ("1, 2", boxed_cot("x=1, x=2"), "correct"),
        ("1, 2", boxed_cot("2, 1"), "correct"),
        ("-2, 3", boxed_cot(r"x = 3 \text{ or } x = -2"), "correct"),
        ("-2, 3", boxed_cot("-3, 2"), "incorrect"),
        ("1, 2", boxed_cot("1"), "incorrect"),
        ("1", boxed_cot("1, 2"), "incorrect"),
        (r"\pm 2", boxed_cot("2, -2"), "correct"),
        ("2, -2", boxed_cot(r"\pm 2"), "correct"),
        (r"\{-1, 0, 1\}", boxed_cot(r"\{0, 1, -1\}"), "correct"),
        ("1, 2, 3", boxed_cot(r"x \in \{1, 2, 3\}"), "correct"),
        (r"\frac{1}{2}, 2", think("2, 0.5"), "correct"),
        (r"1 \pm \sqrt{2}", boxed_cot(r"1+\sqrt{2}, 1-\sqrt{2}"), "correct"),
        (r"1 \pm \sqrt{2}", boxed_cot(r"1+\sqrt{2}"), "incorrect"),
        ("5", boxed_cot(r"5 \text{ or } 6"), "incorrect"),
        ("5", "The answer is $\\boxed{5}$ or $\\boxed{6}$.", "incorrect"),
        (r"\frac{1}{2}", boxed_cot(r"\frac{1}{2}, \frac{1}{3}"), "incorrect"),
    ],
    # Intervals: endpoints and open/closed brackets both matter.
    "intervals": [
        ("(0,1]", boxed_cot("(0,1]"), "correct"),
        ("[0,1]", boxed_cot("(0,1)"), "incorrect"),
        ("[0,1)", boxed_cot("[0,1]"), "incorrect"),
        (r"(-\infty, 2)", boxed_cot(r"(-\infty,2)"), "correct"),
        (r"(-\infty, -1) \cup (1, \infty)", boxed_cot(r"(1,\infty)\cup(-\infty,-1)"), "correct"),
        (r"[2, \infty)", boxed_cot(r"x \geq 2"), "correct"),
        (r"(2, \infty)", boxed_cot("x > 2"), "correct"),
        (r"(2, \infty)", boxed_cot(r"[2, \infty)"), "incorrect"),
        (r"\left[\frac{1}{2}, 3\right)", boxed_cot("[0.5, 3)"), "correct"),
        (r"(-\infty, \infty)", boxed_cot(r"\mathbb{R}"), "correct"),
        ("[-3, 5]", display_boxed(r"\left[-3, 5\right]"), "correct"),
        (r"(-\infty, 0) \cup (0, \infty)", boxed_cot(r"(-\infty, \infty)"), "incorrect"),
        ("[1, 4]", boxed_cot(r"1 \le x \le 4"), "correct"),
        ("[1, 4]", boxed_cot(r"[1, 5]"), "incorrect"),
    ],
    # Ordered tuples / points: order matters.
    "tuples": [
        ("(1,2)", boxed_cot("(1,2)"), "correct"),
        ("(1,2)", boxed_cot("(2,1)"), "incorrect"),
        ("(1,-2,3)", boxed_cot(r"\left( 1, -2, 3 \right)"), "correct"),
        (r"\left(\frac{1}{2}, 3\right)", boxed_cot("(0.5, 3)"), "correct"),
        ("(3,4)", boxed_cot("(3,4,5)"), "incorrect"),
        ("(2,3)", boxed_cot("(x, y) = (2, 3)"), "correct"),
        ("(2, 3)", boxed_cot("x = 2, y = 3"), "correct"),
        ("(0, 0)", boxed_cot("(0, 1)"), "incorrect"),
        (r"(\sqrt{2}, -1)", boxed_cot(r"(\sqrt{2}, 1)"), "incorrect"),
        ("(-1, 4)", think("(4, -1)"), "incorrect"),
    ],
    # Matrices and column vectors.
    "matrices": [
        (PMAT, boxed_cot(r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"), "correct"),
        (PMAT, boxed_cot(r"\begin{bmatrix}1&2\\3&4\end{bmatrix}"), "correct"),
        (PMAT, boxed_cot(r"\begin{pmatrix}1&3\\2&4\end{pmatrix}"), "incorrect"),
        (r"\begin{pmatrix}\frac{1}{2}\\1\end{pmatrix}", boxed_cot(r"\begin{pmatrix}0.5\\1\end{pmatrix}"), "correct"),
        (r"\begin{pmatrix}1\\2\end{pmatrix}", boxed_cot(r"\begin{pmatrix}2\\1\end{pmatrix}"), "incorrect"),
        (r"\begin{pmatrix}1&0\\0&1\end{pmatrix}", boxed_cot(r"\begin{pmatrix}1&0\\0&-1\end{pmatrix}"), "incorrect"),
        (
            r"\begin{pmatrix} 2 & -1 \\ 0 & 3 \end{pmatrix}",
            display_boxed(
                r"\left(\begin{array}{cc} 2 & -1 \\ 0 & 3 "
                r"\end{array}\right)"
            ),
            "correct",
        ),
        (
            r"\begin{pmatrix}\sqrt{2}/2 \\ \sqrt{2}/2\end{pmatrix}",
            boxed_cot(
                r"\begin{pmatrix}\frac{1}{\sqrt{2}} \\ "
                r"\frac{1}{\sqrt{2}}\end{pmatrix}"
            ),
            "correct",
        ),
    ],
    # Equations: "x = 3" answers a question whose gold is 3, and equations
    # of curves compare as equations.
    "equations": [
        ("3", boxed_cot("x=3"), "correct"),
        ("x=3", boxed_cot("3"), "correct"),
        ("4", think("x = 4"), "correct"),
        ("k = 5", boxed_cot("5"), "correct"),
        ("x=3", boxed_cot("x=-3"), "incorrect"),
        ("y=2x+1", boxed_cot("y = 1 + 2x"), "correct"),
        ("y=2x+1", boxed_cot("y=2x-1"), "incorrect"),
        ("3x+4y+14=0", boxed_cot("3x + 4y + 14 = 0"), "correct"),
        ("3x+4y+14=0", boxed_cot("4y = -3x - 14"), "correct"),
        ("x^2+y^2=25", boxed_cot("x^2 + y^2 = 25"), "correct"),
        ("(x-1)^2+(y+2)^2=9", boxed_cot("(x-1)^2+(y+2)^2=3"), "incorrect"),
        (r"y = -\frac{1}{2}x + 3", boxed_cot("y = 3 - 0.5x"), "correct"),
    ],
    # Units, currency, degrees and words around a number.
    "units": [
        ("5", boxed_cot(r"5\text{ cm}"), "correct"),
        ("12", boxed_cot(r"\$12"), "correct"),
        ("12", boxed_cot(r"12^\circ"), "correct"),
        ("30", boxed_cot(r"30^{\circ}"), "correct"),
        ("5", boxed_cot(r"6\text{ cm}"), "incorrect"),
        ("20", boxed_cot(r"20 \text{ m/s}"), "correct"),
        ("3", think(r"3 \text{ hours}"), "correct"),
        ("12.50", boxed_cot(r"\$12.50"), "correct"),
        ("45", boxed_cot(r"45\text{ degrees}"), "correct"),
        (r"5\text{ cm}", boxed_cot("5"), "correct"),
        ("18", boxed_cot(r"18 \mathrm{~cm}^2"), "correct"),
        ("15", display_boxed(r"15\text{ students}"), "correct"),
        ("12", boxed_cot(r"\$13"), "incorrect"),
        (r"90^\circ", boxed_cot("90"), "correct"),
        ("45", boxed_cot(r"54^\circ"), "incorrect"),
    ],
    # Symbolic equivalence.
    "symbolic": [
        ("x^2-1", boxed_cot("(x-1)(x+1)"), "correct"),
        ("(x+1)^2", boxed_cot("x^2+2x+1"), "correct"),
        ("x^2+1", boxed_cot("(x+1)^2"), "incorrect"),
        (r"\frac{x}{2}", boxed_cot("0.5x"), "correct"),
        (r"\frac{n(n+1)}{2}", boxed_cot(r"\frac{n^2+n}{2}"), "correct"),
        (r"\frac{n(n+1)}{2}", boxed_cot(r"\frac{n(n-1)}{2}"), "incorrect"),
        ("2^{n+1}", boxed_cot(r"2 \cdot 2^n"), "correct"),
        (r"\sin 2x", boxed_cot(r"2\sin x\cos x"), "correct"),
        (r"\ln 6", boxed_cot(r"\ln 2 + \ln 3"), "correct"),
        ("a^2-b^2", think("(a-b)(a+b)"), "correct"),
        ("1+i", boxed_cot("i+1"), "correct"),
        ("1-i", boxed_cot("1+i"), "incorrect"),
        (r"\frac{1-i}{2}", boxed_cot(r"\frac{1}{1+i}"), "correct"),
        (r"\frac{x+1}{x}", boxed_cot(r"1+\frac{1}{x}"), "correct"),
        (r"\sin x", boxed_cot(r"\cos x"), "incorrect"),
        (r"\frac{1}{x^2}", boxed_cot("x^{-2}"), "correct"),
        ("e^{2x}", boxed_cot("(e^{x})^2"), "correct"),
        ("2x+3", bold("3+2x"), "correct"),
        ("6x^2-5", boxed_cot("6x^2+5"), "incorrect"),
    ],
    # Verdicts that plain math-verify is known to get wrong (some of them
    # only for some ways of passing the gold; all are kept here).
    "known_mv_errors": [
        (r"1-\frac{1}{e}", boxed_cot(r"1+\frac{1}{e}"), "incorrect"),
        (r"\frac{1}{2004!}", boxed_cot(r"\frac{1}{2006!}"), "incorrect"),
        ("10", SELF_CORRECTION, "correct"),
        ("5", SELF_CORRECTION, "incorrect"),
        ("10", SELF_CORRECTION_NO_DOLLARS, "correct"),
        ("5", SELF_CORRECTION_NO_DOLLARS, "incorrect"),
        ("3x+4y+14=0", boxed_cot("3x-y+13=0"), "incorrect"),
        # Tiny values: different numbers, not "equal within tolerance".
        (r"\frac{1}{2^{100}}", boxed_cot(r"\frac{1}{2^{99}}"), "incorrect"),
        (r"\left(\frac{1}{2}\right)^{100}", boxed_cot(r"\left(\frac{1}{2}\right)^{101}"), "incorrect"),
        (r"\frac{1}{100!}", boxed_cot(r"\frac{1}{101!}"), "incorrect"),
        (r"\frac{1}{10^{20}}", boxed_cot(r"\frac{2}{10^{20}}"), "incorrect"),
        ("e^{-100}", boxed_cot("e^{-101}"), "incorrect"),
        # Hedged answers name two values; that is not the gold answer.
        ("5", "It depends on the parity, so the answer is either 5 or 6.", "incorrect"),
        ("5", "Both cases are possible, so the answer is 5 or 6.", "incorrect"),
        # A sentence-ending period inside the box is punctuation.
        ("0", "The remainder is therefore $\\boxed{0.}$", "correct"),
        ("3.5", "So the mean is $\\boxed{3.5.}$", "correct"),
        ("(1,2)", "The intersection point is $\\boxed{(1,2).}$", "correct"),
        ("8", "In total, $\\boxed{8 \\text{ ways}.}$", "correct"),
        # Thin-space thousands separator and a unicode degree sign.
        ("12345", boxed_cot(r"12\,345"), "correct"),
        ("30", boxed_cot("30°"), "correct"),
    ],
    # Reasoning traces: only the text after the last </think> is graded.
    "think": [
        ("5", THINK_TENTATIVE, "correct"),
        ("4", THINK_TENTATIVE, "incorrect"),
        ("20", R1_NO_OPEN_TAG, "correct"),
        ("40", R1_NO_OPEN_TAG, "incorrect"),
        ("5", THINK_UNCLOSED_BOXED, "no_answer"),
        ("5", THINK_UNCLOSED_PHRASE, "no_answer"),
        ("5", THINK_NOTHING_AFTER, "no_answer"),
        # Two think blocks; the box between them is not the final answer.
        (
            "9",
            "<think>\nFirst attempt.\n</think>\nSo $\\boxed{3}$.\n<think>\n"
            "Hmm, that was the square root, the question asks for the "
            "square.\n</think>\nThe answer is $\\boxed{9}$.",
            "correct",
        ),
    ],
    # Responses with no final answer at all.
    "no_answer": [
        ("5", "", "no_answer"),
        ("5", "I'm not sure how to approach this problem.", "no_answer"),
        ("5", "Let's set up the equation. We have $2x + 1 = 11$, so", "no_answer"),
    ],
}

CASES = table_params(GROUPS)


@pytest.mark.parametrize("gold,response,expected", CASES)
def test_verdict(gold, response, expected):
    check(gold, response, expected)


# --------------------------------------------------------------------------
# Extraction table: (response, substring expected in `extracted`).
# None means the response has no final answer: status "no_answer" and
# `extracted` is None.
# --------------------------------------------------------------------------

EXTRACTION_CASES = [
    # Boxes, nested braces, last box wins.
    (boxed_cot(r"\frac{1}{2}"), r"\frac{1}{2}"),
    (r"Thus $\boxed{\frac{\sqrt{3}}{2}}$.", r"\frac{\sqrt{3}}{2}"),
    (r"In polar form: $\boxed{\left(1, \frac{\pi}{2}\right)}$", r"\frac{\pi}{2}"),
    (r"So $\boxed{\frac{1}{2^{10}}}$.", r"\frac{1}{2^{10}}"),
    (r"The side is $\fbox{7}$.", "7"),
    (SELF_CORRECTION, "10"),
    ("Candidates: $\\boxed{3}$ and then $\\boxed{4}$; only the second survives, so $\\boxed{4}$.", "4"),
    (display_boxed("42"), "42"),
    (r"Therefore $\boxed{x = 4}$.", "4"),
    (boxed_cot(r"5\text{ cm}"), "5"),
    # A box beats an earlier answer phrase.
    ("At first I thought the answer is 3, but rechecking gives $\\boxed{8}$.", "8"),
    # Answer phrases without a box.
    ("Final Answer: The final answer is 7. I hope it is correct.", "7"),
    (minerva(r"\frac{1}{2}"), r"\frac{1}{2}"),
    ("Adding the two parts.\n\n**Answer:** 42", "42"),
    (bold(r"\sqrt{2}"), r"\sqrt{2}"),
    ("The answer is $\\frac{3}{4}$.", r"\frac{3}{4}"),
    ("So the answer is: 8", "8"),
    ("Final Answer: $x = 4$", "4"),
    # Reasoning traces.
    (THINK_TENTATIVE, "5"),
    (R1_NO_OPEN_TAG, "20"),
    (think("-3"), "-3"),
    # No answer.
    ("", None),
    ("I don't know.", None),
    ("We have $2x + 1 = 11$, which we can rearrange to", None),
    (THINK_UNCLOSED_BOXED, None),
    (THINK_UNCLOSED_PHRASE, None),
    (THINK_NOTHING_AFTER, None),
    ("<think>\nx = 5\n</think>\n\n   \n", None),
    # Truncated box (unbalanced braces) and an empty box.
    ("Putting it together, $\\boxed{\\frac{12}{", None),
    ("Therefore $\\boxed{}$", None),
]

EXTRACTION_IDS = [f"extract-{i}" for i in range(len(EXTRACTION_CASES))]


@pytest.mark.parametrize("response,expected", EXTRACTION_CASES, ids=EXTRACTION_IDS)
def test_extraction(response, expected):
    # The gold is irrelevant here; only the status class and text matter.
    v = verify(response, {"answer": "0"})
    if expected is None:
        assert v.status == "no_answer", (v.status, v.extracted)
        assert v.extracted is None
        assert v.reward == 0.0
    else:
        assert v.status in ("correct", "incorrect"), (v.status, v.extracted)
        assert v.extracted is not None
        assert expected in v.extracted


def test_last_box_wins_not_a_set():
    """The self-correcting response is read as 10, not as {5, 10}."""
    v = verify(SELF_CORRECTION, {"answer": "10"})
    assert v.status == "correct"
    assert v.reward == 1.0
    assert "10" in v.extracted
    assert "5" not in v.extracted
