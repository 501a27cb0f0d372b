"""The update half of a step: PPO epochs of the clipped GRPO loss over the kept samples, with the
KL penalty to the reference, gradient clipping and AdamW (`update`), and the optimizer it steps.

Loss = token-mean over the mini-batch of the clipped policy loss + kl_coef * k3 KL; micro-batches
only split the work (gradient accumulation). On N ranks the samples are the step's global list,
the same on every rank (trainer/groups.py): the mini-batches are cut from it in one order, each
rank runs the samples it owns (sample i belongs to rank i mod N), and every rank divides its sum
by the token count of the *whole* mini-batch, known on every rank from that list (so it needs no
all-reduce). FSDP averages the gradients over the ranks, so each rank's loss is also scaled by N:
the average is then the sum, and N ranks take the step one process would take on the same global
batch (trainer/distributed.py).

FSDP runs collectives inside every forward and backward, so every rank must run as many of them
as every other: a rank with fewer samples in a mini-batch runs padding micro-batches with weight 0.
"""

import math

import torch

from trainer import algos
from trainer.batch import pack, response_logprobs
from trainer.config import TrainConfig
from trainer.distributed import SOLO, World, norm_value, sum_all

__all__ = ["update", "make_optimizer", "lr_at"]


def make_optimizer(policy, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW over the policy's trainable parameters (sharded ones too: its state is then sharded alike)."""
    params = (p for p in policy.parameters() if p.requires_grad)
    return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)


def lr_at(step: int, config: TrainConfig) -> float:
    """The learning rate at `step`: linear warmup over warmup_steps, then constant."""
    return config.lr * min(1.0, (step + 1) / config.warmup_steps) if config.warmup_steps else config.lr


def _micro_batches(owned: list[int], size: int, count: int) -> list[list[int]]:
    """`owned` cut into `count` micro-batches of at most `size`; the ones past its end are empty (padding)."""
    return [owned[k * size : (k + 1) * size] for k in range(count)]


def _most_owned(indices: list[int], world: World) -> int:
    """The largest number of `indices` any one rank owns (i mod N)."""
    return max(sum(i % world.size == r for i in indices) for r in range(world.size))


def _logprobs_no_grad(model, samples, owned, config: TrainConfig, pad_id: int, device, world: World) -> dict:
    """Log-prob rows (T_i,) of the owned samples, by index; every rank runs the same number of forwards."""
    out = {}
    count = math.ceil(_most_owned(list(range(len(samples))), world) / config.micro_batch_size)
    with torch.no_grad():
        for micro in _micro_batches(owned, config.micro_batch_size, count):
            batch = micro or [0]  # padding: a forward whose result is not kept
            packed = pack([samples[i].prompt_ids for i in batch], [samples[i].response_ids for i in batch], pad_id)
            logprobs, _ = response_logprobs(model, packed.to(device), config.temperature)
            out.update(zip(micro, logprobs.float()))
    return out


def update(
    policy, reference, optimizer, samples: list, config: TrainConfig, pad_id: int, step: int, world: World = SOLO
) -> dict:
    """PPO epochs over `samples` (the step's global list; see the module docstring). Returns the
    actor metrics, token means over every rank's tokens."""
    device = next(policy.parameters()).device
    owned = [i for i in range(len(samples)) if i % world.size == world.rank]
    off_policy = config.ppo_epochs > 1 or config.mini_batches > 1
    old = _logprobs_no_grad(policy, samples, owned, config, pad_id, device, world) if off_policy else None
    ref = _logprobs_no_grad(reference, samples, owned, config, pad_id, device, world) if reference is not None else None
    names = ("loss", "kl", "entropy", "clipped_low", "clipped_high", "approx_kl", "tokens")
    totals = dict.fromkeys(names, 0.0)
    grad_norms = []
    order_gen = torch.Generator().manual_seed(config.seed * 31 + step)
    mini_size = math.ceil(len(samples) / config.mini_batches)
    for _ in range(config.ppo_epochs):
        order = torch.randperm(len(samples), generator=order_gen).tolist() if off_policy else list(range(len(samples)))
        for m_start in range(0, len(order), mini_size):
            mini = order[m_start : m_start + mini_size]
            tokens = sum(len(samples[i].response_ids) for i in mini)  # the whole mini-batch's, on every rank
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, config)
            optimizer.zero_grad(set_to_none=True)
            mine = [i for i in mini if i % world.size == world.rank]
            count = math.ceil(_most_owned(mini, world) / config.micro_batch_size)
            for micro in _micro_batches(mine, config.micro_batch_size, count):
                if not micro:
                    _padding_backward(policy, samples[mini[0]], config, pad_id, device)
                    continue
                terms = _micro_loss(policy, samples, micro, old, ref, config, pad_id, device)
                (terms["loss"] * world.size / tokens).backward()  # FSDP averages over ranks: N * mean = sum
                for key, value in terms.items():
                    totals[key] += value.item()
            grad_norms.append(norm_value(torch.nn.utils.clip_grad_norm_(policy.parameters(), config.grad_clip)))
            optimizer.step()
    totals = dict(zip(names, sum_all(world, [totals[k] for k in names])))
    count = max(totals.pop("tokens"), 1)
    metrics = {f"actor/{k}": v / count for k, v in totals.items()}
    metrics["actor/grad_norm"] = sum(grad_norms) / len(grad_norms)
    metrics["actor/lr"] = lr_at(step, config)
    return metrics


def _micro_loss(policy, samples, micro, old, ref, config: TrainConfig, pad_id: int, device) -> dict:
    """One micro-batch's sums over its response tokens: `loss` (clipped policy loss + kl_coef * KL,
    with the graph), and detached `kl`, `entropy`, the clip counts, `approx_kl` and `tokens`."""
    packed = pack([samples[i].prompt_ids for i in micro], [samples[i].response_ids for i in micro], pad_id).to(device)
    width = packed.response_ids.shape[1]
    logprobs, entropy = response_logprobs(policy, packed, config.temperature, with_entropy=True)
    old_lp = torch.stack([_fit(old[i], width) for i in micro]).to(device) if old else logprobs.detach()
    advantages = torch.tensor([samples[i].advantage for i in micro], device=device)
    terms = algos.policy_loss_terms(logprobs, old_lp, advantages, packed.response_mask, config.eps_low, config.eps_high)
    out = {key: terms[key].detach() for key in ("clipped_low", "clipped_high", "approx_kl")}
    loss = terms["loss"]
    if ref is not None:
        ref_lp = torch.stack([_fit(ref[i], width) for i in micro]).to(device)
        kl = algos.masked_sum(algos.kl_k3(logprobs, ref_lp), packed.response_mask)
        loss = loss + config.kl_coef * kl
        out["kl"] = kl.detach()
    out["entropy"] = algos.masked_sum(entropy, packed.response_mask)
    out["tokens"] = packed.response_mask.sum()
    return {"loss": loss, **out}


def _padding_backward(policy, sample, config: TrainConfig, pad_id: int, device) -> None:
    """A forward and backward with weight 0: this rank's share of FSDP's collectives when it owns
    no more samples of the mini-batch than the others' last micro-batch needs."""
    packed = pack([sample.prompt_ids], [sample.response_ids], pad_id).to(device)
    logprobs, _ = response_logprobs(policy, packed, config.temperature)
    (logprobs.sum() * 0.0).backward()


def _fit(row: torch.Tensor, width: int) -> torch.Tensor:
    """A stored (T_i,) log-prob row cut or zero-padded to this micro-batch's width (padding is masked)."""
    return row[:width] if row.shape[0] >= width else torch.cat([row, row.new_zeros(width - row.shape[0])])
