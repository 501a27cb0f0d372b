"""The rollout stage (`collect_groups`) with a scripted engine and reward client: dynamic
sampling's rounds and warnings, dropped unscored groups, and scoring of one chunk overlapping
generation of the next."""

import math
import time

from reward_service.schemas import Result
from trainer.config import TrainConfig
from trainer.data import Row
from trainer.groups import PromptStream, collect_groups, step_metrics
from trainer.rollout.base import Completion


class ScriptedEngine:
    """Prompt i's samples answer "1" for the first `right[i]` of them, "2" after."""

    def __init__(self, right: dict[int, int]):
        self.right, self.calls = right, []

    def generate(self, prompts, n, sampling):
        self.calls.append(("generate", time.monotonic(), len(prompts)))
        time.sleep(0.2)
        return [
            [Completion([1], f"\\boxed{{{1 if k < self.right[p[0]] else 2}}}", truncated=False) for k in range(n)]
            for p in prompts
        ]


class ScriptedClient:
    def __init__(self, engine, fail_prompt: int | None = None):
        self.engine, self.fail_prompt = engine, fail_prompt

    def score_sync(self, items):
        start = time.monotonic()
        time.sleep(0.5)
        self.engine.calls.append(("scored", start, time.monotonic()))
        return [
            None if item["reference"]["id"] == self.fail_prompt else _result(item["response"] == "\\boxed{1}")
            for item in items
        ]


def _result(right: bool) -> Result:
    return Result(
        id=None,
        reward=float(right),
        status="correct" if right else "incorrect",
        extracted=None,
        detail="",
        elapsed_ms=1.0,
    )


def _stream(count: int) -> PromptStream:
    rows = [Row(f"q{i}", "math", {"answer": "1", "id": i}) for i in range(count)]
    return PromptStream(rows, [[i] for i in range(count)], seed=0)


def _config(**overrides) -> TrainConfig:
    values = dict(
        train_data="-",
        prompts_per_step=4,
        group_size=4,
        rollout_batch_prompts=2,
        max_sampling_rounds=3,
        response_length_schedule=[[0, 8]],
    )
    values.update(overrides)
    return TrainConfig(**values)


def test_scoring_overlaps_next_generation():
    engine = ScriptedEngine({i: 2 for i in range(4)})
    groups, stats = collect_groups(engine, ScriptedClient(engine), _stream(4), _config(), step=0, max_tokens=8)
    assert len(groups) == 4 and stats["rounds"] == 1
    generate_starts = [t for kind, t, _ in engine.calls if kind == "generate"]
    first_scoring = next((start, end) for kind, start, end in engine.calls if kind == "scored")
    assert len(generate_starts) == 2
    assert first_scoring[0] < generate_starts[1] < first_scoring[1]  # chunk 2 generated while chunk 1 was being scored


def test_dynamic_sampling_refills_then_trains_on_what_there_is():
    engine = ScriptedEngine({i: (2 if i % 3 == 0 else 0) for i in range(100)})  # one prompt in three is informative
    groups, stats = collect_groups(engine, ScriptedClient(engine), _stream(100), _config(), step=0, max_tokens=8)
    assert stats["rounds"] == 3 and 0 < len(groups) < 4
    assert all(len({s.reward for s in g}) == 2 for g in groups)  # only groups with varied rewards
    assert all(abs(sum(s.advantage for s in g)) < 1e-5 for g in groups)
    off, _ = collect_groups(
        engine, ScriptedClient(engine), _stream(100), _config(dynamic_sampling=False), step=0, max_tokens=8
    )
    assert len(off) == 4  # without the filter every group is kept, all-equal ones with zero advantages


def test_unscored_group_is_dropped_not_zeroed():
    engine = ScriptedEngine({i: 2 for i in range(4)})
    groups, stats = collect_groups(
        engine, ScriptedClient(engine, fail_prompt=1), _stream(4), _config(max_sampling_rounds=1), step=0, max_tokens=8
    )
    assert stats["failed_items"] == 4 and len(groups) == 3
    assert all(g[0].prompt_ids != [1] for g in groups)


def test_a_step_with_nothing_scored_has_no_mean_reward_rather_than_zero():
    engine = ScriptedEngine({0: 2})
    groups, stats = collect_groups(
        engine, ScriptedClient(engine, fail_prompt=0), _stream(1), _config(max_sampling_rounds=1), step=0, max_tokens=8
    )
    metrics = step_metrics(stats, groups)
    assert groups == [] and metrics["reward/failed_items"] == 16
    assert math.isnan(metrics["reward/mean"]) and math.isnan(metrics["response/length_mean"])  # logged as null
