"""The GRPO training loop, top to bottom: rollout -> reward -> filter -> advantage -> loss ->
step -> log -> checkpoint, with ProRL's reference resets and length schedule.

`train(config)` is the whole job: `setup` loads the model and data (or a checkpoint's state),
a local reward service starts if no URL is configured, the held-out set is evaluated before and
after, and each `train_step` runs `collect_groups` (rollout, reward, filter, advantage) then
`update` (loss and optimizer steps). A `Run` holds what the steps change and a checkpoint keeps.
"""

import copy
import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import torch

from trainer import algos
from trainer.batch import pack, response_logprobs
from trainer.checkpoint import latest_checkpoint, load_state, save_checkpoint, set_rng_state
from trainer.config import TrainConfig
from trainer.data import Row, prompt_ids, read_rows
from trainer.evaluate import evaluate
from trainer.logger import RunLogger
from trainer.model import device_and_dtype, load_policy, load_tokenizer, resolve_model
from trainer.reward import check_local_service, connect, score_responses
from trainer.rollout import SamplingConfig, make_engine

__all__ = ["train", "setup", "train_step", "collect_groups", "update", "held_out", "save", "Run", "Sample"]

RESET_FILE = "RESET"  # touch <output_dir>/RESET to reset reference and optimizer at the next step


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


@dataclass
class Run:
    """What the steps of a run read and change, and what a checkpoint keeps: the models, the
    optimizer, the prompt stream, the step about to run and the step of the last reference reset."""

    config: TrainConfig
    model_path: str
    tokenizer: object
    policy: torch.nn.Module
    reference: torch.nn.Module | None
    optimizer: torch.optim.Optimizer
    stream: PromptStream
    eval_rows: list[Row]
    step: int = 0
    last_reset: int = 0


def _optimizer(policy, config: TrainConfig) -> torch.optim.Optimizer:
    params = (p for p in policy.parameters() if p.requires_grad)
    return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)


def _lr_at(step: int, config: TrainConfig) -> float:
    return config.lr * min(1.0, (step + 1) / config.warmup_steps) if config.warmup_steps else config.lr


def collect_groups(
    engine, client, stream: PromptStream, config: TrainConfig, step: int, max_tokens: int
) -> tuple[list[list[Sample]], dict]:
    """Rollout, reward, filter and advantage: sample groups until `prompts_per_step` informative
    ones are kept or the rounds run out. Scoring a chunk overlaps generating the next one."""
    n, need = config.group_size, config.prompts_per_step
    kept: list[list[Sample]] = []
    stats = {
        "generate_s": 0.0,
        "reward_s": 0.0,
        "sampled_groups": 0,
        "failed_items": 0,
        "rounds": 0,
        "rewards": [],
        "domain_rewards": {},
        "lengths": [],
        "truncated": 0,
    }
    kept_ratio = 1.0
    with ThreadPoolExecutor(max_workers=1) as scorer:
        for round_ in range(config.max_sampling_rounds):
            missing = need - len(kept)
            count = min(need, math.ceil(missing / max(kept_ratio, 0.25))) if round_ else need
            picks = stream.take(count)
            stats["rounds"] += 1
            pending = []
            for c, start in enumerate(range(0, len(picks), config.rollout_batch_prompts)):
                chunk = picks[start : start + config.rollout_batch_prompts]
                sampling = SamplingConfig(
                    max_tokens=max_tokens,
                    temperature=config.temperature,
                    top_p=config.top_p,
                    seed=config.seed * 7919 + step * 1000 + round_ * 100 + c,
                )
                t = time.perf_counter()
                outs = engine.generate([stream.ids[i] for i in chunk], n, sampling)
                stats["generate_s"] += time.perf_counter() - t
                rows = [stream.rows[i] for i in chunk for _ in range(n)]
                texts = [comp.text for group in outs for comp in group]
                future = scorer.submit(score_responses, client, rows, texts, config.reward_timeout_s)
                pending.append((chunk, outs, future))
            t = time.perf_counter()
            round_kept = round_groups = 0
            for chunk, outs, future in pending:
                results = future.result()
                for g, (index, group) in enumerate(zip(chunk, outs)):
                    round_groups += 1
                    samples = _judge_group(
                        stream, index, group, results[g * n : (g + 1) * n], config, max_tokens, stats
                    )
                    if samples is not None:
                        round_kept += 1
                        kept.append(samples)
            stats["reward_s"] += time.perf_counter() - t
            kept_ratio = round_kept / max(round_groups, 1)
            if len(kept) >= need:
                break
    return kept[:need], stats


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


def _logprobs_no_grad(model, samples: list[Sample], config: TrainConfig, pad_id: int, device) -> list[torch.Tensor]:
    out = []
    with torch.no_grad():
        for start in range(0, len(samples), config.micro_batch_size):
            micro = samples[start : start + config.micro_batch_size]
            packed = pack([s.prompt_ids for s in micro], [s.response_ids for s in micro], pad_id).to(device)
            logprobs, _ = response_logprobs(model, packed, config.temperature)
            out.extend(row for row in logprobs.float())
    return out


def update(policy, reference, optimizer, samples: list[Sample], config: TrainConfig, pad_id: int, step: int) -> dict:
    """PPO epochs over the kept samples. Loss = token-mean over the mini-batch of the clipped
    policy loss + kl_coef * k3 KL; micro-batches only split the work (gradient accumulation)."""
    device = next(policy.parameters()).device
    off_policy = config.ppo_epochs > 1 or config.mini_batches > 1
    old = _logprobs_no_grad(policy, samples, config, pad_id, device) if off_policy else None
    ref = _logprobs_no_grad(reference, samples, config, pad_id, device) if reference is not None else None
    totals = {
        "loss": 0.0,
        "kl": 0.0,
        "entropy": 0.0,
        "clipped_low": 0.0,
        "clipped_high": 0.0,
        "approx_kl": 0.0,
        "tokens": 0,
    }
    grad_norms = []
    order_gen = torch.Generator().manual_seed(config.seed * 31 + step)
    mini_size = math.ceil(len(samples) / config.mini_batches)
    for _ in range(config.ppo_epochs):
        order = torch.randperm(len(samples), generator=order_gen).tolist() if off_policy else list(range(len(samples)))
        for m_start in range(0, len(order), mini_size):
            mini = order[m_start : m_start + mini_size]
            tokens = sum(len(samples[i].response_ids) for i in mini)
            for group in optimizer.param_groups:
                group["lr"] = _lr_at(step, config)
            optimizer.zero_grad(set_to_none=True)
            for u_start in range(0, len(mini), config.micro_batch_size):
                micro = mini[u_start : u_start + config.micro_batch_size]
                packed = pack(
                    [samples[i].prompt_ids for i in micro], [samples[i].response_ids for i in micro], pad_id
                ).to(device)
                width = packed.response_ids.shape[1]
                logprobs, entropy = response_logprobs(policy, packed, config.temperature, with_entropy=True)
                old_lp = torch.stack([_fit(old[i], width) for i in micro]).to(device) if old else logprobs.detach()
                advantages = torch.tensor([samples[i].advantage for i in micro], device=device)
                terms = algos.policy_loss_terms(
                    logprobs, old_lp, advantages, packed.response_mask, config.eps_low, config.eps_high
                )
                loss = terms["loss"]
                if ref is not None:
                    ref_lp = torch.stack([_fit(ref[i], width) for i in micro]).to(device)
                    kl = algos.masked_sum(algos.kl_k3(logprobs, ref_lp), packed.response_mask)
                    loss = loss + config.kl_coef * kl
                    totals["kl"] += kl.item()
                (loss / tokens).backward()
                totals["loss"] += loss.item()
                totals["entropy"] += algos.masked_sum(entropy, packed.response_mask).item()
                for key in ("clipped_low", "clipped_high", "approx_kl"):
                    totals[key] += terms[key].item()
                totals["tokens"] += int(packed.response_mask.sum())
            grad_norms.append(float(torch.nn.utils.clip_grad_norm_(policy.parameters(), config.grad_clip)))
            optimizer.step()
    count = max(totals.pop("tokens"), 1)
    metrics = {f"actor/{k}": v / count for k, v in totals.items()}
    metrics["actor/grad_norm"] = sum(grad_norms) / len(grad_norms)
    metrics["actor/lr"] = _lr_at(step, config)
    return metrics


def _fit(row: torch.Tensor, width: int) -> torch.Tensor:
    """A stored (T_i,) log-prob row cut or zero-padded to this micro-batch's width (padding is masked)."""
    return row[:width] if row.shape[0] >= width else torch.cat([row, row.new_zeros(width - row.shape[0])])


def _mean(values: list) -> float:
    """NaN for no values (logged as null): a step whose items all went unscored has no mean reward, not 0."""
    return sum(values) / len(values) if values else math.nan


def _step_metrics(stats: dict, kept: list[list[Sample]]) -> dict:
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


def train(config: TrainConfig, resume: bool = False) -> dict:
    """The whole job: set up (or resume), evaluate, run the steps with logging and checkpoints,
    evaluate again. Returns {"step", "before", "after"} (the held-out metrics; {} without eval_data)."""
    if not config.reward_urls:
        check_local_service()  # before minutes of model loading
    run = setup(config, resume)
    start_step = run.step
    with ExitStack() as stack:
        client = connect(stack, config.reward_urls, config.reward_api_key, config.reward_retries, config.reward_workers)
        engine = make_engine(
            config.engine,
            run.policy,
            run.tokenizer,
            run.model_path,
            seed=config.seed,
            max_model_len=_max_model_len(config, run.policy),
            gpu_memory_utilization=config.vllm_gpu_memory_utilization,
            enforce_eager=config.vllm_enforce_eager,
        )
        stack.callback(engine.close)
        logger = RunLogger(
            config.output_dir, config.steps, start_step, config.to_dict(), config.tensorboard, config.wandb_project
        )
        stack.callback(logger.close)
        logger.event(f"config: {config.to_dict()}")

        evals = {0: held_out(run, engine, client, logger, "before")} if start_step == 0 else {}
        began = time.perf_counter()
        while run.step < config.steps:
            # Checked from the second step of a run on: every run (a resumed one too) makes progress.
            if config.max_minutes and run.step > start_step and time.perf_counter() - began > config.max_minutes * 60:
                logger.event(f"time budget of {config.max_minutes} min reached at step {run.step}")
                break
            metrics = train_step(run, engine, client, logger)  # rollout, reward, filter, advantage, loss, step
            logger.step(run.step, metrics)
            if config.eval_every and run.step % config.eval_every == 0 and run.step < config.steps:
                evals[run.step] = held_out(run, engine, client, logger, "periodic")
            if run.step % config.save_every == 0 or run.step == config.steps:
                save(run)
        if run.step > start_step and latest_checkpoint(config.output_dir) != _checkpoint_dir(run):
            save(run)  # stopped by the time budget between two saves
        if run.step in evals and run.step > start_step:
            after = evals[run.step]  # the last periodic eval fell on the last step
        else:
            after = held_out(run, engine, client, logger, "after")
    return {"step": run.step, "before": evals.get(0, {}), "after": after}


def setup(config: TrainConfig, resume: bool = False) -> Run:
    """Seeds, tokenizer, policy, reference, optimizer and data; with `resume`, the state of the
    latest checkpoint under output_dir (weights, optimizer, data cursor, reset schedule, RNG)."""
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    device, dtype = device_and_dtype(config.device, config.bf16)
    model_path = resolve_model(config.model)
    tokenizer = load_tokenizer(model_path)
    checkpoint = latest_checkpoint(config.output_dir) if resume else None
    if resume and checkpoint is None:
        raise ValueError(f"--resume: no checkpoint under {config.output_dir}/checkpoints; start without --resume")
    weights = str(checkpoint / "policy") if checkpoint else model_path
    policy = load_policy(weights, device, dtype, config.gradient_checkpointing)
    policy.train()
    reference = None
    if config.kl_coef > 0:
        reference = copy.deepcopy(policy).eval().requires_grad_(False)
    optimizer = _optimizer(policy, config)
    rows = read_rows(config.train_data)
    ids = [prompt_ids(tokenizer, r.prompt, config.system_prompt, config.max_prompt_tokens) for r in rows]
    stream = PromptStream(rows, ids, config.seed)
    eval_rows = read_rows(config.eval_data) if config.eval_data else []
    if config.eval_max_prompts:
        eval_rows = eval_rows[: config.eval_max_prompts]
    run = Run(config, model_path, tokenizer, policy, reference, optimizer, stream, eval_rows)
    if checkpoint:
        state = load_state(checkpoint)
        if reference is not None:
            reference.load_state_dict(state["reference"])
        optimizer.load_state_dict(state["optimizer"])
        stream.cursor, run.last_reset, run.step = state["cursor"], state["last_reset"], state["step"]
        set_rng_state(state["rng"])
    return run


def _checkpoint_dir(run: Run) -> Path:
    return Path(run.config.output_dir, "checkpoints", f"step_{run.step}")


def _max_model_len(config: TrainConfig, policy) -> int:
    """The engine's context: the longest prompt plus the longest response budget, within the model's positions."""
    max_len = config.max_prompt_tokens + max(s[1] for s in config.response_length_schedule)
    return min(max_len, getattr(policy.config, "max_position_embeddings", max_len))


def train_step(run: Run, engine, client, logger: RunLogger) -> dict:
    """One GRPO step: a reference reset if due, then rollout, reward, filter and advantage
    (`collect_groups`), loss and optimizer steps (`update`), weights to the engine. Advances
    `run.step` and returns the step's metrics."""
    config, step = run.config, run.step
    reset_file = Path(config.output_dir, RESET_FILE)
    due = config.ref_reset_interval and step > 0 and step - run.last_reset >= config.ref_reset_interval
    if due or reset_file.exists():
        run.optimizer = _reset(run.policy, run.reference, config)
        run.last_reset = step
        reset_file.unlink(missing_ok=True)
        logger.event(f"step {step}: reference policy and optimizer reset")
    t0 = time.perf_counter()
    max_tokens = config.max_response_tokens(step)
    groups, stats = collect_groups(engine, client, run.stream, config, step, max_tokens)
    metrics = _step_metrics(stats, groups)
    if stats["failed_items"]:
        logger.event(
            f"step {step}: {stats['failed_items']} items were not scored (reward service failures); "
            "their groups are left out of the step and of reward/mean"
        )
    if len(groups) < config.prompts_per_step:
        logger.event(
            f"step {step}: {len(groups)} of {config.prompts_per_step} groups had varied rewards after "
            f"{stats['rounds']} rounds; training on those"
        )
    t1 = time.perf_counter()
    if groups:
        samples = [s for g in groups for s in g]
        pad_id = run.tokenizer.pad_token_id
        metrics.update(update(run.policy, run.reference, run.optimizer, samples, config, pad_id, step))
        engine.sync_weights(run.policy)
    metrics["time/train_s"] = time.perf_counter() - t1
    metrics["time/step_s"] = time.perf_counter() - t0
    metrics["reference/reset"] = int(run.last_reset == step and step > 0)
    metrics["response/max_tokens"] = max_tokens
    metrics.update({f"reward_client/{k}": v for k, v in client.pop_stats().items()})
    run.step += 1
    return metrics


def held_out(run: Run, engine, client, logger: RunLogger, tag: str) -> dict:
    """Evaluate on eval_rows at the current step and log it ({} when there is no eval set)."""
    config, step = run.config, run.step
    if not run.eval_rows:
        return {}
    t = time.perf_counter()
    result = evaluate(
        engine,
        client,
        run.tokenizer,
        run.eval_rows,
        samples=config.eval_samples,
        temperature=config.eval_temperature,
        max_tokens=config.max_response_tokens(step),
        timeout_s=config.reward_timeout_s,
        system_prompt=config.system_prompt,
        ks=tuple(sorted({1, config.eval_samples})),
        seed=config.seed,
    )
    shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items())
    logger.event(f"eval {tag} (step {step}): {shown} [{time.perf_counter() - t:.0f}s]")
    logger.step(step, {f"eval/{k}": v for k, v in result.items()})
    return result


def save(run: Run) -> None:
    """Checkpoint the run at its current step (see trainer/checkpoint.py)."""
    state = {
        "optimizer": run.optimizer.state_dict(),
        "cursor": run.stream.cursor,
        "last_reset": run.last_reset,
        "config": run.config.to_dict(),
    }
    if run.reference is not None:
        state["reference"] = run.reference.state_dict()
    save_checkpoint(run.config.output_dir, run.step, run.policy, run.tokenizer, state)


def _reset(policy, reference, config: TrainConfig) -> torch.optim.Optimizer:
    """ProRL's hard reset: the reference becomes the current policy and Adam's moments start over."""
    if reference is not None:
        reference.load_state_dict(policy.state_dict())
    return _optimizer(policy, config)
