"""The trainer's subcommands of `prorl`: train, eval, plot. Heavy imports (torch, transformers)
happen inside the commands, so `prorl serve` works on a machine with only the service installed."""

import argparse
import json
import logging
import os
from contextlib import nullcontext

__all__ = ["add_commands"]


def _train(args: argparse.Namespace) -> None:
    from trainer.config import load_config
    from trainer.train import train

    config = load_config(args.config, args.overrides)
    result = train(config, resume=args.resume)
    before, after = result["before"].get("pass@1"), result["after"].get("pass@1")
    if after is not None:
        print(f"held-out pass@1: {before if before is not None else float('nan'):.3f} -> {after:.3f} after {result['step']} steps")


def _eval(args: argparse.Namespace) -> None:
    from reward_service.client import RewardClient
    from trainer.data import read_rows
    from trainer.evaluate import evaluate
    from trainer.model import device_and_dtype, load_policy, load_tokenizer, resolve_model
    from trainer.reward import LocalRewardService, wait_ready
    from trainer.rollout import make_engine

    if args.k > args.samples:
        raise SystemExit(f"prorl eval: --k ({args.k}) must be <= --samples ({args.samples})")
    path = resolve_model(args.model)
    tokenizer = load_tokenizer(path)
    policy = load_policy(path, *device_and_dtype())
    rows = read_rows(args.data)[:args.max_prompts or None]
    with LocalRewardService() if not args.reward_url else nullcontext(args.reward_url) as url:
        client = RewardClient(url)
        wait_ready(client)
        engine = make_engine(args.engine, policy, tokenizer, path, seed=args.seed, max_model_len=4096 + args.max_tokens,
                             gpu_memory_utilization=0.5, enforce_eager=False)
        try:
            result = evaluate(engine, client, tokenizer, rows, samples=args.samples, temperature=args.temperature,
                              max_tokens=args.max_tokens, timeout_s=10.0, system_prompt=args.system_prompt,
                              ks=tuple(sorted({1, args.k})), seed=args.seed)
        finally:
            engine.close()
    print(json.dumps(result, indent=2))


def _plot(args: argparse.Namespace) -> None:
    from trainer.plot import plot_run

    print(plot_run(args.run_dir, args.out))


def add_commands(sub) -> None:
    train = sub.add_parser("train", help="GRPO training (ProRL recipe) against the reward service")
    train.add_argument("--config", help="YAML config (configs/demo.yaml, configs/prorl.yaml)")
    train.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in output_dir")
    train.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. lr=1e-6 steps=100")
    train.set_defaults(run=_train)

    ev = sub.add_parser("eval", help="pass@1 and pass@k of a model on a JSONL set, scored by the reward service")
    ev.add_argument("--model", required=True, help="model folder (a checkpoint's policy/) or smollm2-135m")
    ev.add_argument("--data", required=True, help="JSONL rows: prompt, domain, reference")
    ev.add_argument("--samples", type=int, default=1, help="samples per prompt (n)")
    ev.add_argument("--k", type=int, default=1, help="report pass@k too (k <= samples)")
    ev.add_argument("--temperature", type=float, default=0.0, help="0 = greedy")
    ev.add_argument("--max-tokens", type=int, default=1024)
    ev.add_argument("--max-prompts", type=int, default=0, help="only the first N rows (0 = all)")
    ev.add_argument("--system-prompt", default="")
    ev.add_argument("--engine", default="hf", choices=["hf", "vllm"])
    ev.add_argument("--reward-url", action="append", default=[], help="reward service URL (repeatable); none = start one")
    ev.add_argument("--seed", type=int, default=0)
    ev.set_defaults(run=_eval)

    plot = sub.add_parser("plot", help="PNG of a run's training curves from its metrics.jsonl")
    plot.add_argument("run_dir", metavar="run", help="the run's output_dir")
    plot.add_argument("--out", default="", help="PNG path (default <run>/curves.png)")
    plot.set_defaults(run=_plot)


def configure_logging() -> None:
    from rich.logging import RichHandler  # cooperates with the training progress bar

    logging.basicConfig(level=os.environ.get("PRORL_LOG_LEVEL", "INFO"), format="%(name)s: %(message)s",
                        handlers=[RichHandler(show_path=False)])
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the training log
