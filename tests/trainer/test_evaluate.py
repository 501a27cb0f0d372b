"""Held-out evaluation with a scripted engine and client: items the service could not score are
left out and counted, and a pass@k with nothing scored behind it is None, never a silent 0."""

import logging

import pytest

from reward_service.schemas import Result
from trainer.data import Row
from trainer.evaluate import bootstrap_ci, evaluate
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


def _evaluate(rewards: dict, prompts: int, samples: int, ks: tuple, domains=("math",)) -> dict:
    rows = [Row(f"q{i}", domains[i % len(domains)], {"answer": "1"}) for i in range(prompts)]
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


def test_a_mixed_set_is_reported_per_domain_with_intervals():
    # Even prompts are math, odd ones logic. Math: prompt 0 right 2 of 2, prompt 2 right 0 of 2.
    # Logic: prompt 1 right 1 of 2, prompt 3 right 2 of 2.
    right = {(0, 0), (0, 1), (1, 0), (3, 0), (3, 1)}
    rewards = {f"{i}-{k}": float((i, k) in right) for i in range(4) for k in range(2)}
    result = _evaluate(rewards, prompts=4, samples=2, ks=(1, 2), domains=("math", "logic"))
    assert result["pass@1"] == pytest.approx(5 / 8)
    assert result["math/prompts"] == 2 and result["logic/prompts"] == 2
    assert result["math/pass@1"] == pytest.approx(0.5)
    assert result["math/pass@2"] == pytest.approx(0.5)  # one prompt solved at all
    assert result["logic/pass@1"] == pytest.approx(0.75)
    assert result["logic/pass@2"] == pytest.approx(1.0)
    # Math's two prompts score 1 and 0: the resampled means are 0, 0.5 or 1, so the interval is [0, 1].
    assert (result["math/pass@1/ci95_low"], result["math/pass@1/ci95_high"]) == (0.0, 1.0)
    assert (result["logic/pass@2/ci95_low"], result["logic/pass@2/ci95_high"]) == (1.0, 1.0)  # no spread


def test_a_single_domain_set_has_no_per_domain_keys():
    result = _evaluate({f"{i}-0": 1.0 for i in range(3)}, prompts=3, samples=1, ks=(1,))
    assert not [key for key in result if key.startswith("math/")]
    assert result["pass@1/ci95_low"] == result["pass@1/ci95_high"] == 1.0


def test_bootstrap_interval_matches_the_binomial_spread_and_is_reproducible():
    values = [1.0] * 60 + [0.0] * 140  # 200 prompts, 30% solved: standard error sqrt(.3 * .7 / 200) = 0.0324
    low, high = bootstrap_ci(values, seed=0)
    assert low < 0.3 < high
    assert high - low == pytest.approx(2 * 1.96 * 0.0324, rel=0.1)
    assert bootstrap_ci(values, seed=0) == (low, high)
    assert bootstrap_ci(values, seed=1) != (low, high)
    with pytest.raises(ValueError, match="at least one value"):
        bootstrap_ci([])
