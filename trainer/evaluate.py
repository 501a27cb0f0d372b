"""Held-out evaluation: sample `n` responses per prompt, score them through the reward service,
and report pass@1 and pass@k with the unbiased estimator of Chen et al. (2021, Codex paper):
pass@k = E[1 - C(n - c, k) / C(n, k)] over prompts, c = correct samples among n.

A sample counts as correct when its reward is 1 (partial credit, e.g. a code item passing some
tests, is not a pass). Items the service failed to score are left out, counted (`failed_items`)
and warned about; a number with nothing scored behind it is None, never a 0 that reads as "the
model got everything wrong".
"""

import logging
from math import comb

from trainer.data import Row, prompt_ids
from trainer.distributed import SOLO, World, gather
from trainer.reward import score_responses
from trainer.rollout.base import SamplingConfig

__all__ = ["pass_at_k", "evaluate"]

log = logging.getLogger("prorl.eval")


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn without replacement from n (c correct) is correct."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


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
    """`samples` responses per row, scored: prompts, samples, failed_items, pass@k for each k in `ks`,
    reward_mean and response_length_mean. On N ranks each samples every N-th row and the numbers
    are pooled over all rows (the same dict on every rank)."""
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
                per_prompt.append((len(rewards), sum(reward >= 1.0 for reward in rewards), sum(rewards) / len(rewards)))
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
    for k in ks:
        usable = [(n, c) for n, c, _ in per_prompt if n >= k]  # pass@k needs k scored samples of the prompt
        metrics[f"pass@{k}"] = sum(pass_at_k(n, c, k) for n, c in usable) / len(usable) if usable else None
    metrics["reward_mean"] = sum(m for _, _, m in per_prompt) / len(per_prompt) if per_prompt else None
    metrics["response_length_mean"] = sum(lengths) / max(len(lengths), 1)
    return metrics
