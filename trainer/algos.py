"""GRPO's maths as pure functions: advantages, the clipped policy loss, the KL penalty, token
log-probs, and the reward shaping applied before advantages. No module state, no I/O; the
training loop composes them. Shapes are in the docstrings: B sequences, T response positions,
V vocabulary entries.

Conventions, pinned by tests/trainer/test_algos.py:
- Group advantages follow veRL's `compute_grpo_outcome_advantage`: the group's *unbiased* std
  (n - 1 in the denominator) and eps 1e-6. A group whose rewards are all equal gets advantage 0;
  a group of one sample has mean 0 / std 1 in veRL, we give it 0 as well (it carries no signal).
- The policy loss is aggregated token by token over every response token of the optimizer-step
  batch (DAPO's "token-mean"): each micro-batch returns a *sum* and the caller divides by the
  batch's token count, so the split into micro-batches never changes the gradient.
"""

import torch

__all__ = [
    "LOG_RATIO_CLAMP",
    "group_advantages",
    "token_logprobs",
    "entropy_from_logits",
    "policy_loss_terms",
    "kl_k3",
    "masked_sum",
    "kept_groups",
    "shape_overlong",
]

LOG_RATIO_CLAMP = 20.0  # exp(20) ~ 5e8: keeps ratios finite when policies drift far apart
KL_CLAMP = 10.0


def group_advantages(
    rewards: torch.Tensor, group_size: int, eps: float = 1e-6, scale_by_std: bool = True
) -> torch.Tensor:
    """rewards: (B,) ordered group by group, B = groups * group_size. Returns advantages (B,).

    `(r - mean) / (std + eps)` within each group (unbiased std). `scale_by_std=False` is Dr. GRPO's
    variant: `r - mean` only, which does not up-weight nearly-solved or nearly-hopeless groups."""
    if rewards.dim() != 1 or rewards.numel() % group_size:
        raise ValueError(
            f"rewards must be 1-D with a multiple of group_size={group_size} entries, got {tuple(rewards.shape)}"
        )
    grouped = rewards.float().view(-1, group_size)
    centered = grouped - grouped.mean(dim=1, keepdim=True)
    if scale_by_std and group_size > 1:
        centered = centered / (grouped.std(dim=1, unbiased=True, keepdim=True) + eps)
    if group_size == 1:
        centered = torch.zeros_like(centered)
    return centered.view(-1)


def token_logprobs(logits: torch.Tensor, tokens: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits: (B, T, V) at the positions that predict `tokens`: (B, T). Returns (B, T) log-probs
    of `tokens` under softmax(logits / temperature): the distribution the sampler drew from."""
    scaled = _upcast(logits) / temperature
    picked = scaled.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    return picked - torch.logsumexp(scaled, dim=-1)


def _upcast(logits: torch.Tensor) -> torch.Tensor:
    """bf16/fp16 logits to fp32 before the softmax (its sums lose too much at half precision)."""
    return logits.to(torch.promote_types(logits.dtype, torch.float32))


def entropy_from_logits(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits: (B, T, V). Returns the per-position entropy (B, T) of softmax(logits / temperature)."""
    scaled = _upcast(logits) / temperature
    logp = torch.log_softmax(scaled, dim=-1)
    return -(logp.exp() * logp).sum(dim=-1)


def masked_sum(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sum of `values` where `mask` is set; masked entries may hold inf/NaN without leaking."""
    return torch.where(mask.bool(), values, torch.zeros_like(values)).sum()


def policy_loss_terms(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    eps_low: float = 0.2,
    eps_high: float = 0.4,
) -> dict[str, torch.Tensor]:
    """Decoupled-clip PPO objective (DAPO "clip-higher"), per token.

    logprobs, old_logprobs, mask: (B, T); advantages: (B,) or (B, T).
    Returns sums over masked tokens (divide by the batch's token count to get means):
    `loss` = sum of max(-A * ratio, -A * clip(ratio, 1 - eps_low, 1 + eps_high)),
    `clipped_low` / `clipped_high` = tokens whose clipped branch was taken below / above,
    `approx_kl` = sum of old - new log-prob (PPO's "ppo_kl")."""
    mask = mask.bool()
    if advantages.dim() == 1:
        advantages = advantages.unsqueeze(-1).expand_as(logprobs)
    # Masking before the exponent keeps padding garbage from turning into inf * 0 = NaN.
    log_ratio = torch.where(mask, logprobs - old_logprobs, torch.zeros_like(logprobs))
    ratio = torch.exp(log_ratio.clamp(-LOG_RATIO_CLAMP, LOG_RATIO_CLAMP))
    unclipped = -advantages * ratio
    clipped = -advantages * ratio.clamp(1 - eps_low, 1 + eps_high)
    per_token = torch.maximum(unclipped, clipped)
    took_clip = clipped > unclipped
    return {
        "loss": masked_sum(per_token, mask),
        "clipped_low": masked_sum((took_clip & (ratio < 1 - eps_low)).float(), mask),
        "clipped_high": masked_sum((took_clip & (ratio > 1 + eps_high)).float(), mask),
        "approx_kl": masked_sum(-log_ratio, mask),
    }


def kl_k3(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """Schulman's k3 estimator of KL(policy || reference), per token: (B, T) -> (B, T).

    exp(ref - cur) - (ref - cur) - 1: unbiased, always >= 0, low variance. The log-ratio is clamped
    to +-20 and the result to [-10, 10] (veRL's "low_var_kl") so one runaway token cannot blow up
    the loss; the clamps only bite far outside the range a 1e-4 penalty is meant for."""
    log_ratio = (ref_logprobs - logprobs).clamp(-LOG_RATIO_CLAMP, LOG_RATIO_CLAMP)
    return (log_ratio.exp() - log_ratio - 1).clamp(-KL_CLAMP, KL_CLAMP)


def kept_groups(rewards: torch.Tensor, group_size: int, tol: float = 1e-6) -> torch.Tensor:
    """Dynamic sampling's filter (DAPO): rewards (B,) grouped -> bool (groups,), False for a group
    whose rewards are all equal (its advantages are all zero, so it only dilutes the batch)."""
    grouped = rewards.float().view(-1, group_size)
    return (grouped.max(dim=1).values - grouped.min(dim=1).values) > tol


def shape_overlong(
    rewards: torch.Tensor,
    lengths: torch.Tensor,
    truncated: torch.Tensor,
    max_tokens: int,
    mode: str = "none",
    buffer_tokens: int = 0,
    penalty: float = 1.0,
) -> torch.Tensor:
    """Reward shaping for responses that ran long. rewards, lengths: (B,), truncated: (B,) bool.

    - "none": rewards unchanged.
    - "zero": a truncated response (hit `max_tokens` before end-of-sequence) gets reward 0.
    - "soft": DAPO's soft overlong punishment: past `max_tokens - buffer_tokens` the reward falls
      linearly, reaching `-penalty` at `max_tokens`."""
    if mode == "none":
        return rewards
    if mode == "zero":
        return torch.where(truncated.bool(), torch.zeros_like(rewards), rewards)
    if mode == "soft":
        if not 0 < buffer_tokens <= max_tokens:
            raise ValueError(
                f"soft overlong shaping needs 0 < buffer_tokens <= max_tokens ({max_tokens}), got {buffer_tokens}"
            )
        over = (lengths.float() - (max_tokens - buffer_tokens)).clamp(min=0)
        return rewards - penalty * over / buffer_tokens
    raise ValueError(f"overlong mode must be one of 'none', 'zero', 'soft', got {mode!r}")
