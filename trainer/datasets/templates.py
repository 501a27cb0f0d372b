"""Prompt templates of the ProRL recipe, one per domain, as chat message lists.

Where ProRL took a domain's data from a public set, the wording follows that set:
- math: DeepScaleR's instruction appended to the problem;
- code: Eurus-2-RL-Data (PRIME), the program in a fenced block at the end;
- logic: Reasoning Gym's default system prompt (the `<answer>` tags), here in the user turn so
  that the trainer's own `system_prompt` still applies;
- stem: the answer (a choice's letter, or a value with its unit) in `\\boxed{}`, graded like math;
- instruction: the IFEval prompt as is (the instructions are the task).
"""

from reward_service.verifiers.stem_choice import LETTERS  # the labels the stem verifier reads

__all__ = [
    "MATH_INSTRUCTION",
    "LOGIC_INSTRUCTION",
    "user",
    "math_prompt",
    "code_prompt",
    "logic_prompt",
    "stem_choice_prompt",
    "stem_open_prompt",
    "instruction_prompt",
    "LETTERS",
]

MATH_INSTRUCTION = "Let's think step by step and output the final answer within \\boxed{}."
LOGIC_INSTRUCTION = (
    "Once you have thought about the reasoning process, provide the answer in the following format:\n"
    "<answer>answer here</answer>\n"
    "Do not explain your reasoning inside the answer tags, provide only the final answer. "
    "When an example is provided, you should strictly follow the format of the output/answer in that example."
)


def user(content: str) -> list[dict]:
    """A chat prompt of one user message."""
    return [{"role": "user", "content": content}]


def math_prompt(problem: str) -> list[dict]:
    """The problem followed by DeepScaleR's boxed-answer instruction."""
    return user(f"{problem.strip()} {MATH_INSTRUCTION}")


def code_prompt(question: str, language: str = "python", starter_code: str = "", entry_point: str = "") -> list[dict]:
    """`entry_point` set: the program is called as a function (or `Solution().method`) rather than
    run on standard input; `starter_code` is shown as the code to complete."""
    fence = {"python": "python", "cpp": "cpp"}[language]
    name = {"python": "Python", "cpp": "C++"}[language]
    parts = [f"Write {name} code to solve the task.", question.strip()]
    if starter_code.strip():
        parts.append(f"Complete this starter code:\n```{fence}\n{starter_code.rstrip()}\n```")
    if entry_point:
        parts.append(
            f"Your program must define `{entry_point.replace('()', '').split('.')[-1]}`; "
            "it is called directly, so do not read input or print the result."
        )
    else:
        parts.append("Read the input from standard input and write the answer to standard output.")
    parts.append(f"Present the code in \n```{fence}\nYour code\n```\nat the end.")
    return user("\n".join(parts))


def logic_prompt(question: str) -> list[dict]:
    """The puzzle followed by Reasoning Gym's `<answer>` instruction."""
    return user(f"{question.strip()}\n\n{LOGIC_INSTRUCTION}")


def stem_choice_prompt(question: str, choices: list[str]) -> list[dict]:
    """The question, its lettered choices, and a request for the letter in `\\boxed{}`."""
    options = "\n".join(f"{LETTERS[i]}. {choice}" for i, choice in enumerate(choices))
    return user(
        f"{question.strip()}\n\n{options}\n\nLet's think step by step and output the letter of the "
        "correct choice within \\boxed{}."
    )


def stem_open_prompt(question: str) -> list[dict]:
    """The question and a request for the value (with its unit) in `\\boxed{}`."""
    return user(
        f"{question.strip()}\n\nLet's think step by step and output the final answer, with its unit "
        "if it has one, within \\boxed{}."
    )


def instruction_prompt(prompt: str) -> list[dict]:
    """The IFEval prompt as it is."""
    return user(prompt)
