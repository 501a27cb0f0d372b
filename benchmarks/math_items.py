"""Realistic math items for benchmarks: RL-style groups of 8 responses per problem, some right,
some wrong, as short boxed answers or as long chain-of-thought responses (a few thousand
characters). Deterministic for a seed; every response is distinct, so nothing is deduplicated.
Wrong answers are often one-off numbers, as sampled at temperature 1.2 they are: the same answer
text repeats within a group about as often as it does in real rollouts, not more."""

import random

__all__ = ["make_items"]

# (gold, right answers, wrong answers): mixed forms a grader meets in practice.
PROBLEMS = [
    ("42", ["42", "42.0"], ["24", "41"]),
    ("\\frac{3}{4}", ["\\frac{3}{4}", "0.75", "\\dfrac{3}{4}"], ["\\frac{4}{3}", "0.7"]),
    ("2\\sqrt{2}", ["2\\sqrt{2}", "\\sqrt{8}"], ["\\sqrt{2}", "4"]),
    ("\\frac{\\pi}{6}", ["\\frac{\\pi}{6}", "\\pi/6"], ["\\frac{\\pi}{3}", "30"]),
    ("x^2-1", ["(x-1)(x+1)", "x^2-1"], ["x^2+1", "(x-1)^2"]),
    ("(1, 2)", ["(1,2)", "(1, 2)"], ["(2,1)", "(1,3)"]),
    ("\\{1, 2, 3\\}", ["\\{3,2,1\\}", "1, 2, 3"], ["\\{1,2\\}", "\\{1,2,4\\}"]),
    ("[0, 1)", ["[0,1)", "[0, 1)"], ["(0,1)", "[0,1]"]),
    ("1000", ["1,000", "1000", "10^3"], ["100", "10000"]),
    ("25\\%", ["25\\%", "25", "0.25"], ["20\\%", "2.5"]),
    ("-\\frac{1}{2}", ["-\\frac12", "-0.5"], ["\\frac{1}{2}", "-2"]),
    ("3x+2", ["2+3x", "3x + 2"], ["3x-2", "2x+3"]),
    ("e^{2}", ["e^2", "\\exp(2)"], ["2e", "e^{3}"]),
    ("\\sqrt{3}", ["\\sqrt{3}", "3^{1/2}"], ["3", "\\sqrt{2}"]),
    ("\\frac{1}{6}", ["\\frac{1}{6}", "1/6"], ["\\frac{1}{5}", "0.16"]),
    ("17", ["17", "x = 17"], ["71", "16"]),
]

_FILLER = [
    "Let me set up the problem carefully. We are told that the quantity satisfies $a_{n+1} = 2a_n + 1$ with $a_0 = 1$.",
    "Expanding the product gives $(x+1)(x-1) = x^2 - 1$, which we can substitute back into the equation.",
    "Checking the boundary case: if $n = 0$ the sum is empty, "
    "so the formula gives $\\frac{0 \\cdot 1}{2} = 0$ as expected.",
    "Now I need to be careful about the sign. "
    "Since $\\sin\\theta > 0$ in the first quadrant, we take the positive root.",
    "By the AM-GM inequality, $\\frac{a+b}{2} \\ge \\sqrt{ab}$, with equality exactly when $a = b$.",
    "Wait, let me double-check that step. Multiplying both sides by $3$ gives $3y = 12$, so $y = 4$.",
    "So the discriminant is $b^2 - 4ac = 16 - 12 = 4 > 0$, meaning there are two distinct real roots.",
    "Hmm, that does not look right. Let me recompute: $\\binom{5}{2} = 10$ and $\\binom{5}{3} = 10$.",
]


def _response(rng: random.Random, answer: str, long: bool, serial: int) -> str:
    if not long:
        return f"Step {serial}: simplifying, the result is $\\boxed{{{answer}}}$."
    parts = [f"Attempt {serial}."]
    while sum(map(len, parts)) < rng.randint(2000, 4000):
        parts.append(rng.choice(_FILLER))
    parts.append(f"Therefore, the final answer is $\\boxed{{{answer}}}$.")
    return "\n\n".join(parts)


def make_items(count: int, long: bool, seed: int = 0, group: int = 8) -> list[dict]:
    """`count` math items in groups of `group` per problem: half right, a quarter wrong, the rest random."""
    rng = random.Random(seed)
    items = []
    while len(items) < count:
        gold, right, wrong = rng.choice(PROBLEMS)
        for _ in range(group):
            roll = rng.random()
            if roll < 0.5:
                answer = rng.choice(right)
            elif roll < 0.75:
                answer = rng.choice(wrong)
            else:
                answer = rng.choice(
                    [str(rng.randint(-999, 999)), f"\\frac{{{rng.randint(1, 99)}}}{{{rng.randint(2, 99)}}}"]
                )
            items.append(
                {
                    "id": str(len(items)),
                    "domain": "math",
                    "response": _response(rng, answer, long, len(items)),
                    "reference": {"answer": gold},
                }
            )
    return items[:count]
