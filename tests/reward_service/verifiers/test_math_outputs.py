"""Realistic full model outputs and near-miss answers for the math verifier.

``score_item("math", response, {"answer": gold}, {})`` strips reasoning (text
after the last ``</think>`` only), reads the final answer (last ``\\boxed{}``,
else ``<answer>``, ``####`` or the last final-answer phrase) and compares it
with the gold answer.

This file complements ``test_math.py`` and ``test_math_styles.py`` with:

* whole responses in the shapes current models produce on MATH, AIME, GSM8K,
  OlympiadBench and AMC: DeepSeek-R1 (a long ``<think>`` trace full of
  tentative boxes, then a markdown summary), Qwen2.5-Math (numbered steps with
  display math, "Thus, the final answer is \\[\\boxed{..}\\]"), Llama
  ("## Step 1: ..." and "The final answer is: $\\boxed{..}$");
* answer spellings from those sets: AMC choices boxed with their value
  (``\\boxed{\\textbf{(C)}\\ 12}``), AIME leading zeros (``045``), ``a=2, b=3``
  for an ordered pair, trailing ``\\%`` and ``\\$``, negative fractions,
  roots, binomials, logs, trig values, complex numbers, vectors, polynomials,
  intervals and their unions, big integers;
* near misses a sloppy grader would accept: sign errors, swapped tuples,
  off-by-one, open vs closed endpoints, partial sets, an answer containing the
  gold as a part, hedged answers, rounded decimals of exact values;
* robustness: 3-8k character responses with many intermediate boxes,
  markdown headings, display math without a box, and a verification
  paragraph after the final answer.

Every expected value is what a careful human grader would say, not what the
verifier currently returns; genuinely ambiguous cases are left out.
"""

import pytest

from tests.reward_service.verifiers.tables import check, table_params

# --------------------------------------------------------------------------
# Response builders, in the shapes current models write.
# --------------------------------------------------------------------------

_R1_THINK = (
    (
        "<think>\n"
        "Okay, let me try to figure out this problem. So we need to find the "
        "value asked for in the question. Let me restate it to make sure I "
        "understand. We have a few quantities related by the given conditions, "
        "and we want the final quantity.\n\n"
        "First, let me try small cases. If n = 1, then the expression is 3, so "
        "maybe the answer is \\boxed{3}? Hmm, wait, that can't be right, because "
        "the problem says n is at least 2. Let me redo that.\n\n"
        "For n = 2 we get 4 + 3 = 7. For n = 3 we get 9 + 3 = 12. Hmm, so the "
        "pattern is n^2 + 3? Let me check n = 4: 16 + 3 = 19. Yes.\n\n"
        "Wait, but actually the question asks for something slightly different. "
        "Let me reread it. Okay, so we need to combine these. Let me think again "
        "about whether the answer should be \\boxed{19} or something else.\n\n"
        "Alternatively, maybe I should set up an equation. Let x be the unknown. "
        "Then 2x + 1 = 11 would give x = 5, but that's not the right equation "
        "here... Actually, hold on. Let me carefully recompute everything from "
        "scratch, because I think I made an arithmetic slip earlier.\n\n"
    )
    + (
        "Let me verify step by step. The first condition gives a relation "
        "between the two unknowns. Substituting into the second condition and "
        "simplifying gives a quadratic, which factors nicely. Checking the "
        "discriminant: it is positive, so there are two real roots, but only one "
        "satisfies the constraint from the problem. Let me double check that "
        "root by substituting it back into both conditions. Yes, it works.\n\n"
    )
    * 6
    + ("So I'm fairly confident now. Let me write up the solution.\n</think>\n\n")
)


def r1(ans):
    """DeepSeek-R1: long think with tentative boxes, then a markdown summary."""
    return (
        _R1_THINK + "To solve the problem, we proceed as follows.\n\n"
        "1. **Set up the relation.** From the first condition we obtain a "
        "relation between the unknowns.\n"
        "2. **Substitute.** Substituting into the second condition gives a "
        "quadratic equation, which factors.\n"
        "3. **Check the constraint.** Only one root satisfies the given "
        "constraint.\n\n"
        "Thus, the required value is found.\n\n"
        "**Final Answer**\n"
        "\\boxed{" + ans + "}"
    )


def qwen_math(ans):
    """Qwen2.5-Math: steps with display math, then a display box."""
    return (
        "To solve the problem, we will follow these steps:\n\n"
        "1. **Identify the given information.**\n"
        "2. **Set up the equation.**\n"
        "3. **Solve the equation.**\n\n"
        "**Step 1: Identify the given information.**\n\n"
        "We are given that the sum of the two numbers is 10 and their "
        "difference is 4.\n\n"
        "**Step 2: Set up the equation.**\n\n"
        "\\[\nx + y = 10, \\quad x - y = 4\n\\]\n\n"
        "**Step 3: Solve the equation.**\n\n"
        "Adding the two equations, we get:\n\\[\n2x = 14 \\implies x = 7\n\\]\n"
        "Substituting back, \\( y = 3 \\).\n\n"
        "Thus, the final answer is:\n\\[\n\\boxed{" + ans + "}\n\\]"
    )


def qwen_inline(ans):
    """Qwen2.5-Math on GSM8K: the box inside the concluding sentence."""
    return (
        "To determine how much Janet makes, we first find how many eggs are "
        "left: \\(16 - 3 - 4 = 9\\). Each egg sells for \\$2, so she makes "
        "\\(9 \\times 2 = 18\\).\n\n"
        "Therefore, Janet makes \\(\\boxed{" + ans + "}\\) every day at the "
        "farmers' market."
    )


def llama(ans):
    """Llama 3 style: '## Step n:' headings and 'The final answer is: $\\boxed{..}$'."""
    return (
        "## Step 1: Understand the problem\n"
        "We need to find the value described in the problem statement.\n\n"
        "## Step 2: Set up the equations\n"
        "Let the two numbers be $a$ and $b$. Then $a + b = 10$ and "
        "$a - b = 4$.\n\n"
        "## Step 3: Solve the system\n"
        "Adding gives $2a = 14$, so $a = 7$ and $b = 3$.\n\n"
        "## Step 4: Compute the requested quantity\n"
        "Substituting the values gives the result.\n\n"
        "The final answer is: $\\boxed{" + ans + "}$"
    )


def amc(ans):
    """AMC-style solution that boxes the choice letter with its value."""
    return (
        "We count the arrangements by cases. Case 1 gives 4 arrangements and "
        "case 2 gives 8, for a total of 12.\n\n"
        "Hence the answer is $\\boxed{" + ans + "}$."
    )


def long_cot(ans, after=""):
    """3-8k characters, markdown headings, many intermediate boxes, then the final box."""
    parts = ["# Solution\n\n"]
    for k in range(1, 11):
        parts.append(
            f"## Part {k}\n\n"
            f"We compute the {k}-th intermediate quantity. Expanding the "
            f"definition and collecting terms, we find $a_{k} = {k * k} + {k}$, "
            f"so $a_{k} = \\boxed{{{k * k + k}}}$. Checking against the "
            f"recurrence $a_{{{k}}} = a_{{{k - 1}}} + {2 * k}$ confirms this "
            "value, and the sequence stays positive, as required by the "
            "constraints of the problem. We keep this value for later.\n\n"
        )
    parts.append(
        "## Combining the parts\n\n"
        "Summing the intermediate quantities and applying the closed form, "
        "we obtain the requested value.\n\n"
        "### Final Answer\n\n$\\boxed{" + ans + "}$"
    )
    return "".join(parts) + after


# Fixed texts that follow a final box (verification / remark paragraphs).
CHECK_SUBSTITUTE = "\n\n**Verification:** Substituting $x = 5$ back: $2(5) + 1 = 11$ \u2713."
CHECK_ANSWER_IS_RIGHT = "\n\nWe can double-check that this answer is right: $2 \\cdot 5 + 1 = 11$."
CHECK_FINAL_ANSWER = "\n\nFinal answer check: $x = 5$ satisfies $2x + 1 = 11$."
REMARK_INDEPENDENT = "\n\nNote that the answer is independent of $k$ for all $k \\geq 1$."
REMARK_VERIFY_FINAL = "\n\nTo verify the final answer, we substitute 5 into the equation: 2(5) + 1 = 11, which holds."


GROUPS = {
    # Whole responses in current models' shapes (answer itself simple).
    "model_shapes": [
        ("12", r1("12"), "correct"),
        ("19", r1("12"), "incorrect"),
        ("3", r1("12"), "incorrect"),
        (r"\frac{7}{3}", r1(r"\dfrac{7}{3}"), "correct"),
        ("7", qwen_math("7"), "correct"),
        ("3", qwen_math("7"), "incorrect"),
        ("(7, 3)", qwen_math("(7, 3)"), "correct"),
        ("18", qwen_inline("18"), "correct"),
        ("18", qwen_inline(r"18 \text{ dollars}"), "correct"),
        ("18", qwen_inline("16"), "incorrect"),
        ("21", llama("21"), "correct"),
        ("21", llama("20"), "incorrect"),
        (r"\frac{1}{2}", llama(r"\frac{1}{2}"), "correct"),
        ("42", "The final answer is: $\\boxed{42}$. I hope it is correct.", "correct"),
    ],
    # AMC: gold is the value, the model boxes the letter with the value.
    "amc_choices": [
        ("12", amc(r"\textbf{(C)}\ 12"), "correct"),
        ("12", amc(r"\textbf{(C) }12"), "correct"),
        ("12", amc(r"\text{(C) } 12"), "correct"),
        ("12", amc(r"\mathrm{(C)}\ 12"), "correct"),
        ("12", amc(r"\textbf{(D)}\ 13"), "incorrect"),
        (r"\frac{1}{2}", amc(r"\textbf{(B)}\ \frac{1}{2}"), "correct"),
        (r"\frac{1}{2}", amc(r"\textbf{(B)}\ \frac{1}{3}"), "incorrect"),
        ("12", "Counting both cases, the answer is $\\textbf{(C)}\\ 12$.", "correct"),
        (r"\text{(C)}", amc(r"\text{(C)}"), "correct"),
        (r"\text{(C)}", amc("C"), "correct"),
        (r"\text{(C)}", amc(r"\textbf{(C)}"), "correct"),
        (r"\text{(C)}", amc(r"\text{(D)}"), "incorrect"),
        (r"\text{(C)}", amc(r"\text{(C) } 12"), "correct"),
    ],
    # AIME: answers are 000-999; leading zeros are formatting.
    "aime_leading_zeros": [
        ("45", r1("045"), "correct"),
        ("045", r1("45"), "correct"),
        ("7", r1("007"), "correct"),
        ("80", "Therefore the answer is $\\boxed{080}$.", "correct"),
        ("45", "Adding the residues, the answer is 045.", "correct"),
        ("450", r1("045"), "incorrect"),
        ("45", r1("054"), "incorrect"),
        ("033", r1("34"), "incorrect"),
    ],
    # Text answers inside \text{} / \textbf{}.
    "text_boxes": [
        (r"\text{even}", r1(r"\text{Even}"), "correct"),
        (r"\text{no}", r1(r"\text{No}"), "correct"),
        (r"\text{no}", r1(r"\text{Yes}"), "incorrect"),
        (r"\text{Devon}", llama(r"\text{Devon}"), "correct"),
        (r"\text{Devon}", llama(r"\text{Evan}"), "incorrect"),
    ],
    # Ordered pairs answered as named values (the question asks for (a, b)).
    "named_pairs": [
        ("(2, 3)", qwen_math("a=2, b=3"), "correct"),
        ("(2, 3)", qwen_math(r"a = 2 \text{ and } b = 3"), "correct"),
        ("(2, 3)", qwen_math("(a, b) = (2, 3)"), "correct"),
        ("(2, 3)", qwen_math("b=3, a=2"), "correct"),
        ("(2, 3)", qwen_math("a=3, b=2"), "incorrect"),
        ("(2, 3)", qwen_math("(3, 2)"), "incorrect"),
        ("(1, 2, 3)", qwen_math("(1, 3, 2)"), "incorrect"),
        ("(-1, 5)", qwen_math("(1, 5)"), "incorrect"),
    ],
    # Percent and money.
    "percent_money": [
        ("35", qwen_math(r"35\%"), "correct"),
        ("35", qwen_math(r"35\,\%"), "correct"),
        ("35", qwen_math(r"36\%"), "incorrect"),
        ("5", qwen_inline(r"\$5.00"), "correct"),
        (r"\$5.00", qwen_inline("5"), "correct"),
        ("5", qwen_inline(r"\$5.50"), "incorrect"),
        ("0.5", qwen_inline(r"\$0.50"), "correct"),
        ("1.25", qwen_inline(r"1.25 \text{ dollars}"), "correct"),
        ("50", qwen_inline(r"50 \text{ cents}"), "correct"),
        ("1080", qwen_inline(r"\$1,080"), "correct"),
        ("1080", qwen_inline(r"\$1,800"), "incorrect"),
        ("5.5", qwen_inline(r"5 \text{ hours and } 30 \text{ minutes}"), "correct"),
        ("45", "Adding the residues mod 1000 gives 45.\n#### 045", "correct"),
    ],
    # Negative fractions and fraction spellings.
    "negative_fractions": [
        (r"-\frac{3}{4}", r1(r"\frac{-3}{4}"), "correct"),
        (r"-\frac{3}{4}", r1(r"\frac{3}{-4}"), "correct"),
        (r"-\frac{3}{4}", r1(r"-\frac34"), "correct"),
        (r"\frac{-3}{4}", r1("-0.75"), "correct"),
        (r"-\frac{3}{4}", r1(r"-\frac{4}{3}"), "incorrect"),
        (r"-\frac{3}{4}", r1(r"\frac{3}{4}"), "incorrect"),
        (r"\frac34", r1(r"\frac{3}{4}"), "correct"),
        ("0.125", r1(r"\frac18"), "correct"),
        (r"\frac{9}{2}", r1("4.5"), "correct"),
        (r"\frac{3\sqrt{2}}{2}", r1(r"3\sqrt{2}/2"), "correct"),
        (r"\frac{3\sqrt{2}}{2}", r1(r"\frac{3}{\sqrt{2}}"), "correct"),
        (r"\frac{3\sqrt{2}}{2}", r1(r"\frac{2}{3\sqrt{2}}"), "incorrect"),
    ],
    # Roots, binomials, logs, trig values.
    "roots_binom_log_trig": [
        ("2^{1/3}", qwen_math(r"\sqrt[3]{2}"), "correct"),
        (r"\sqrt[3]{4}", qwen_math("2^{2/3}"), "correct"),
        (r"\sqrt[4]{8}", qwen_math("2^{3/4}"), "correct"),
        (r"\sqrt[3]{2}", qwen_math(r"\sqrt{2}"), "incorrect"),
        (r"\sqrt[3]{2}", qwen_math(r"2^{3}"), "incorrect"),
        (r"\binom{5}{2}", qwen_math("10"), "correct"),
        ("10", qwen_math(r"\binom{5}{3}"), "correct"),
        ("10", qwen_math(r"\binom{6}{2}"), "incorrect"),
        (r"\dbinom{8}{3}", qwen_math("56"), "correct"),
        (r"\log_2 5", qwen_math(r"\frac{\log 5}{\log 2}"), "correct"),
        (r"\frac{1}{2}\log_2 3", qwen_math(r"\log_4 3"), "correct"),
        (r"2\ln 2", qwen_math(r"\ln 4"), "correct"),
        (r"2\ln 2", qwen_math(r"\ln 2"), "incorrect"),
        (r"\frac{\sqrt{2}}{2}", qwen_math(r"\cos\frac{\pi}{4}"), "correct"),
        (r"-\frac{\sqrt{2}}{2}", qwen_math(r"\frac{\sqrt{2}}{2}"), "incorrect"),
        (r"\frac{1}{2}", qwen_math(r"\sin\frac{\pi}{6}"), "correct"),
    ],
    # Complex numbers.
    "complex": [
        ("3+4i", r1("4i+3"), "correct"),
        ("3+4i", r1("(3+4i)"), "correct"),
        ("3+4i", r1("3-4i"), "incorrect"),
        ("3+4i", r1("4+3i"), "incorrect"),
        ("-1+2i", r1("2i-1"), "correct"),
        (r"\frac{1}{2}+\frac{\sqrt{3}}{2}i", r1(r"\frac{1+i\sqrt{3}}{2}"), "correct"),
        ("2i", r1("-2i"), "incorrect"),
        ("3+4i", r1(r"3+4\mathrm{i}"), "correct"),
        ("7", r1(r"3+4\mathrm{i}"), "incorrect"),
    ],
    # Vectors and matrices.
    "vectors": [
        (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r1(r"\begin{pmatrix}1\\2\end{pmatrix}"), "correct"),
        (r"\begin{pmatrix} -1 \\ 2 \\ 3 \end{pmatrix}", r1(r"\begin{bmatrix} -1 \\ 2 \\ 3 \end{bmatrix}"), "correct"),
        (r"\begin{pmatrix} -1 \\ 2 \\ 3 \end{pmatrix}", r1(r"\begin{pmatrix} 1 \\ -2 \\ 3 \end{pmatrix}"), "incorrect"),
        (
            r"\begin{pmatrix} 1/3 \\ -2/3 \end{pmatrix}",
            r1(r"\begin{pmatrix} \frac{1}{3} \\ -\frac{2}{3} \end{pmatrix}"),
            "correct",
        ),
        (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r1("(1, 2)"), "correct"),
        ("(1, 2)", r1(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"), "correct"),
        (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", r1("(2, 1)"), "incorrect"),
    ],
    # Polynomials and expressions (OlympiadBench-style closed forms).
    "polynomials": [
        ("x^3-2x+1", llama("x^3 - 2x + 1"), "correct"),
        ("x^3-2x+1", llama("1-2x+x^3"), "correct"),
        ("x^3-2x+1", llama("x^2-2x+1"), "incorrect"),
        ("x^3-2x+1", llama("x^3-2x-1"), "incorrect"),
        ("p(x)=x^2+1", llama("x^2+1"), "correct"),
        ("x^2+1", llama("p(x) = x^2+1"), "correct"),
        ("2x^2-3x+1", llama("(2x-1)(x-1)"), "correct"),
        ("x^4+4", llama("(x^2+2x+2)(x^2-2x+2)"), "correct"),
        ("3x^2", llama("x^3"), "incorrect"),
        ("2^{n}-1", r1("2^n - 1"), "correct"),
        ("2^{n}-1", r1("2^{n-1}"), "incorrect"),
        (r"\frac{n(n-1)}{2}", r1(r"\binom{n}{2}"), "correct"),
        ("(n-1)!", r1("(n-1)!"), "correct"),
        ("(n-1)!", r1("n!"), "incorrect"),
        ("f(x)=x", r1("f(x) = x"), "correct"),
    ],
    # Intervals: x \in (...), inequalities, unions; endpoints matter.
    "intervals": [
        ("(1, 3)", qwen_math(r"x \in (1, 3)"), "correct"),
        ("(1, 3)", qwen_math("1 < x < 3"), "correct"),
        ("(1, 3)", qwen_math(r"x \in [1, 3]"), "incorrect"),
        ("(1, 3)", qwen_math("(1, 3]"), "incorrect"),
        ("(1, 3)", qwen_math("(1, 4)"), "incorrect"),
        (r"(-\infty, 1) \cup (2, \infty)", qwen_math(r"(-\infty,1)\cup(2,+\infty)"), "correct"),
        (r"(-\infty, 1) \cup (2, \infty)", qwen_math(r"x \in (-\infty, 1) \cup (2, \infty)"), "correct"),
        (r"(-\infty, 1) \cup (2, \infty)", qwen_math(r"x < 1 \text{ or } x > 2"), "correct"),
        (r"(-\infty, 1) \cup (2, \infty)", qwen_math(r"(-\infty,1]\cup[2,\infty)"), "incorrect"),
        (r"(-\infty, 1) \cup (2, \infty)", qwen_math(r"(-\infty, 1)"), "incorrect"),
        (r"(-\infty, 1) \cup (2, \infty)", qwen_math("(1, 2)"), "incorrect"),
        (r"(-\infty, 1) \cup (2, \infty)", qwen_math(r"(-\infty, 2)"), "incorrect"),
        ("[-2, 3)", qwen_math(r"-2 \le x < 3"), "correct"),
        ("[-2, 3)", qwen_math(r"-2 < x \le 3"), "incorrect"),
    ],
    # Sets of solutions: partially correct is incorrect.
    "partial_sets": [
        (r"\{1, 2, 4\}", r1(r"\{4, 2, 1\}"), "correct"),
        (r"\{1, 2, 4\}", r1("1, 2, 4"), "correct"),
        (r"\{1, 2, 4\}", r1(r"\{1, 2\}"), "incorrect"),
        (r"\{1, 2, 4\}", r1(r"\{1, 2, 4, 8\}"), "incorrect"),
        ("1, 2, 4", r1("1, 2, 4, 8"), "incorrect"),
        ("4, 6", "So the two values are $\\boxed{4}$ and $\\boxed{6}$.", "correct"),
        ("4, 6", "So the two values are $\\boxed{4}$ and $\\boxed{7}$.", "incorrect"),
    ],
    # Big integers.
    "big_integers": [
        ("3^{40}", llama("12157665459056928801"), "correct"),
        ("12157665459056928801", llama("12157665459056928800"), "incorrect"),
        ("2^{31}-1", llama("2147483647"), "correct"),
        ("2^{31}-1", llama("2147483648"), "incorrect"),
        ("2^{2023}", llama("2^{2022}"), "incorrect"),
        ("2^{2023}", llama(r"2 \cdot 2^{2022}"), "correct"),
        ("10^{100}", llama("10^{99}"), "incorrect"),
    ],
    # Near misses a sloppy grader would accept.
    "near_misses": [
        ("-6", r1("6"), "incorrect"),
        ("2024", r1("2023"), "incorrect"),
        ("2024", r1("2025"), "incorrect"),
        ("12", r1("12+5"), "incorrect"),
        ("12", r1(r"12 \text{ and } 5"), "incorrect"),
        ("12", r1("120"), "incorrect"),
        ("12", r1("1.2"), "incorrect"),
        ("12", r1(r"12^2"), "incorrect"),
        (r"\frac{1}{7}", r1("0.14286"), "incorrect"),  # five digits: too few for an exact gold
        (r"\sqrt{2}", r1("1.41"), "incorrect"),
        (r"\pi", r1(r"\pi^{2}/\pi + 1"), "incorrect"),
        ("3", "So $n$ is either $\\boxed{3}$ or $\\boxed{4}$.", "incorrect"),
        ("4", "So $n$ is either $\\boxed{3}$ or $\\boxed{4}$.", "incorrect"),
        ("3", "The answer is either $3$ or $4$, depending on the parity.", "incorrect"),
        (
            "6",
            "So the answer is $\\boxed{5}$.\n\nHowever, if the endpoints "
            "are also counted, the answer would be $\\boxed{6}$.",
            "incorrect",
        ),
    ],
    # Exact answers written with an approximation, and unsimplified arithmetic.
    "approximations": [
        (r"\sqrt{2}", r1(r"\sqrt{2} \approx 1.41"), "correct"),
        (r"\frac{25}{3}", r1(r"\frac{25}{3} \approx 8.33"), "correct"),
        ("12", r1(r"3 \times 4 = 12"), "correct"),
        ("12", r1(r"3 \times 4 = 13"), "incorrect"),
    ],
    # Long (3-8k chars) responses, many intermediate boxes, headings, and
    # paragraphs after the final answer.
    "long_and_after": [
        ("204", long_cot("204"), "correct"),
        ("72", long_cot("204"), "incorrect"),
        ("5", long_cot("5", CHECK_SUBSTITUTE), "correct"),
        ("5", long_cot("5", CHECK_ANSWER_IS_RIGHT), "correct"),
        ("5", long_cot("5", CHECK_FINAL_ANSWER), "correct"),
        ("5", long_cot("5", REMARK_INDEPENDENT), "correct"),
        ("5", long_cot("5", REMARK_VERIFY_FINAL), "correct"),
        ("11", long_cot("5", CHECK_ANSWER_IS_RIGHT), "incorrect"),
        ("5", r1("5") + CHECK_FINAL_ANSWER, "correct"),
        ("42", _R1_THINK + "### Summary\n\nAfter simplification the count is 42.\n\nThe answer is 42.", "correct"),
    ],
    # Display math answers without a box.
    "display_no_box": [
        (r"\frac{3}{2}", "Solving for $x$ gives the value.\n\n**Final Answer**\n\\[\n\\frac{3}{2}\n\\]", "correct"),
        (r"\frac{3}{2}", "Solving for $x$ gives the value.\n\n**Final Answer**\n\\[\n\\frac{2}{3}\n\\]", "incorrect"),
        ("42", "Collecting terms, the answer is therefore\n\\[ 42 \\]", "correct"),
        ("42", "### Final Answer\n\\[\nN = 42\n\\]", "correct"),
    ],
}

# Known gaps: a human grades these as expected, we do not yet. Strict, so a fix shows up as a
# failure here until its mark is removed.
KNOWN_GAPS = {
    "named_pairs-3": "named values in another order (b=3, a=2) are matched by position",
    "percent_money-11": "compound units (5 hours and 30 minutes) are not converted",
    "near_misses-14": "a hedged second box ('the answer would be') still counts as the last box",
}
CASES = table_params(GROUPS, KNOWN_GAPS)


@pytest.mark.parametrize("gold,response,expected", CASES)
def test_verdict(gold, response, expected):
    check(gold, response, expected)


def test_case_count():
    assert len(CASES) >= 120


def test_long_responses_are_long():
    for response in (long_cot("5", CHECK_ANSWER_IS_RIGHT), r1("12")):
        assert 3000 <= len(response) <= 8000
