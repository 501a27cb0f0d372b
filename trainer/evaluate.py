"""Held-out evaluation: sample `n` responses per prompt, score them through the reward service,
and report pass@1 and pass@k with the unbiased estimator of Chen et al. (2021, Codex paper):
pass@k = E[1 - C(n - c, k) / C(n, k)] over prompts, c = correct samples among n.

A sample counts as correct when its reward is 1 (partial credit, e.g. a code item passing some
tests, is not a pass). Each pass@k comes with a 95% bootstrap interval (`pass@k/ci95_low`,
`pass@k/ci95_high`: the prompts resampled with replacement, a fixed seed), and a set that mixes
domains is also reported per domain (`<domain>/pass@k`, with its own interval).

Items the service failed to score are left out, counted (`failed_items`) and warned about; a
number with nothing scored behind it is None, never a 0 that reads as "the model got everything
wrong".
"""

import logging
from math import comb

import numpy as np

from trainer.data import Row, prompt_ids
from trainer.distributed import SOLO, World, gather
from trainer.reward import score_responses
from trainer.rollout.base import SamplingConfig

__all__ = ["pass_at_k", "bootstrap_ci", "evaluate", "CI_RESAMPLES"]

log = logging.getLogger("prorl.eval")

CI_RESAMPLES = 2000  # bootstrap resamples behind each 95% interval


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn without replacement from n (c correct) is correct."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def bootstrap_ci(values: list[float], seed: int = 0, resamples: int = CI_RESAMPLES) -> tuple[float, float]:
    """The 95% percentile-bootstrap interval of the mean of `values` (one value per prompt; the
    prompts are resampled with replacement, `resamples` times, from a generator seeded by `seed`)."""
    if not values:
        raise ValueError("bootstrap_ci needs at least one value")
    data = np.asarray(values, dtype=np.float64)
    picks = np.random.default_rng(seed).integers(0, len(data), size=(resamples, len(data)))
    low, high = np.quantile(data[picks].mean(axis=1), [0.025, 0.975])
    return float(low), float(high)


def _summary(per_prompt: list[tuple], ks: tuple[int, ...], seed: int, prefix: str = "") -> dict:
    """pass@k with its interval for each k, and reward_mean, of (n, c, mean reward) per prompt."""
    out: dict = {}
    for k in ks:
        # pass@k needs k scored samples; sorted, so the interval does not depend on the ranks' order
        values = sorted(pass_at_k(n, c, k) for n, c, _ in per_prompt if n >= k)
        out[f"{prefix}pass@{k}"] = sum(values) / len(values) if values else None
        if values:
            out[f"{prefix}pass@{k}/ci95_low"], out[f"{prefix}pass@{k}/ci95_high"] = bootstrap_ci(values, seed)
    out[f"{prefix}reward_mean"] = sum(m for _, _, m in per_prompt) / len(per_prompt) if per_prompt else None
    return out


def evaluate(
    engine,
    client,
    tokenizer,
    rows: list[Row],
    *,
    samples: int,
    temperature: float,
    max_tokens: int,
    timeout_s: float,
    system_prompt: str = "",
    ks: tuple[int, ...] = (1,),
    seed: int = 0,
    world: World = SOLO,
) -> dict:
    """`samples` responses per row, scored: prompts, samples, failed_items, pass@k for each k in `ks`
    (with its 95% interval), reward_mean and response_length_mean; with several domains among the
    rows, also `<domain>/prompts`, `<domain>/pass@k` (and interval) and `<domain>/reward_mean`.
    On N ranks each samples every N-th row and the numbers are pooled over all rows (the same dict
    on every rank)."""
    mine = world.share(rows)
    per_prompt, failed, lengths = [], 0, []
    if mine:
        prompts = [prompt_ids(tokenizer, row.prompt, system_prompt) for row in mine]
        sampling = SamplingConfig(max_tokens=max_tokens, temperature=temperature, seed=seed + world.rank)
        outs = engine.generate(prompts, samples, sampling)
        texts = [c.text for group in outs for c in group]
        results = score_responses(client, [row for row in mine for _ in range(samples)], texts, timeout_s)
        failed = sum(r is None for r in results)
        lengths = [len(c.response_ids) for g in outs for c in g]
        for i in range(len(mine)):
            scored = [r for r in results[i * samples : (i + 1) * samples] if r is not None]
            if scored:
                rewards = [r.reward for r in scored]
                correct = sum(reward >= 1.0 for reward in rewards)
                per_prompt.append((mine[i].domain, len(rewards), correct, sum(rewards) / len(rewards)))
    parts = gather(world, (per_prompt, failed, lengths))
    per_prompt = [entry for part, _, _ in parts for entry in part]
    lengths = [length for _, _, part in parts for length in part]
    metrics: dict = {"prompts": len(rows), "samples": samples, "failed_items": sum(f for _, f, _ in parts)}
    if metrics["failed_items"] and world.main:
        log.warning(
            "%d of %d samples were not scored (the service failed on them); they are left out of pass@k "
            "and reward_mean",
            metrics["failed_items"],
            len(rows) * samples,
        )
    metrics.update(_summary([entry[1:] for entry in per_prompt], ks, seed))
    domains = sorted({row.domain for row in rows})
    if len(domains) > 1:
        for domain in domains:
            entries = [entry[1:] for entry in per_prompt if entry[0] == domain]
            metrics[f"{domain}/prompts"] = sum(row.domain == domain for row in rows)
            metrics.update(_summary(entries, ks, seed, prefix=f"{domain}/"))
    metrics["response_length_mean"] = sum(lengths) / max(len(lengths), 1)
    return metrics
