"""Imported once by the pool's forkserver: loads the verifiers and runs one check of each kind,
so sympy, math-verify's regexes, parser caches, langdetect's profiles and every Reasoning Gym
task's verifier are warm in every worker forked from it."""

from reward_service.scoring import score_item
from reward_service.verifiers import logic

__all__: list[str] = []

score_item("math", "so \\boxed{\\frac{1}{2}}", {"answer": "0.5"}, {})
score_item("math", "The answer is x^2-1.", {"answer": "(x-1)(x+1)"}, {})
score_item(
    "instruction",
    "This reply is written in plain English, as asked.",  # loads langdetect's profiles
    {"instruction_id_list": ["language:response_language"], "kwargs": [{"language": "en"}]},
    {},
)
score_item("stem", "Answer: 6.0 \\times 10^{23} mol^{-1}", {"answer": "6.022e23 mol^-1"}, {})
for _task in logic.task_names():
    logic.scorer(_task)
