"""Model text is never `eval`ed, and answers too costly to parse are refused before parsing."""

import math_verify.parser
import pytest

from reward_service.scoring import score_item
from reward_service.verifiers.math_guard import refusal


def test_model_text_never_reaches_eval(monkeypatch, tmp_path):
    def forbidden(*args, **kwargs):
        raise AssertionError("parse_expr (eval-based) was called on model text")

    monkeypatch.setattr(math_verify.parser, "parse_expr", forbidden)
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    for response, gold, status in [
        (f"The answer is {payload}", "5", "incorrect"),
        (f"\\boxed{{{payload}}}", "5", "incorrect"),
        ("The answer is 1/2 + 1/4.", "3/4", "correct"),
        ("So the answer is 42 apples.", "42", "correct"),
        ("Final Answer: 3^2 - 1", "8", "correct"),
    ]:
        assert score_item("math", response, {"answer": gold}, {}).status == status, response
    assert not marker.exists()


@pytest.mark.parametrize(
    "answer,refused",
    [
        ("10^{10^{10^{10}}}", True),
        ("2^2^2^2", True),
        ("9**9**9**9", True),
        ("x^{y^{z^{w}}}", True),
        ("10^{10^{10}}", False),  # two levels: parsed, and stopped by the time limit if it must be
        ("e^{x^2}", False),
        ("2^{10} + 3^{2}", False),
        ("(" * 41 + "1" + ")" * 41, True),
        ("(" * 10 + "1" + ")" * 10, False),
        ("1+" * 600 + "1", True),
        ("\\frac{1}{2}", False),
    ],
)
def test_refusal(answer, refused):
    assert (refusal(answer, max_chars=1000) is not None) == refused


def test_refused_answer_is_a_timeout_with_a_reason():
    v = score_item("math", "\\boxed{2^{2^{2^{2}}}}", {"answer": "65536"}, {})
    assert v.status == "timeout" and "exponent tower" in v.detail and v.reward == 0.0
