"""Held-out evaluation with a scripted engine and client: items the service could not score are
left out and counted, and a pass@k with nothing scored behind it is None, never a silent 0."""

import logging

import pytest

from reward_service.schemas import Result
from trainer.data import Row
from trainer.evaluate import evaluate
from trainer.rollout.base import Completion


class Engine:
    """Sample k of prompt "q<i>" answers "<i>-<k>", so the client below can script each result."""

    def generate(self, prompts, n, sampling):
        return [[Completion([1, 2], f"{p[0]}-{k}", truncated=False) for k in range(n)] for p in prompts]


class Client:
    def __init__(self, rewards: dict[str, float | None]):
        self.rewards = rewards

    def score_sync(self, items):
        return [None if self.rewards[i["response"]] is None else _result(self.rewards[i["response"]]) for i in items]


def _result(reward: float) -> Result:
    return Result(
        id=None,
        reward=reward,
        status="correct" if reward == 1.0 else "incorrect",
        extracted=None,
        detail="",
        elapsed_ms=1.0,
    )


def tokenizer(text, add_special_tokens=True):
    return {"input_ids": [int(text[1:])]}


def _evaluate(rewards: dict, prompts: int, samples: int, ks: tuple) -> dict:
    rows = [Row(f"q{i}", "math", {"answer": "1"}) for i in range(prompts)]
    return evaluate(
        Engine(), Client(rewards), tokenizer, rows, samples=samples, temperature=1.0, max_tokens=4, timeout_s=1.0, ks=ks
    )


def test_unscored_samples_are_left_out_and_counted(caplog):
    # Prompt 0: two right, one wrong, one unscored (n=3, c=2). Prompt 1: nothing scored, so it is left out entirely.
    rewards = {"0-0": 1.0, "0-1": 0.0, "0-2": None, "0-3": 1.0, **{f"1-{k}": None for k in range(4)}}
    with caplog.at_level(logging.WARNING, logger="prorl.eval"):
        result = _evaluate(rewards, prompts=2, samples=4, ks=(1, 2, 4))
    assert result["failed_items"] == 5
    assert result["pass@1"] == pytest.approx(2 / 3)  # not 1/3: prompt 1 is no evidence of a wrong model
    assert result["pass@2"] == pytest.approx(1.0)  # 1 - C(1, 2) / C(3, 2)
    assert result["pass@4"] is None  # no prompt has 4 scored samples
    assert result["reward_mean"] == pytest.approx(2 / 3)
    assert "5 of 8 samples were not scored" in caplog.text


def test_nothing_scored_reports_none_not_zero():
    result = _evaluate({f"{i}-{k}": None for i in range(3) for k in range(2)}, prompts=3, samples=2, ks=(1, 2))
    assert result["failed_items"] == 6
    assert result["pass@1"] is None and result["pass@2"] is None and result["reward_mean"] is None
