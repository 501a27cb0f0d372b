"""The GRPO training loop, top to bottom: rollout -> reward -> filter -> advantage -> loss ->
step -> log -> checkpoint, with ProRL's reference resets and length schedule.

`train(config)` is the whole job: `setup` loads the model and data (or a checkpoint's state),
a local reward service starts if no URL is configured, the held-out set is evaluated before and
after, and each `train_step` runs `collect_groups` (rollout, reward, filter, advantage; see
trainer/groups.py) then `update` (loss and optimizer steps; trainer/update.py). A `Run` holds
what the steps change and a checkpoint keeps.

The same loop runs on N ranks under torchrun (`prorl train --nproc N`; trainer/distributed.py):
the policy and reference are FSDP2-sharded, each rank samples and scores its share of the step's
prompts, every rank trains on the gathered global batch, and decisions one clock or one file
makes (the time budget, a RESET) are rank 0's, broadcast. Rank 0 alone logs and writes the
consolidated checkpoint; every rank writes its shards.
"""

import copy
import random
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import torch

from trainer.checkpoint import (
    check_resumable,
    latest_checkpoint,
    load_sharded,
    load_state,
    save_checkpoint,
    save_sharded,
    set_rng_state,
)
from trainer.config import TrainConfig
from trainer.data import Row, prompt_ids, read_rows
from trainer.distributed import SOLO, World, close_world, from_main, full_weights, gather, init_world, shard_model
from trainer.evaluate import evaluate
from trainer.groups import PromptStream, collect_groups, merge_stats, step_metrics
from trainer.logger import RunLogger, SilentLogger
from trainer.model import device_and_dtype, load_policy, load_tokenizer, resolve_model
from trainer.reward import check_local_service, connect
from trainer.rollout import make_engine
from trainer.update import make_optimizer, update

__all__ = ["train", "setup", "train_step", "held_out", "save", "Run"]

RESET_FILE = "RESET"  # touch <output_dir>/RESET to reset reference and optimizer at the next step


@dataclass
class Run:
    """What the steps of a run read and change, and what a checkpoint keeps: the models, the
    optimizer, the prompt stream, the step about to run and the step of the last reference reset.
    `sampler` is the plain module the HF engine samples from: the policy itself in one process, a
    copy that each step's weights are loaded into when the policy is sharded (None for vLLM)."""

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
    world: World = SOLO
    sampler: torch.nn.Module | None = None
    dtype: torch.dtype = torch.float32


def train(config: TrainConfig, resume: bool = False) -> dict:
    """The whole job: set up (or resume), evaluate, run the steps with logging and checkpoints,
    evaluate again. Returns {"step", "before", "after"} (the held-out metrics; {} without eval_data).
    Under torchrun it joins the process group first and leaves it at the end."""
    if not config.reward_urls:
        check_local_service()  # before minutes of model loading
    world = init_world(config.device, config.dist_timeout_s)
    try:
        return _train(config, resume, world)
    finally:
        close_world(world)


def _train(config: TrainConfig, resume: bool, world: World) -> dict:
    run = setup(config, resume, world)
    start_step = run.step
    with ExitStack() as stack:
        client = connect(
            stack, config.reward_urls, config.reward_api_key, config.reward_retries, config.reward_workers, world=world
        )
        engine = make_engine(
            config.engine,
            run.sampler,
            run.tokenizer,
            run.model_path,
            dtype=run.dtype,
            weights=full_weights(run.policy) if world.active else None,
            seed=config.seed,
            max_model_len=_max_model_len(config, run.policy),
            gpu_memory_utilization=config.vllm_gpu_memory_utilization,
            enforce_eager=config.vllm_enforce_eager,
            sleep_mode=config.vllm_sleep_mode,
        )
        stack.callback(engine.close)
        if world.main:
            logger = RunLogger(
                config.output_dir, config.steps, start_step, config.to_dict(), config.tensorboard, config.wandb_project
            )
        else:
            logger = SilentLogger()
        stack.callback(logger.close)
        logger.event(f"config: {config.to_dict()}")
        if world.active:
            logger.event(f"{world.size} ranks, FSDP2-sharded policy; rank 0 logs")

        evals = {0: held_out(run, engine, client, logger, "before")} if start_step == 0 else {}
        began = time.perf_counter()
        while run.step < config.steps:
            # Checked from the second step of a run on: every run (a resumed one too) makes progress.
            elapsed = time.perf_counter() - began
            over = config.max_minutes and run.step > start_step and elapsed > config.max_minutes * 60
            if from_main(world, bool(over)):  # rank 0's clock decides for all
                logger.event(f"time budget of {config.max_minutes} min reached at step {run.step}")
                break
            metrics = train_step(run, engine, client, logger)  # rollout, reward, filter, advantage, loss, step
            logger.step(run.step, metrics)
            if config.eval_every and run.step % config.eval_every == 0 and run.step < config.steps:
                evals[run.step] = held_out(run, engine, client, logger, "periodic")
            if run.step % config.save_every == 0 or run.step == config.steps:
                save(run)
        unsaved = run.step > start_step and latest_checkpoint(config.output_dir) != _checkpoint_dir(run)
        if from_main(world, unsaved):  # stopped by the time budget between two saves (rank 0's view of the disk)
            save(run)
        if run.step in evals and run.step > start_step:
            after = evals[run.step]  # the last periodic eval fell on the last step
        else:
            after = held_out(run, engine, client, logger, "after")
    return {"step": run.step, "before": evals.get(0, {}), "after": after}


def setup(config: TrainConfig, resume: bool = False, world: World = SOLO) -> Run:
    """Seeds, tokenizer, policy, reference, optimizer and data; with `resume`, the state of the
    latest checkpoint under output_dir (weights, optimizer, data cursor, reset schedule, RNG).
    On N ranks the policy and reference are sharded (fp32 parameters, bf16 compute when bf16)."""
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    device, dtype = device_and_dtype(config.device, config.bf16)
    model_path = resolve_model(config.model)
    tokenizer = load_tokenizer(model_path)
    checkpoint = latest_checkpoint(config.output_dir) if resume else None
    if resume and checkpoint is None:
        raise ValueError(f"--resume: no checkpoint under {config.output_dir}/checkpoints; start without --resume")
    if checkpoint:
        check_resumable(checkpoint, world)
    if world.active:
        # On the CPU first: sharding moves each block's shard to the device, so no GPU holds the whole
        # model (the HF engine's bf16 copy aside). fp32: FSDP keeps fp32 masters and computes in dtype.
        # The sharded checkpoint, if any, then overwrites these weights.
        policy = load_policy(model_path, torch.device("cpu"), torch.float32, config.gradient_checkpointing)
        sampler = None
        if config.engine == "hf":
            sampler = copy.deepcopy(policy).to(device=device, dtype=dtype).eval().requires_grad_(False)
    else:
        policy = load_policy(
            str(checkpoint / "policy") if checkpoint else model_path, device, dtype, config.gradient_checkpointing
        )
        sampler = policy
    policy.train()
    reference = None
    if config.kl_coef > 0:
        reference = copy.deepcopy(policy).eval().requires_grad_(False)
    if world.active:
        shard_model(policy, world, device, bf16=dtype == torch.bfloat16)
        if reference is not None:
            shard_model(reference, world, device, bf16=dtype == torch.bfloat16)
    optimizer = make_optimizer(policy, config)
    rows = read_rows(config.train_data)
    ids = [prompt_ids(tokenizer, r.prompt, config.system_prompt, config.max_prompt_tokens) for r in rows]
    stream = PromptStream(rows, ids, config.seed)
    eval_rows = read_rows(config.eval_data) if config.eval_data else []
    if config.eval_max_prompts:
        eval_rows = eval_rows[: config.eval_max_prompts]
    run = Run(
        config,
        model_path,
        tokenizer,
        policy,
        reference,
        optimizer,
        stream,
        eval_rows,
        world=world,
        sampler=sampler,
        dtype=dtype,
    )
    if checkpoint:
        if world.active:
            state = load_sharded(checkpoint, world, policy, reference, optimizer)
        else:
            state = load_state(checkpoint)
            if reference is not None:
                reference.load_state_dict(state["reference"])
            optimizer.load_state_dict(state["optimizer"])
            set_rng_state(state["rng"])
        stream.cursor, run.last_reset, run.step = state["cursor"], state["last_reset"], state["step"]
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
    `run.step` and returns the step's metrics (the same on every rank; rank 0 logs them)."""
    config, step, world = run.config, run.step, run.world
    reset_file = Path(config.output_dir, RESET_FILE)
    due = config.ref_reset_interval and step > 0 and step - run.last_reset >= config.ref_reset_interval
    if due or from_main(world, world.main and reset_file.exists()):
        run.optimizer = _reset(run.policy, run.reference, config)
        run.last_reset = step
        if world.main:
            reset_file.unlink(missing_ok=True)
        logger.event(f"step {step}: reference policy and optimizer reset")
    t0 = time.perf_counter()
    max_tokens = config.max_response_tokens(step)
    groups, stats = collect_groups(engine, client, run.stream, config, step, max_tokens, world)
    if len(groups) < config.prompts_per_step:
        logger.event(
            f"step {step}: {len(groups)} of {config.prompts_per_step} groups had varied rewards after "
            f"{stats['rounds']} rounds; training on those"
        )
    t1 = time.perf_counter()
    actor = {}
    engine.sleep()  # the policy trains in the GPU memory the engine frees (vLLM's sleep mode)
    if groups:
        samples = [s for g in groups for s in g]
        pad_id = run.tokenizer.pad_token_id
        actor = update(run.policy, run.reference, run.optimizer, samples, config, pad_id, step, world)
    engine.wake_up()
    if groups:
        engine.sync_weights(full_weights(run.policy))
    timing = {"train_s": time.perf_counter() - t1, "step_s": time.perf_counter() - t0}
    per_rank = gather(world, {**stats, **timing, "client": client.pop_stats()})  # one exchange per step
    metrics = {**step_metrics(merge_stats(per_rank), groups), **actor}
    if metrics["reward/failed_items"]:
        logger.event(
            f"step {step}: {metrics['reward/failed_items']} items were not scored (reward service failures); "
            "their groups are left out of the step and of reward/mean"
        )
    metrics["time/train_s"] = max(part["train_s"] for part in per_rank)
    metrics["time/step_s"] = max(part["step_s"] for part in per_rank)
    metrics["reference/reset"] = int(run.last_reset == step and step > 0)
    metrics["response/max_tokens"] = max_tokens
    for key in per_rank[0]["client"]:
        metrics[f"reward_client/{key}"] = sum(part["client"][key] for part in per_rank)
    if world.size > 1:  # where a step's time goes, rank by rank
        for r, part in enumerate(per_rank):
            metrics.update(
                {f"time/rank{r}/{key}": part[key] for key in ("generate_s", "reward_s", "train_s", "step_s")}
            )
    run.step += 1
    return metrics


def held_out(run: Run, engine, client, logger: RunLogger, tag: str) -> dict:
    """Evaluate on eval_rows at the current step and log it ({} when there is no eval set). On N
    ranks each evaluates every N-th row and the numbers are pooled."""
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
        world=run.world,
    )
    shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items())
    logger.event(f"eval {tag} (step {step}): {shown} [{time.perf_counter() - t:.0f}s]")
    logger.step(step, {f"eval/{k}": v for k, v in result.items()})
    return result


def save(run: Run) -> None:
    """Checkpoint the run at its current step (see trainer/checkpoint.py)."""
    state = {"cursor": run.stream.cursor, "last_reset": run.last_reset, "config": run.config.to_dict()}
    if run.world.active:
        save_sharded(
            run.config.output_dir,
            run.step,
            run.world,
            run.policy,
            run.reference,
            run.optimizer,
            run.tokenizer,
            state,
            keep=run.config.keep_checkpoints,
        )
        return
    state["optimizer"] = run.optimizer.state_dict()
    if run.reference is not None:
        state["reference"] = run.reference.state_dict()
    save_checkpoint(run.config.output_dir, run.step, run.policy, run.tokenizer, state, keep=run.config.keep_checkpoints)


def _reset(policy, reference, config: TrainConfig) -> torch.optim.Optimizer:
    """ProRL's hard reset: the reference becomes the current policy and Adam's moments start over
    (sharded alike on N ranks: each rank copies its own shards)."""
    if reference is not None:
        reference.load_state_dict(policy.state_dict())
    return make_optimizer(policy, config)
