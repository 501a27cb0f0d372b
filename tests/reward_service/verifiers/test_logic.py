"""The logic domain: Reasoning Gym tasks scored by their own verifiers. Gold answers of generated
entries score 1 through the HTTP API for every task; extraction, unknown tasks, broken entries and
answers that try to run code are tables."""

import ast
import inspect
import json
import re

import pytest
import reasoning_gym
from reasoning_gym.factory import DATASETS

from reward_service.verifiers.logic import MAX_ANSWER_CHARS, extract, task_names, verify
from reward_service.verifiers.logic_guard import EVAL_MODULES, EXPRESSION_TASKS, guard_answer

# Puzzles whose entries carry no single gold answer, and where a valid one lies in the metadata.
EXAMPLE_ANSWERS = {
    "graph_color": lambda m: json.dumps(m["possible_answer"]),
    "propositional_logic": lambda m: m["example_answer"],
    "rubiks_cube": lambda m: m["example_correct_answer"],
}
NO_KNOWN_ANSWER = {"boxnet", "rush_hour"}  # many valid plans, none stored with the entry


def entries(task: str, count: int, seed: int) -> list[dict]:
    dataset = reasoning_gym.create_dataset(task, size=count, seed=seed)
    return [json.loads(json.dumps(dataset[i], default=str)) for i in range(count)]  # as it travels


def gold(task: str, entry: dict) -> str | None:
    if entry["answer"] is not None:
        return str(entry["answer"])
    return EXAMPLE_ANSWERS[task](entry["metadata"]) if task in EXAMPLE_ANSWERS else None


def countdown_entry() -> dict:
    return entries("countdown", 1, seed=5)[0]


def test_every_task_is_listed():
    assert set(task_names()) == set(DATASETS) - {"composite"}
    assert len(task_names()) >= 96  # ProRL trained on 96 Reasoning Gym tasks


def test_gold_answers_score_one_through_http_for_every_task(client):
    items, expected = [], []
    for task in task_names():
        if task in NO_KNOWN_ANSWER:
            continue
        for i, entry in enumerate(entries(task, 3, seed=1234)):
            answer = gold(task, entry)
            if answer is None:
                continue
            response = f"Let me work through this.\n<answer>{answer}</answer>"
            items.append(
                {
                    "id": f"{task}/{i}",
                    "domain": "logic",
                    "response": response,
                    "reference": {"task": task, "entry": entry},
                    "options": {"timeout_s": 30},
                }
            )
            expected.append(task)
    assert len(set(expected)) == len(task_names()) - len(NO_KNOWN_ANSWER)
    results = []
    for start in range(0, len(items), 100):
        reply = client.post("/v1/score", json={"items": items[start : start + 100]})
        assert reply.status_code == 200, reply.text
        results += reply.json()["results"]
    failed = [(r["id"], r["status"], r["reward"], r["detail"]) for r in results if r["reward"] != 1.0]
    assert not failed
    assert all(r["status"] == "correct" for r in results)


@pytest.mark.parametrize("task", ["countdown", "sudoku", "n_queens", "word_ladder", "arc_agi", "knights_knaves"])
def test_wrong_answers_score_below_one(task):
    for entry in entries(task, 3, seed=99):
        verdict = verify("<answer>certainly not this</answer>", {"task": task, "entry": entry})
        assert verdict.status == "incorrect" and verdict.reward < 1.0


def test_tasks_with_many_answers_are_judged_by_the_rules():
    # countdown: any expression using the numbers that hits the target, not only the stored one
    entry = countdown_entry()
    numbers, target = entry["metadata"]["numbers"], entry["metadata"]["target"]
    stored = entry["answer"]
    assert verify(f"<answer>{stored}</answer>", {"task": "countdown", "entry": entry}).reward == 1.0
    other = {**entry, "answer": "this stored answer is not the only one"}
    assert verify(f"<answer>{stored}</answer>", {"task": "countdown", "entry": other}).reward == 1.0
    assert numbers and target


@pytest.mark.parametrize(
    "text,answer",
    [
        ("<answer>42</answer>", "42"),
        ("<answer> 42 \n</answer>", "42"),
        ("<answer>1</answer> then <answer>2</answer>", "2"),
        ("<answer>1</answer> and \\boxed{2}", "1"),
        ("reasoning \\boxed{7}", "7"),
        ("\\boxed{1} then \\boxed{2}", "2"),
        ("<answer>multi\nline</answer>", "multi\nline"),
        ("<ANSWER>42</ANSWER>", "42"),
        ("\\boxed{\\text{False}}", "False"),
        ("<answer>The answer is \\boxed{3}</answer>", "3"),
        ("<answer>$3$</answer>", "3"),
        ("<answer>**3**</answer>", "3"),
        ("<answer>`3`</answer>", "3"),
        ("<answer>−4</answer>", "-4"),
        ("<answer>$3$ and $4$</answer>", "$3$ and $4$"),
        ("\\boxed{3} and then <answer>4", None),  # the last answer was never closed
        ("<answer>4 and then \\boxed{3}", "3"),
        ("<answer>\\boxed{-61}</answer>", "-61"),
        ("<answer> \\boxed{ 7 } </answer>", "7"),
        ("<answer>\\boxed{1} and \\boxed{2}</answer>", "\\boxed{1} and \\boxed{2}"),
        ("<answer>unclosed", None),
        ("no tags at all: 42", None),
        ("</answer><answer>", None),
        ("", None),
    ],
)
def test_extraction(text, answer):
    assert extract(text) == answer


@pytest.mark.parametrize(
    "response,status",
    [
        ("I think it is 5", "no_answer"),
        ("<answer>5", "no_answer"),
        ("<think><answer>5</answer>", "no_answer"),  # never finished thinking
    ],
)
def test_no_answer(response, status):
    from reward_service.scoring import score_item

    verdict = score_item("logic", response, {"task": "countdown", "entry": countdown_entry()}, {})
    assert verdict.status == status and verdict.reward == 0.0


def test_answer_after_thinking_is_graded():
    from reward_service.scoring import score_item

    entry = countdown_entry()
    response = f"<think>maybe <answer>1+1</answer></think> <answer>{entry['answer']}</answer>"
    assert score_item("logic", response, {"task": "countdown", "entry": entry}, {}).reward == 1.0


@pytest.mark.parametrize(
    "task,fragment",
    [
        ("coundown", "did you mean countdown"),
        ("no_such_task", "prorl data logic --list"),
        ("composite", "prorl data logic --list"),
    ],
)
def test_unknown_task_is_the_items_error(task, fragment):
    verdict = verify("<answer>1</answer>", {"task": task, "entry": {"question": "q", "answer": "1"}})
    assert verdict.status == "error" and verdict.reward == 0.0
    assert fragment in verdict.detail


def test_unknown_task_is_an_item_error_through_http(client):
    items = [
        {"domain": "logic", "response": "<answer>1</answer>", "reference": {"task": "nope", "entry": {"answer": "1"}}},
        {
            "domain": "logic",
            "response": f"<answer>{countdown_entry()['answer']}</answer>",
            "reference": {"task": "countdown", "entry": countdown_entry()},
        },
    ]
    results = client.post("/v1/score", json={"items": items}).json()["results"]
    assert [r["status"] for r in results] == ["error", "correct"]


def test_valid_tasks_are_in_the_domain_schema(client):
    domains = {d["name"]: d for d in client.get("/v1/domains").json()["domains"]}
    schema = domains["logic"]["reference_schema"]
    assert "countdown" in schema["properties"]["task"]["enum"]


@pytest.mark.parametrize(
    "reference,fragment",
    [
        ({"entry": {}}, "task"),
        ({"task": "countdown"}, "entry"),
        ({"task": "countdown", "entry": {"metadata": "not a dict"}}, "metadata"),
        ({"task": "countdown", "entry": {}, "extra": 1}, "extra"),
    ],
)
def test_malformed_references_are_422(client, reference, fragment):
    reply = client.post("/v1/score", json={"items": [{"domain": "logic", "response": "x", "reference": reference}]})
    assert reply.status_code == 422 and fragment in reply.text


def test_a_verifier_that_raises_on_the_answer_scores_zero():
    entry = entries("prime_factorization", 1, seed=3)[0]
    verdict = verify("<answer>two times three</answer>", {"task": "prime_factorization", "entry": entry})
    assert verdict.status == "incorrect" and verdict.reward == 0.0
    assert "rejected the answer" in verdict.detail


def test_an_entry_the_verifier_cannot_read_is_the_items_error():
    entry = {"question": "q", "answer": "2 × 3", "metadata": {}}
    verdict = verify("<answer>2 × 3</answer>", {"task": "countdown", "entry": entry})
    assert verdict.status != "correct"
    broken = {"question": "q", "answer": "abc", "metadata": {}}  # countdown needs metadata numbers/target
    verdict = verify("<answer>abc</answer>", {"task": "prime_factorization", "entry": broken})
    assert verdict.status == "error" and "own answer" in verdict.detail


def test_config_changes_what_the_verifier_accepts():
    # puzzle24 rejects numbers outside the config's range: the same answer under two configs
    entry = {"question": "q", "answer": "9 + 9 + 3 + 3", "metadata": {}}
    answer = "<answer>9 + 9 + 3 + 3</answer>"
    wide = verify(answer, {"task": "puzzle24", "entry": entry, "config": {"min_value": 1, "max_value": 9}})
    narrow = verify(answer, {"task": "puzzle24", "entry": entry, "config": {"min_value": 4, "max_value": 9}})
    assert (wide.reward, narrow.reward) == (1.0, 0.01)


def test_bad_config_is_the_items_error():
    verdict = verify("<answer>1</answer>", {"task": "puzzle24", "entry": {"answer": "1"}, "config": {"no_such": 1}})
    assert verdict.status == "error" and "config" in verdict.detail


def test_game_of_life_halting_needs_the_right_word():
    # upstream gives 1.0 to any non-empty answer (bool("False") is True); we compare the words
    for entry in entries("game_of_life_halting", 6, seed=2):
        right, wrong = entry["answer"], "False" if entry["answer"] == "True" else "True"
        reference = {"task": "game_of_life_halting", "entry": entry}
        assert verify(f"<answer>{right}</answer>", reference).reward == 1.0
        assert verify(f"<answer>{wrong}</answer>", reference).reward == 0.0
        assert verify("<answer>banana</answer>", reference).reward == 0.0


@pytest.mark.parametrize(
    "task,answer",
    [
        ("spiral_matrix", "__import__('os').system('touch /tmp/prorl-pwned')"),
        ("n_queens", "[open('/tmp/prorl-pwned', 'w')]"),
        ("binary_matrix", "exec('import os')"),
        ("string_insertion", "globals()"),
        ("countdown", "exec(chr(105)+chr(109))"),
        ("countdown", "(1).__class__"),
        ("puzzle24", "lambda: 1"),
        ("simple_integration", "x.__class__"),
        ("intermediate_integration", "sympify(x)"),
        ("polynomial_multiplication", "eval(x)"),
    ],
)
def test_answers_never_run_as_code(task, answer, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("os.system", lambda *a: calls.append(a))
    entry = entries(task, 1, seed=4)[0]
    verdict = verify(f"<answer>{answer}</answer>", {"task": task, "entry": entry})
    assert verdict.reward < 1.0 and not calls


@pytest.mark.parametrize(
    "task,answer,refused",
    [
        ("countdown", "82 + 20 + 67 - 50", False),
        ("countdown", "(8 - 2) * 4 / 1", False),
        ("simple_integration", "-9*x**8/10 + 3*x**4/2 + C", False),
        ("intermediate_integration", "2*(-10*x - 10)**(3/2)/3 + sin(x) + exp(x) + C", False),
        ("polynomial_multiplication", "1638*x**6 + 1281*y**5 + 0.5*z", False),
        ("countdown", "exec(chr(49))", True),
        ("countdown", "print(1)", True),
        ("countdown", "x.real", True),
        ("countdown", "1 .real", True),
        ("countdown", "'1'", True),
        ("countdown", "__import__", True),
        ("countdown", "a[0]", True),
        ("countdown", "x if 1 else 2", True),
        ("countdown", "9**9**9", True),
        ("countdown", "9^(9)^9", True),
        ("countdown", "2**10000", True),
        ("countdown", "factorial(99999999)", True),
        ("simple_integration", "x**3/3 + x**2 + C", False),
        ("sudoku", "exec(chr(49))", False),  # its verifier never evaluates text
    ],
)
def test_expression_guard(task, answer, refused):
    assert (guard_answer(task, answer) is not None) == refused


def test_every_eval_of_an_answer_upstream_is_guarded():
    """Scan the installed Reasoning Gym: each score_answer (and the methods of its class it calls)
    that evals or sympy-parses text must be covered by logic_guard, so an upgrade that adds one
    fails here instead of opening a hole."""
    risky = re.compile(r"\b(?:eval|exec|parse_expr|sympify|compile)\s*\(")
    found = set()
    for task in task_names():
        cls = DATASETS[task][0]
        source = inspect.getsource(cls.score_answer)
        for called in set(re.findall(r"self\.(\w+)\(", source)):
            member = getattr(cls, called, None)
            if inspect.isfunction(member):
                source += inspect.getsource(member)
        if risky.search(source):
            found.add(task)
    guarded = {task for task in found if task in EXPRESSION_TASKS or DATASETS[task][0].__module__ in EVAL_MODULES}
    assert found == guarded
    assert len(found) >= 8


def test_patched_eval_still_reads_lists():
    entry = entries("spiral_matrix", 1, seed=6)[0]
    matrix_answer = "[" + ", ".join(entry["answer"].split()) + "]"
    verdict = verify(f"<answer>{matrix_answer}</answer>", {"task": "spiral_matrix", "entry": entry})
    assert verdict.reward == 0.1  # upstream's partial credit for the list form: it was read, not run
    assert ast.literal_eval(matrix_answer)


def test_overlong_answers_are_refused():
    verdict = verify(
        "<answer>" + "1" * (MAX_ANSWER_CHARS + 1) + "</answer>", {"task": "countdown", "entry": countdown_entry()}
    )
    assert verdict.status == "incorrect" and "refused" in verdict.detail


@pytest.mark.parametrize(
    "response",
    [
        "<answer>" * 100_000,
        "</answer>" * 100_000,
        "<answer>" + "9" * 15_000 + "</answer>",
        "<answer>" + "9**" * 3000 + "9</answer>",
        "\\boxed{" * 50_000,
    ],
)
def test_hostile_responses_get_a_verdict_through_http(client, response):
    item = {
        "domain": "logic",
        "response": response,
        "reference": {"task": "countdown", "entry": countdown_entry()},
        "options": {"timeout_s": 5},
    }
    result = client.post("/v1/score", json={"items": [item]}).json()["results"][0]
    assert result["reward"] < 1.0 and result["status"] in ("incorrect", "no_answer", "timeout")


def test_a_verifier_that_hangs_is_killed_and_the_next_item_is_scored(client):
    # intermediate_integration differentiates and simplifies the answer: this one takes sympy ~20 s
    slow_entry = entries("intermediate_integration", 1, seed=5)[0]
    slow = {
        "domain": "logic",
        "reference": {"task": "intermediate_integration", "entry": slow_entry},
        "response": "<answer>sin(x)**97*cos(x)**89*exp(sin(x))*log(x)**13 + C</answer>",
        "options": {"timeout_s": 1},
    }
    entry = countdown_entry()
    fine = {
        "domain": "logic",
        "response": f"<answer>{entry['answer']}</answer>",
        "reference": {"task": "countdown", "entry": entry},
    }
    results = client.post("/v1/score", json={"items": [slow, fine]}).json()["results"]
    assert [r["status"] for r in results] == ["timeout", "correct"]
