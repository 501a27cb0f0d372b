"""ProRL's claim at small scale: SmolLM2-135M-Instruct trained with configs/small-prorl.yaml on a
mix of three domains (arithmetic word problems, easy Reasoning Gym puzzles, IFEval-style
instructions), the same budget and seeds with plain GRPO beside it, and a per-domain report.

    python scripts/prolonged.py train [--variant prorl|grpo] [--resume] [key=value ...]
    python scripts/prolonged.py report [--steps 0,mid,last] [--samples 16] [--max-prompts N]

`train` writes the data (fixed seeds: the same files every time) and trains one variant into
runs/prolonged/<variant> (`--root` moves it all); `--resume` continues it exactly from its last
checkpoint. `report` evaluates the base model and each run's checkpoints at the chosen steps with `prorl eval`
(`--samples` samples per held-out prompt: pass@1 and pass@k with 95% bootstrap intervals, per
domain), caching each result under runs/prolonged/evals/, and writes runs/prolonged/report.md
and curves.png (both runs overlaid). Every number in the report is the output of the `prorl eval`
command it prints, so each can be reproduced from its checkpoint.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from trainer.cli import configure_logging  # noqa: E402
from trainer.config import TrainConfig, load_config  # noqa: E402
from trainer.data import BOXED_INSTRUCTION, Row, arithmetic_rows, write_rows  # noqa: E402
from trainer.datasets import instruction, logic, templates  # noqa: E402
from trainer.plot import plot_runs, read_metrics  # noqa: E402

CONFIG = "configs/small-prorl.yaml"
# The ablation: plain GRPO is the ProRL config without its four stabilisers.
VARIANTS = {
    "prorl": [],
    "grpo": ["eps_high=0.2", "kl_coef=0", "ref_reset_interval=0", "dynamic_sampling=false"],
}
DOMAINS = ("math", "logic", "instruction")
HELDOUT_PER_DOMAIN = 200
TRAIN_PER_DOMAIN = 3000
# Math and logic rows carry the demo's system prompt (configs/demo.yaml): without it the model
# almost never writes an answer the verifiers can find. Instruction rows keep the chat template's.
SOLVE = 'Solve the problem in one line, then write "The answer is \\boxed{N}."'
# Four Reasoning Gym tasks with one-word or one-number answers, made easy through their settings.
LOGIC_TASKS = {
    "chain_sum": {"min_terms": 2, "max_terms": 3, "min_digits": 1, "max_digits": 2},
    "leg_counting": {"min_animals": 1, "max_animals": 2, "min_instances": 1, "max_instances": 3},
    "letter_counting": {"min_words": 3, "max_words": 5},
    "spell_backward": {"min_word_len": 3, "max_word_len": 5},
}


def _solve(row: Row) -> Row:
    """`row` with the SOLVE system prompt and, for a puzzle, the boxed answer asked for instead of
    Reasoning Gym's <answer> tags (the logic verifier reads either)."""
    question = row.prompt[0]["content"].replace(templates.LOGIC_INSTRUCTION, BOXED_INSTRUCTION)
    messages = [{"role": "system", "content": SOLVE}, {"role": "user", "content": question}]
    return Row(messages, row.domain, row.reference, row.extra)


def domain_rows(domain: str, count: int, seed: int) -> list[Row]:
    """About `count` rows of `domain` from `seed` (logic: count / 4 per task)."""
    if domain == "math":
        return [_solve(row) for row in arithmetic_rows(count, seed)]
    if domain == "logic":
        rows = logic.generate(list(LOGIC_TASKS), max(count // len(LOGIC_TASKS), 1), seed, LOGIC_TASKS)
        return [_solve(row) for row in rows]
    if domain == "instruction":
        return instruction.generate(count, seed)
    raise ValueError(f"unknown domain {domain!r}; valid: {', '.join(DOMAINS)}")


def _text(row: Row) -> str:
    return json.dumps(row.prompt)


def _distinct(rows: list[Row], count: int, key=lambda row: "") -> list[Row]:
    """The first `count` rows with distinct prompts, taken evenly over `key` (a logic task)."""
    groups: dict[str, list[Row]] = {}
    seen = set()
    for row in rows:
        if _text(row) not in seen:
            seen.add(_text(row))
            groups.setdefault(key(row), []).append(row)
    per_group = count // len(groups)
    picked = [row for group in groups.values() for row in group[:per_group]]
    if len(picked) < count:
        raise ValueError(f"only {len(picked)} distinct held-out prompts, {count} wanted; generate more")
    return picked


def write_data(data_dir: Path) -> dict:
    """train.jsonl and heldout.jsonl under `data_dir`: HELDOUT_PER_DOMAIN held-out rows per domain
    (seed 2, distinct prompts, the domains interleaved so that the first N rows are balanced) and
    the training rows (seed 1) with every held-out prompt removed. Returns the counts."""
    heldout, train, counts = {}, [], {}
    for domain in DOMAINS:
        task = (lambda row: row.reference["task"]) if domain == "logic" else (lambda row: "")
        heldout[domain] = _distinct(domain_rows(domain, 2 * HELDOUT_PER_DOMAIN, seed=2), HELDOUT_PER_DOMAIN, task)
        seen = {_text(row) for row in heldout[domain]}
        rows = [row for row in domain_rows(domain, TRAIN_PER_DOMAIN, seed=1) if _text(row) not in seen]
        train += rows
        counts[domain] = {"train": len(rows), "heldout": len(heldout[domain])}
    interleaved = [heldout[d][i] for i in range(HELDOUT_PER_DOMAIN) for d in DOMAINS]
    write_rows(data_dir / "train.jsonl", train)
    write_rows(data_dir / "heldout.jsonl", interleaved)
    return counts


def variant_config(variant: str, root: Path, overrides: list[str]) -> TrainConfig:
    """configs/small-prorl.yaml with the variant's changes, its data and output_dir under `root`,
    then `overrides`."""
    if variant not in VARIANTS:
        raise SystemExit(f"unknown variant {variant!r}; valid: {', '.join(VARIANTS)}")
    paths = [
        f"output_dir={root / variant}",
        f"train_data={root}/data/train.jsonl",
        f"eval_data={root}/data/heldout.jsonl",
    ]
    return load_config(CONFIG, [*paths, *VARIANTS[variant], *overrides])


def _train(args: argparse.Namespace) -> None:
    from trainer.train import train

    config = variant_config(args.variant, Path(args.root), args.overrides)
    counts = write_data(Path(config.train_data).parent)
    print(f"data: {counts}")
    result = train(config, resume=args.resume)
    for domain in DOMAINS:
        before, after = (result[when].get(f"{domain}/pass@1") for when in ("before", "after"))
        shown = [f"{v:.1%}" if v is not None else "n/a" for v in (before, after)]
        print(f"{args.variant} {domain}: held-out pass@1 {shown[0]} -> {shown[1]} after {result['step']} steps")


def _checkpoint_steps(run: Path) -> list[int]:
    return sorted(int(p.name.split("_")[1]) for p in (run / "checkpoints").glob("step_*") if p.suffix != ".partial")


def _pick_steps(wanted: str, available: list[int]) -> list[int]:
    """Steps named by `wanted` ("0,mid,last" or numbers) among a run's checkpoints (0 is the base model)."""
    picked = []
    for word in wanted.split(","):
        if word == "0":
            step = 0
        elif not available:
            continue
        elif word == "last":
            step = available[-1]
        elif word == "mid":
            step = min(available, key=lambda s: abs(s - available[-1] / 2))
        elif int(word) in available:
            step = int(word)
        else:
            raise SystemExit(f"no checkpoint at step {word}; the run has {available}")
        if step not in picked:
            picked.append(step)
    return picked


def eval_command(model: str, config: TrainConfig, samples: int, out: Path, max_prompts: int = 0) -> list[str]:
    """The `prorl eval` command behind one report entry (the first `max_prompts` held-out rows; 0 = all)."""
    return [
        *(sys.executable, "-m", "prorl", "eval", "--model", model, "--data", config.eval_data),
        *("--samples", str(samples), "--k", str(samples), "--temperature", str(config.temperature)),
        *("--max-tokens", str(config.max_response_tokens(10**9)), "--engine", config.engine),
        *("--vllm-gpu-memory-utilization", str(config.vllm_gpu_memory_utilization)),
        *("--seed", str(config.seed), "--out", str(out)),
        *(("--max-prompts", str(max_prompts)) if max_prompts else ()),
    ]


def _evaluated(model: str, config: TrainConfig, samples: int, out: Path, max_prompts: int) -> dict:
    """The cached result in `out`, or `prorl eval`'s, run now."""
    if not out.exists():
        command = eval_command(model, config, samples, out, max_prompts)
        print("$ " + " ".join(command), flush=True)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def _cell(result: dict, key: str) -> str:
    value = result.get(key)
    if value is None:
        return "n/a"
    return f"{value:.1%} [{result[key + '/ci95_low']:.1%}, {result[key + '/ci95_high']:.1%}]"


def _during(runs: dict[str, Path]) -> list[str]:
    """The in-run held-out evals (greedy pass@1 per domain, eval_max_prompts rows) of each run."""
    lines = [
        "| model | step | " + " | ".join(DOMAINS) + " |",
        "| --- | --- | " + " | ".join("---" for _ in DOMAINS) + " |",
    ]
    for variant, run in runs.items():
        for r in read_metrics(run):
            if "eval/pass@1" in r:
                cells = [
                    _cell({k[5:]: v for k, v in r.items() if k.startswith("eval/")}, f"{d}/pass@1") for d in DOMAINS
                ]
                lines.append(f"| {variant} | {r['step']} | " + " | ".join(cells) + " |")
    return lines


_STABILITY = (
    "actor/entropy",
    "actor/kl",
    "actor/clipped_low",
    "actor/clipped_high",
    "groups/kept_ratio",
    "time/step_s",
)


def _stability(runs: dict[str, Path]) -> list[str]:
    """Per run: steps, reset steps, and each stability number's mean over the first and last 3 steps."""
    lines = ["| model | steps | resets at | " + " | ".join(_STABILITY) + " |", "| --- " * (3 + len(_STABILITY)) + "|"]
    for variant, run in runs.items():
        steps = [r for r in read_metrics(run) if "reward/mean" in r]
        resets = [r["step"] for r in steps if r.get("reference/reset")]
        cells = []
        for key in _STABILITY:
            first, last = ([r[key] for r in part if r.get(key) is not None] for part in (steps[:3], steps[-3:]))
            cells.append(f"{sum(first) / max(len(first), 1):.3g} -> {sum(last) / max(len(last), 1):.3g}")
        lines.append(f"| {variant} | {len(steps)} | {resets or 'none'} | " + " | ".join(cells) + " |")
    return lines


def _report(args: argparse.Namespace) -> None:
    root = Path(args.root)
    evals_dir = root / "evals"
    evals_dir.mkdir(parents=True, exist_ok=True)
    entries = []  # (variant, step, result)
    for variant in VARIANTS:
        config = variant_config(variant, root, args.overrides)
        run = Path(config.output_dir)
        for step in _pick_steps(args.steps, _checkpoint_steps(run) if run.exists() else []):
            model = config.model if step == 0 else str(run / "checkpoints" / f"step_{step}" / "policy")
            name = "base" if step == 0 else f"{variant}-step{step}"
            tag = f"n{args.samples}" + (f"-first{args.max_prompts}" if args.max_prompts else "")
            result = _evaluated(model, config, args.samples, evals_dir / f"{name}-{tag}.json", args.max_prompts)
            entries.append(("base" if step == 0 else variant, step, result))
    entries = list({(v, s): (v, s, r) for v, s, r in entries}.values())  # the base model once
    k = args.samples
    lines = [
        f"| domain | model | step | prompts | pass@1 [95% CI] | pass@{k} [95% CI] |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for domain in DOMAINS:
        for variant, step, result in entries:
            cells = (_cell(result, f"{domain}/pass@1"), _cell(result, f"{domain}/pass@{k}"))
            prompts = result.get(f"{domain}/prompts")
            lines.append(f"| {domain} | {variant} | {step} | {prompts} | {cells[0]} | {cells[1]} |")
    runs = {v: root / v for v in VARIANTS if (root / v / "metrics.jsonl").exists()}
    lines += ["", "During the runs (greedy, the in-run eval rows):", "", *_during(runs)]
    lines += ["", "Stability (first 3 steps -> last 3 steps):", "", *_stability(runs)]
    report = root / "report.md"
    report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if runs:
        print(f"curves: {plot_runs([str(run) for run in runs.values()], str(root / 'curves.png'))}")
    print(f"report: {report}")


def main() -> None:
    """Parse the subcommand and run it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="write the data and train one variant")
    train.add_argument("--variant", default="prorl", choices=list(VARIANTS))
    train.add_argument("--resume", action="store_true", help="continue from the variant's latest checkpoint")
    train.set_defaults(run=_train)
    report = sub.add_parser("report", help="evaluate the base model and both runs' checkpoints, write the report")
    report.add_argument(
        "--steps", default="0,mid,last", help="checkpoints to evaluate: 0 (base), mid, last, or numbers"
    )
    report.add_argument("--samples", type=int, default=16, help="samples per held-out prompt (pass@1 and pass@N)")
    report.add_argument(
        "--max-prompts",
        type=int,
        default=0,
        help="only the first N held-out rows (interleaved: N/3 per domain); 0 = all",
    )
    report.set_defaults(run=_report)
    for command in (train, report):
        command.add_argument("--root", default="runs/prolonged", help="data/, one folder per variant, the report")
        command.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides")
    args = parser.parse_args()
    configure_logging()
    args.run(args)


if __name__ == "__main__":
    main()
