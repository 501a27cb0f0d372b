"""A step's training groups: rollout, reward, filter and advantage (`collect_groups`), the
prompt stream they draw from, and the step's rollout metrics.

On N ranks every rank holds the same `PromptStream` and takes the same prompts each round; rank r
generates and scores every N-th of them (its own `RewardClient`, so scoring spreads over the
service's replicas with no rank in the middle). Dynamic sampling decides on the global picture:
the kept and sampled counts of each round are summed over the ranks, so every rank runs the same
rounds. At the end the kept groups are gathered to every rank and put in one order, the order of
the prompts drawn (round, then position), which does not depend on the number of ranks: N ranks
train on the groups one rank would have kept from the same samples.
"""

import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import torch

from trainer import algos
from trainer.config import TrainConfig
from trainer.data import Row
from trainer.distributed import SOLO, World, gather, sum_all
from trainer.reward import score_responses
from trainer.rollout import SamplingConfig

__all__ = ["Sample", "PromptStream", "collect_groups", "merge_stats", "step_metrics"]

_RANK_SEED_STRIDE = 1_000_003  # rank r's sampling seeds: rank 0's plus r times this (apart from any step's)


@dataclass
class Sample:
    """One response of a kept group, as the update trains on it: token ids, shaped reward and group advantage."""

    prompt_ids: list[int]
    response_ids: list[int]
    reward: float
    advantage: float = 0.0


class PromptStream:
    """Prompts in a fresh seeded order every epoch; its whole state is one integer (resumable)."""

    def __init__(self, rows: list[Row], ids: list[list[int]], seed: int, cursor: int = 0):
        self.rows, self.ids, self.seed, self.cursor = rows, ids, seed, cursor
        self._epoch, self._shuffled = -1, []

    def take(self, count: int) -> list[int]:
        """The next `count` row indices (crossing into the next epoch's order when one ends)."""
        out = []
        for _ in range(count):
            epoch, index = divmod(self.cursor, len(self.rows))
            out.append(self._order(epoch)[index])
            self.cursor += 1
        return out

    def _order(self, epoch: int) -> list[int]:
        if self._epoch != epoch:
            self._epoch, self._shuffled = epoch, list(range(len(self.rows)))
            random.Random(self.seed * 100003 + epoch).shuffle(self._shuffled)
        return self._shuffled


def collect_groups(
    engine, client, stream: PromptStream, config: TrainConfig, step: int, max_tokens: int, world: World = SOLO
) -> tuple[list[list[Sample]], dict]:
    """Rollout, reward, filter and advantage: sample groups until `prompts_per_step` informative
    ones are kept (over all ranks) or the rounds run out. Scoring a chunk overlaps generating the
    next one. Returns the step's kept groups, the same list on every rank, and this rank's stats."""
    n, need = config.group_size, config.prompts_per_step
    kept: list[tuple[tuple[int, int], list[Sample]]] = []  # (round, position among the round's prompts), group
    stats = {
        "generate_s": 0.0,
        "reward_s": 0.0,
        "sampled_groups": 0,
        "kept_groups": 0,
        "failed_items": 0,
        "rounds": 0,
        "rewards": [],
        "domain_rewards": {},
        "lengths": [],
        "truncated": 0,
    }
    kept_ratio, kept_total = 1.0, 0
    with ThreadPoolExecutor(max_workers=1) as scorer:
        for round_ in range(config.max_sampling_rounds):
            missing = need - kept_total
            count = min(need, math.ceil(missing / max(kept_ratio, 0.25))) if round_ else need
            picks = stream.take(count)  # every rank advances the stream alike
            positions = world.share(list(range(len(picks))))
            stats["rounds"] += 1
            pending = []
            for c, start in enumerate(range(0, len(positions), config.rollout_batch_prompts)):
                chunk = positions[start : start + config.rollout_batch_prompts]
                sampling = SamplingConfig(
                    max_tokens=max_tokens,
                    temperature=config.temperature,
                    top_p=config.top_p,
                    seed=config.seed * 7919 + step * 1000 + round_ * 100 + c + world.rank * _RANK_SEED_STRIDE,
                )
                t = time.perf_counter()
                outs = engine.generate([stream.ids[picks[p]] for p in chunk], n, sampling)
                stats["generate_s"] += time.perf_counter() - t
                rows = [stream.rows[picks[p]] for p in chunk for _ in range(n)]
                texts = [comp.text for group in outs for comp in group]
                future = scorer.submit(score_responses, client, rows, texts, config.reward_timeout_s)
                pending.append((chunk, outs, future))
            t = time.perf_counter()
            round_kept = round_groups = 0
            for chunk, outs, future in pending:
                results = future.result()
                for g, (position, group) in enumerate(zip(chunk, outs)):
                    round_groups += 1
                    samples = _judge_group(
                        stream, picks[position], group, results[g * n : (g + 1) * n], config, max_tokens, stats
                    )
                    if samples is not None:
                        round_kept += 1
                        stats["kept_groups"] += 1
                        kept.append(((round_, position), samples))
            stats["reward_s"] += time.perf_counter() - t
            round_kept, round_groups = sum_all(world, [round_kept, round_groups])
            kept_total += int(round_kept)
            kept_ratio = round_kept / max(round_groups, 1)
            if kept_total >= need:
                break
    everyone = sorted((entry for part in gather(world, kept) for entry in part), key=lambda entry: entry[0])
    return [samples for _, samples in everyone[:need]], stats


def _judge_group(
    stream: PromptStream, index: int, group: list, scored: list, config: TrainConfig, max_tokens: int, stats: dict
) -> list[Sample] | None:
    """One prompt's group: its samples with shaped rewards and group advantages, or None when it is
    dropped (an item went unscored, or dynamic sampling finds every reward equal). Counts into `stats`."""
    stats["sampled_groups"] += 1
    if any(r is None for r in scored):  # unscored: drop the group, never reward 0
        stats["failed_items"] += sum(r is None for r in scored)
        return None
    rewards = torch.tensor([r.reward for r in scored], dtype=torch.float32)
    lengths = torch.tensor([len(c.response_ids) for c in group])
    truncated = torch.tensor([c.truncated for c in group])
    domain = stream.rows[index].domain
    stats["rewards"] += rewards.tolist()
    stats["domain_rewards"].setdefault(domain, []).extend(rewards.tolist())
    stats["lengths"] += lengths.tolist()
    stats["truncated"] += int(truncated.sum())
    shaped = algos.shape_overlong(
        rewards, lengths, truncated, max_tokens, config.overlong, config.overlong_buffer_tokens
    )
    if config.dynamic_sampling and not bool(algos.kept_groups(shaped, config.group_size)[0]):
        return None
    advantages = algos.group_advantages(shaped, config.group_size, scale_by_std=config.scale_adv_by_std)
    return [Sample(stream.ids[index], c.response_ids, float(r), float(a)) for c, r, a in zip(group, shaped, advantages)]


def merge_stats(parts: list[dict]) -> dict:
    """The ranks' rollout stats as one: counts summed, values pooled; a time is the slowest rank's
    (the step waits for it) and rounds are the same on every rank."""
    merged = {
        "generate_s": max(p["generate_s"] for p in parts),
        "reward_s": max(p["reward_s"] for p in parts),
        "rounds": parts[0]["rounds"],
        "domain_rewards": {},
    }
    for key in ("sampled_groups", "kept_groups", "failed_items", "truncated", "rewards", "lengths"):
        merged[key] = sum((p[key] for p in parts), [] if isinstance(parts[0][key], list) else 0)
    for part in parts:
        for domain, values in part["domain_rewards"].items():
            merged["domain_rewards"].setdefault(domain, []).extend(values)
    return merged


def _mean(values: list) -> float:
    """NaN for no values (logged as null): a step whose items all went unscored has no mean reward, not 0."""
    return sum(values) / len(values) if values else math.nan


def step_metrics(stats: dict, kept: list[list[Sample]]) -> dict:
    """The rollout half of a step's metrics line, from (merged) stats and the kept groups."""
    rewards = stats["rewards"]
    metrics = {
        "reward/mean": _mean(rewards),
        "groups/kept_ratio": len(kept) / max(stats["sampled_groups"], 1),
        "groups/trained": len(kept),
        "groups/sampled": stats["sampled_groups"],
        "sampling/rounds": stats["rounds"],
        "reward/failed_items": stats["failed_items"],
        "response/length_mean": _mean(stats["lengths"]),
        "response/length_max": max(stats["lengths"], default=0),
        "response/truncated_ratio": stats["truncated"] / len(stats["lengths"]) if stats["lengths"] else math.nan,
        "time/generate_s": stats["generate_s"],
        "time/reward_s": stats["reward_s"],
    }
    for domain, values in stats["domain_rewards"].items():
        metrics[f"reward/mean/{domain}"] = _mean(values)
    return metrics
