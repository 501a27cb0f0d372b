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
) -> dict:
    """`samples` responses per row, scored: prompts, samples, failed_items, pass@k for each k in `ks`,
    reward_mean and response_length_mean."""
    prompts = [prompt_ids(tokenizer, row.prompt, system_prompt) for row in rows]
    outs = engine.generate(prompts, samples, SamplingConfig(max_tokens=max_tokens, temperature=temperature, seed=seed))
    texts = [c.text for group in outs for c in group]
    expanded = [row for row in rows for _ in range(samples)]
    results = score_responses(client, expanded, texts, timeout_s)
    metrics: dict = {"prompts": len(rows), "samples": samples, "failed_items": sum(r is None for r in results)}
    per_prompt = []
    for i in range(len(rows)):
        scored = [r for r in results[i * samples : (i + 1) * samples] if r is not None]
        if scored:
            rewards = [r.reward for r in scored]
            per_prompt.append((len(rewards), sum(reward >= 1.0 for reward in rewards), sum(rewards) / len(rewards)))
    if metrics["failed_items"]:
        log.warning(
            "%d of %d samples were not scored (the service failed on them); they are left out of pass@k "
            "and reward_mean",
            metrics["failed_items"],
            len(results),
        )
    for k in ks:
        usable = [(n, c) for n, c, _ in per_prompt if n >= k]  # pass@k needs k scored samples of the prompt
        metrics[f"pass@{k}"] = sum(pass_at_k(n, c, k) for n, c in usable) / len(usable) if usable else None
    metrics["reward_mean"] = sum(m for _, _, m in per_prompt) / len(per_prompt) if per_prompt else None
    metrics["response_length_mean"] = sum(len(c.response_ids) for g in outs for c in g) / max(len(texts), 1)
    return metrics
