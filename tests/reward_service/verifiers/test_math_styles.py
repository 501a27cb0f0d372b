"""Answer-style table tests for the math verifier, through the full per-item path.

``score_item("math", response, {"answer": gold}, {})`` strips reasoning (text
after the last ``</think>`` only), reads the final answer (last ``\\boxed{}``,
else the last final-answer phrase) and compares it with the gold answer.

This file complements ``test_math.py`` (which covers basic fractions,
radicals, pi, percent, scientific notation, thousands separators, sets,
intervals, tuples, matrices, equations, units, symbolic algebra and think
tags) with the *styles* of gold answers and responses that real evaluation
sets contain: GSM8K (``#### 42``, money, "42 apples", "The answer is: 18"),
MATH (``\\text{}`` answers, mixed numbers, ``\\pm``, base subscripts, logs,
trig values, degrees, ``\\dfrac``/``\\tfrac``/``\\frac12``/``\\sqrt2``),
answers in ``\\(...\\)``/``\\[...\\]``, markdown answers without a box,
answer phrases followed by explanations, several phrases, many intermediate
boxes, unicode minus, ``\\cdot`` vs ``\\times``, big integers, named
quantities (``k = 5``, ``a+b = 7``) and trailing units.

Every expected value is what a careful human grader would say, not what the
verifier currently returns; genuinely ambiguous cases are left out.
"""

import pytest

from tests.reward_service.verifiers.tables import check, table_params

# --------------------------------------------------------------------------
# Response styles.
# --------------------------------------------------------------------------


def boxed(ans):
    """Short chain of thought ending in an inline box."""
    return (
        "We set up the problem, simplify, and check the result by "
        "substituting back.\n\nTherefore, the answer is $\\boxed{" + ans + "}$."
    )


def display(ans):
    """'**Final Answer**' heading and a display box."""
    return "All cases are consistent.\n\n**Final Answer**\n\\[\n\\boxed{" + ans + "}\n\\]"


def think_box(ans):
    """Reasoning trace, then a boxed answer."""
    return (
        "<think>\nLet me compute this carefully. Hmm, yes, that checks out.\n"
        "</think>\n\nThe result is $\\boxed{" + ans + "}$."
    )


def gsm8k(body, ans):
    """GSM8K reference-solution style: working, then '#### answer'."""
    return body + "\n#### " + ans


# A long response with many intermediate boxed results before the final one.
MANY_BOXES = (
    "**Step 1.** The number of red balls is $r = \\boxed{3}$.\n\n"
    "**Step 2.** The number of blue balls is $b = \\boxed{4}$.\n\n"
    "**Step 3.** Each red ball pairs with each blue ball, so the number of "
    "pairs is $r \\cdot b = 3 \\cdot 4$.\n\n"
    "Let me double-check step 1: the problem says three red balls, so that "
    "is right. Step 2 also matches.\n\n"
    "Therefore the number of pairs is $\\boxed{12}$."
)

# Box, then a verification paragraph after it.
BOX_THEN_CHECK = (
    "Solving $2x + 1 = 11$ gives $x = \\boxed{5}$.\n\n"
    "Verification: $2 \\cdot 5 + 1 = 11$. \u2713 The equation holds, and no "
    "other value of $x$ satisfies it since the equation is linear."
)


GROUPS = {
    # GSM8K: '#### n', money, numbers followed by words.
    "gsm8k": [
        ("42", gsm8k("She had 50 apples and gave away 8, so 50 - 8 = 42.", "42"), "correct"),
        ("18", gsm8k("Janet sells 9 eggs at $2 each: 9 * 2 = $18.", "18"), "correct"),
        ("8", gsm8k("He needs 24 / 3 = 8 boxes.", "9"), "incorrect"),
        ("1234", gsm8k("The total is 1000 + 234 = 1,234.", "1,234"), "correct"),
        ("18", "Janet makes 9 * 2 = 18 dollars.\nThe answer is: 18", "correct"),
        ("18", "Janet makes 9 * 2 = 19 dollars.\nThe answer is: 19", "incorrect"),
        ("42", "50 - 8 = 42 apples remain. The answer is 42 apples.", "correct"),
        ("3", "Distance over speed is 180 / 60 = 3. So the answer is 3 hours.", "correct"),
        ("15", "He pays $5 for food and $10 for rent, so the answer is $15.", "correct"),
        ("1234.5", "Adding everything up gives the bill.\n\nThe answer is \\$1,234.50.", "correct"),
        ("1234.5", boxed("\\$1,234.50"), "correct"),
        ("1234.5", "The answer is: $1,234.50", "correct"),
        ("18", "She earns \\$18 a day.\n\nThe answer is \\(\\$18\\).", "correct"),
        ("2.5", "Each pen costs \\$2.50, so the answer is \\$2.50.", "correct"),
        ("1234", "So in total, the answer is 1,234.", "correct"),
        ("625", "Working it out gives 25 squared.\n\n**Answer: 625**", "correct"),
        ("50", boxed("50 \\text{ dollars}"), "correct"),
        ("42", "<think>\n50 - 8 = 42\n</think>\n<answer>42</answer>", "correct"),
        ("42", "<think>\n50 - 8 = 43\n</think>\n<answer>43</answer>", "incorrect"),
    ],
    # MATH text answers.
    "text_answers": [
        (r"\text{Tuesday}", boxed(r"\text{Tuesday}"), "correct"),
        (r"\text{Tuesday}", boxed("Tuesday"), "correct"),
        (r"\text{Tuesday}", boxed(r"\text{Wednesday}"), "incorrect"),
        (r"\text{Tuesday}", boxed(r"\textbf{Tuesday}"), "correct"),
        (r"\text{odd}", boxed(r"\text{odd}"), "correct"),
        (r"\text{odd}", boxed(r"\text{even}"), "incorrect"),
        (r"\text{odd}", display("odd"), "correct"),
        (r"\text{Sunday}", "Counting 100 days forward, the answer is Sunday.", "correct"),
        (r"\text{Sunday}", "Counting 100 days forward, the answer is Monday.", "incorrect"),
        (r"\text{neither}", boxed(r"\text{neither}"), "correct"),
        (r"\text{Yes}", boxed(r"\text{No}"), "incorrect"),
    ],
    # Mixed numbers: MATH writes 2\frac{1}{2} for 5/2.
    "mixed_numbers": [
        (r"\frac{5}{2}", boxed(r"2\frac{1}{2}"), "correct"),
        (r"2\frac{1}{2}", boxed(r"\frac{5}{2}"), "correct"),
        (r"2\frac{1}{2}", boxed("2.5"), "correct"),
        (r"\frac{7}{4}", boxed(r"1\frac{3}{4}"), "correct"),
        (r"\frac{7}{4}", boxed(r"1\frac{1}{4}"), "incorrect"),
        (r"-\frac{5}{2}", boxed(r"-2\frac{1}{2}"), "correct"),
        (r"\frac{10}{3}", "So the answer is $3\\frac{1}{3}$.", "correct"),
        (r"5\frac{1}{2}", boxed(r"5\tfrac12"), "correct"),
        (r"5\frac{1}{2}", boxed(r"\frac{11}{2}"), "correct"),
        (r"5\frac{1}{2}", boxed(r"\frac{5}{2}"), "incorrect"),
    ],
    # \pm roots.
    "plus_minus": [
        (r"\pm 3", boxed(r"x = \pm 3"), "correct"),
        (r"\frac{-1 \pm \sqrt{5}}{2}", boxed(r"\frac{-1+\sqrt{5}}{2}, \frac{-1-\sqrt{5}}{2}"), "correct"),
        (r"\frac{-1 \pm \sqrt{5}}{2}", boxed(r"\frac{-1+\sqrt{5}}{2}"), "incorrect"),
        (r"-2 \pm i", boxed("-2+i, -2-i"), "correct"),
        (r"\pm\sqrt{2}", boxed(r"\sqrt{2}"), "incorrect"),
        ("3, -3", boxed(r"x=\pm3"), "correct"),
    ],
    # 'x = 1 or x = -2' against a gold list.
    "root_lists": [
        ("1, -2", boxed(r"x = 1 \text{ or } x = -2"), "correct"),
        ("1, -2", boxed(r"x=1 \text{ and } x=-2"), "correct"),
        ("1, -2", "The roots are $\\boxed{x=1}$ and $\\boxed{x=-2}$.", "correct"),
        ("1, -2", boxed(r"-2 \text{ and } 1"), "correct"),
        ("1, -2", boxed("x_1 = 1, x_2 = -2"), "correct"),
        ("1, -2", boxed(r"x = 1 \text{ or } x = 2"), "incorrect"),
        ("1, -2", boxed(r"x = 1"), "incorrect"),
    ],
    # Infinity.
    "infinity": [
        (r"\infty", boxed(r"\infty"), "correct"),
        (r"\infty", boxed(r"+\infty"), "correct"),
        (r"\infty", boxed(r"-\infty"), "incorrect"),
        (r"[-2, \infty)", boxed(r"[-2, +\infty)"), "correct"),
        (r"\infty", "The partial sums grow without bound, so the answer is $\\infty$.", "correct"),
    ],
    # Base subscripts: the base is part of the notation.
    "bases": [
        ("1011_2", boxed("1011_2"), "correct"),
        ("1011_2", boxed("1011_{2}"), "correct"),
        ("1011_2", boxed("1011"), "correct"),
        ("1011_2", boxed("1010_2"), "incorrect"),
        ("123_4", boxed("132_4"), "incorrect"),
        ("2A_{16}", boxed("2A_{16}"), "correct"),
    ],
    # Logarithms.
    "logs": [
        (r"\log_2 8", boxed("3"), "correct"),
        ("2", boxed(r"\log_{3} 9"), "correct"),
        (r"\frac{1}{2}", boxed(r"\log_4 2"), "correct"),
        (r"\log_2 3", boxed(r"\frac{\ln 3}{\ln 2}"), "correct"),
        (r"\log_2 3", boxed(r"\log_3 2"), "incorrect"),
        (r"\ln 2", boxed(r"\log_e 2"), "correct"),
    ],
    # Exact trig values.
    "trig_values": [
        (r"\frac{\sqrt{6}+\sqrt{2}}{4}", boxed(r"\frac{\sqrt{2}+\sqrt{6}}{4}"), "correct"),
        (r"\frac{\sqrt{6}+\sqrt{2}}{4}", boxed(r"\frac{\sqrt{6}-\sqrt{2}}{4}"), "incorrect"),
        (r"2-\sqrt{3}", boxed(r"\frac{1}{2+\sqrt{3}}"), "correct"),
        (r"-\frac{\sqrt{3}}{2}", boxed(r"\frac{\sqrt{3}}{2}"), "incorrect"),
        (r"-\frac{\sqrt{3}}{2}", display(r"-\dfrac{\sqrt3}{2}"), "correct"),
    ],
    # Degrees.
    "degrees": [
        ("45", boxed(r"\angle ABC = 45^\circ"), "correct"),
        ("30", boxed(r"m\angle A = 30^{\circ}"), "correct"),
        ("135", "The angle measures $135^\\circ$.\n\n**Answer:** $135^{\\circ}$", "correct"),
        ("60", "Each interior angle is 60 degrees, so the answer is 60 degrees.", "correct"),
        (r"120^\circ", boxed(r"120^{\circ}"), "correct"),
        (r"120^\circ", boxed(r"60^{\circ}"), "incorrect"),
    ],
    # Negative numbers and unicode minus.
    "negatives": [
        ("-5", boxed("\u22125"), "correct"),
        ("-5", "Subtracting, the answer is \u22125.", "correct"),
        ("-7", "**Answer:** \u22127", "correct"),
        (r"-\frac{3}{4}", boxed("\u2212\\frac{3}{4}"), "correct"),
        ("-2", boxed("(-2)"), "correct"),
        ("-12", boxed("- 12"), "correct"),
        ("x^2-1", boxed("x^2 \u2212 1"), "correct"),
        ("-5", boxed("\u22126"), "incorrect"),
    ],
    # \dfrac, \tfrac, \frac12, \sqrt2 and friends.
    "frac_sqrt_spellings": [
        (r"\frac{1}{2}", boxed(r"\tfrac{1}{2}"), "correct"),
        (r"\frac{1}{2}", boxed(r"\frac12"), "correct"),
        (r"\frac{3}{7}", boxed(r"\dfrac37"), "correct"),
        (r"\frac{1}{2}", boxed(r"\tfrac13"), "incorrect"),
        (r"\frac{1}{2}", boxed(r"\frac 12"), "correct"),
        (r"\sqrt{2}", boxed(r"\sqrt2"), "correct"),
        (r"\sqrt{2}", boxed(r"\sqrt 2"), "correct"),
        (r"2\sqrt{2}", boxed(r"2\sqrt2"), "correct"),
        (r"\frac{\sqrt{3}}{2}", boxed(r"\frac{\sqrt3}2"), "correct"),
        (r"\frac{\sqrt{3}}{2}", boxed(r"\frac{\sqrt2}{2}"), "incorrect"),
        (r"\sqrt[3]{2}", boxed("2^{1/3}"), "correct"),
        (r"\sqrt{2}", boxed("\u221a2"), "correct"),
        (r"2\pi", boxed("2\u03c0"), "correct"),
    ],
    # Answers in \(...\) / \[...\] after a phrase, without a box.
    "math_delimiters": [
        (r"\frac{1}{2}", "The answer is \\(\\frac{1}{2}\\).", "correct"),
        (r"\frac{1}{2}", "Final Answer: \\[\\frac{1}{2}\\]", "correct"),
        (r"\frac{1}{2}", "Thus, the final answer is:\n\\[\n\\frac{1}{2}\n\\]", "correct"),
        (r"\frac{1}{2}", "Thus, the final answer is:\n\\[\n\\frac{1}{3}\n\\]", "incorrect"),
        (r"2\sqrt{3}", "Therefore, the answer is \\( 2\\sqrt{3} \\).", "correct"),
        ("10", "\\(\\boxed{10}\\)", "correct"),
        ("10", "The final answer is $$10$$", "correct"),
    ],
    # Markdown answers without a box.
    "markdown": [
        ("17", "### Final Answer\n\n17", "correct"),
        ("17", "**Final Answer**\n\n$17$", "correct"),
        ("17", "**Final Answer:** The total number of lattice points is 17.", "correct"),
        ("17", "**Answer**: 17", "correct"),
        ("17", "Final answer: **17**", "correct"),
        (r"\frac{3}{5}", "**Answer:** $\\frac{3}{5}$ of the marbles are red.", "correct"),
    ],
    # An answer phrase followed by an explanation on the same line.
    "phrase_then_explanation": [
        ("6", "The answer is 6, because 2 \u00d7 3 = 6.", "correct"),
        ("6", "The answer is $6$ since each of the 3 pairs gives 2.", "correct"),
        ("6", "Final Answer: 6\nThis is because each of the 3 pairs gives 2.", "correct"),
        ("4", "The answer is 4 because the remainder cycles with period 4.", "correct"),
        ("5", "The answer is 5, which is the smallest prime greater than 3.", "correct"),
        ("3", "The answer is 3, since 3 + 4 = 7.", "correct"),
        ("20", "The answer is 20.\n\nExplanation: there are 5 boxes of 4.", "correct"),
    ],
    # Several answer phrases: the last one is the final answer.
    "several_phrases": [
        ("12", "At first glance the answer is 10. But we forgot the two extra, so the final answer is 12.", "correct"),
        (
            "10",
            "At first glance the answer is 10. But we forgot the two extra, so the final answer is 12.",
            "incorrect",
        ),
        ("7", "The answer is 5? No, let me recount. The answer is 7.", "correct"),
        ("14", "Answer: 12\n\nWait, I dropped a carry. Redoing the sum, the answer is 14.", "correct"),
    ],
    # Many intermediate boxes; the last box is the answer.
    "many_boxes": [
        ("12", MANY_BOXES, "correct"),
        ("3", MANY_BOXES, "incorrect"),
        ("4", MANY_BOXES, "incorrect"),
        ("5", BOX_THEN_CHECK, "correct"),
        ("7", "So $a = \\boxed{3}$, $b = \\boxed{4}$, and $a+b = \\boxed{7}$.", "correct"),
    ],
    # \cdot vs \times.
    "cdot_times": [
        (r"3 \times 10^{5}", boxed(r"3 \cdot 10^5"), "correct"),
        (r"2.5 \times 10^{-4}", boxed(r"2.5 \cdot 10^{-4}"), "correct"),
        (r"4 \times 10^{3}", boxed(r"4 \cdot 10^{4}"), "incorrect"),
        ("6ab", boxed(r"6 \cdot a \cdot b"), "correct"),
        (r"12\pi", boxed(r"12 \cdot \pi"), "correct"),
        (r"3 \cdot 10^{5}", boxed(r"3 \times 10^5"), "correct"),
    ],
    # \left( \right) and other wrappers.
    "left_right": [
        ("(2, -3)", boxed(r"\left(2,-3\right)"), "correct"),
        (r"\left(1, \frac{\pi}{4}\right)", boxed(r"\left(1,\tfrac{\pi}{4}\right)"), "correct"),
        (r"\left(-\infty, 1\right)", boxed(r"(-\infty,1)"), "correct"),
        (r"\frac{9}{4}", boxed(r"\left(\frac{3}{2}\right)^2"), "correct"),
        ("(2, -3)", boxed(r"\left(-3, 2\right)"), "incorrect"),
    ],
    # Big integers.
    "big_integers": [
        ("1000000007", boxed("1000000007"), "correct"),
        ("123456789012345678901234567890", boxed("123,456,789,012,345,678,901,234,567,890"), "correct"),
        ("2^{64}", boxed("18446744073709551616"), "correct"),
        ("18446744073709551616", boxed("18446744073709551615"), "incorrect"),
        ("2^{64}", boxed("18446744073709551615"), "incorrect"),
        ("2^{100}", boxed("1267650600228229401496703205377"), "incorrect"),
        ("10^{20}", boxed("100000000000000000001"), "incorrect"),
        ("20!", boxed("2432902008176640001"), "incorrect"),
        ("20!", boxed("2432902008176640000"), "correct"),
    ],
    # Membership answers like x \in [1,2].
    "membership": [
        ("[1,2]", boxed(r"x \in [1,2]"), "correct"),
        ("[1,2]", boxed(r"x \in (1,2)"), "incorrect"),
        (r"(-\infty, 0)", boxed(r"x \in (-\infty, 0)"), "correct"),
    ],
    # Named quantities: k = 5, a+b = 7, f(3) = 12.
    "named_quantities": [
        ("5", boxed("k = 5"), "correct"),
        ("5", "Hence the required value is $k = 5$.\n\n**Answer:** $k=5$", "correct"),
        ("5", boxed("k = 6"), "incorrect"),
        ("7", boxed("a+b=7"), "correct"),
        ("7", boxed("m + n = 7"), "correct"),
        ("7", boxed("a+b=8"), "incorrect"),
        ("12", boxed("f(3) = 12"), "correct"),
        (r"\frac{1}{2}", boxed(r"P = \frac{1}{2}"), "correct"),
        ("3", boxed("AB = 3"), "correct"),
        ("3", boxed("AB = 4"), "incorrect"),
    ],
    # Symbolic fractions.
    "symbolic_fractions": [
        (r"\frac{a}{b}", boxed("a/b"), "correct"),
        (r"\frac{a}{b}", boxed(r"\frac{b}{a}"), "incorrect"),
        (r"\frac{a+b}{2}", boxed(r"\frac{b+a}{2}"), "correct"),
        (r"\frac{ab}{a+b}", boxed(r"\frac{1}{\frac{1}{a}+\frac{1}{b}}"), "correct"),
        (r"\frac{a^2}{4}", boxed(r"\frac{1}{4}a^2"), "correct"),
        (r"\frac{2}{x-1}", boxed(r"\frac{2}{1-x}"), "incorrect"),
    ],
    # Trailing units in \mbox / \mathrm / \text.
    "trailing_units": [
        ("5", boxed(r"5 \mbox{ cm}"), "correct"),
        ("5", boxed(r"5\mathrm{cm}"), "correct"),
        ("5", boxed(r"5\,\mathrm{cm}"), "correct"),
        ("12", boxed(r"12 \mbox{ square units}"), "correct"),
        ("24", boxed(r"24\ \text{cm}^2"), "correct"),
        ("9.8", boxed(r"9.8\ \mathrm{m/s^2}"), "correct"),
        ("5", boxed(r"6 \mbox{ cm}"), "incorrect"),
        ("100", think_box(r"100\text{ km/h}"), "correct"),
        ("3", boxed(r"3\,\text{m}"), "correct"),
        ("3", boxed(r"3\,\text{m}^{3}"), "correct"),
    ],
    # Infinity against finite numbers: never equal.
    "infinity_vs_finite": [
        (r"\infty", boxed("100"), "incorrect"),
        (r"\infty", boxed("0"), "incorrect"),
        (r"-\infty", boxed(r"\infty"), "incorrect"),
        (r"(2, \infty)", boxed("(2, 5)"), "incorrect"),
        (r"(-\infty, 3]", boxed("(-5, 3]"), "incorrect"),
        (r"(-\infty, 0)", boxed(r"(0, \infty)"), "incorrect"),
        (r"(-\infty, 2)", boxed(r"(\infty, 2)"), "incorrect"),
    ],
    # Gold expressions whose trailing letters look like unit names.
    "letters_not_units": [
        ("6ab", boxed("6"), "incorrect"),
        ("6", boxed("6ab"), "incorrect"),
        ("2t", boxed("2"), "incorrect"),
        ("3h", boxed("3"), "incorrect"),
        ("5c", boxed("5"), "incorrect"),
    ],
    # \pm inside a fraction, gold or answer side.
    "plus_minus_in_fraction": [
        (r"\frac{3 \pm \sqrt{5}}{2}", boxed(r"x=\frac{3+\sqrt{5}}{2}, x=\frac{3-\sqrt{5}}{2}"), "correct"),
        (r"\frac{-1+\sqrt{5}}{2}, \frac{-1-\sqrt{5}}{2}", boxed(r"\frac{-1\pm\sqrt{5}}{2}"), "correct"),
    ],
    # Decimals of exact answers: 6+ significant digits rounded or cut from the exact value are
    # right; fewer digits, or a wrong last digit, are close but wrong.
    "rounded_decimals": [
        (r"\frac{1}{3}", boxed("0.3333333"), "correct"),
        (r"\sqrt{2}", boxed("1.4142136"), "correct"),
        (r"\pi", boxed("3.1415927"), "correct"),
        (r"\frac{1}{3}", boxed("0.33333"), "incorrect"),
        (r"\sqrt{2}", boxed("1.4142137"), "incorrect"),
        (r"\pi", boxed("3.1415928"), "incorrect"),
        ("2^{64}", boxed(r"1.8446744 \times 10^{19}"), "incorrect"),
    ],
    # Several math spans on the answer line.
    "answer_line_spans": [
        ("1, -2", "The solutions are $x=1$ and $x=-2$.\n\n**Answer:** $x = 1$ or $x = -2$", "correct"),
    ],
    # "The final answer is: ..." with a colon.
    "final_answer_is_colon": [
        ("18", "Janet makes 9 * 2 = 18 dollars.\nThe final answer is: 18", "correct"),
        (r"\frac{1}{2}", "The final answer is:\n$$\\frac{1}{2}$$", "correct"),
    ],
    # A box earlier, the final statement later as a phrase.
    "box_then_phrase": [
        (
            "12",
            "The number of red balls is $\\boxed{3}$. Multiplying by the 4 colours, the final answer is 12.",
            "correct",
        ),
    ],
}

CASES = table_params(GROUPS)


@pytest.mark.parametrize("gold,response,expected", CASES)
def test_verdict(gold, response, expected):
    check(gold, response, expected)


def test_case_count():
    assert len(CASES) >= 100
