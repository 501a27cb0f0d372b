"""Imported once by the pool's forkserver: loads the verifiers and runs one check of each kind,
so sympy, math-verify's regexes and parser caches are warm in every worker forked from it."""

from reward_service.scoring import score_item

__all__: list[str] = []

score_item("math", "so \\boxed{\\frac{1}{2}}", {"answer": "0.5"}, {})
score_item("math", "The answer is x^2-1.", {"answer": "(x-1)(x+1)"}, {})
