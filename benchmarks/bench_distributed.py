"""Training throughput on 1 and N ranks (torch.distributed, FSDP2): the same global batch through
`trainer.update.update` in one process, then under torchrun on 1 and on N ranks, with the tokens/s
and peak memory of each (rank 0's). On a CPU with few cores expect no speed-up from 2 ranks: the
point there is that they run and agree; on GPUs, each rank its own GPU.

    python benchmarks/bench_distributed.py                  # SmolLM2-135M, CPU, 1 vs 2 ranks
    python benchmarks/bench_distributed.py --ranks 8 --device cuda --sequences 512 --length 512

Prints numbers; asserts nothing.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--sequences", type=int, default=64, help="global batch: sequences per optimizer step")
    parser.add_argument("--length", type=int, default=96, help="response tokens per sequence (prompt: 32)")
    parser.add_argument("--micro-batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2, help="timed updates after one warm-up")
    parser.add_argument("--device", default="")
    parser.add_argument("--worker", default="", help=argparse.SUPPRESS)  # the JSON file a worker writes
    return parser.parse_args(argv)


def worker(args: argparse.Namespace) -> None:
    """One rank (or the one process): set up the run as `prorl train` does, time `update`, write the numbers."""
    import torch

    from trainer.config import TrainConfig
    from trainer.distributed import close_world, init_world
    from trainer.groups import Sample
    from trainer.train import setup
    from trainer.update import update

    data = Path(tempfile.mkdtemp()) / "rows.jsonl"
    data.write_text('{"prompt": "1 + 1", "domain": "math", "reference": {"answer": "2"}}\n')
    group = 8
    config = TrainConfig(
        model=args.model,
        train_data=str(data),
        group_size=group,
        prompts_per_step=args.sequences // group,
        micro_batch_size=args.micro_batch,
        kl_coef=0.0,
        device=args.device,
    )
    world = init_world(config.device, 600)
    run = setup(config, world=world)
    vocab = run.policy.config.vocab_size
    gen = torch.Generator().manual_seed(0)  # the same batch on every rank and in every mode
    samples = [
        Sample(
            torch.randint(0, vocab, (32,), generator=gen).tolist(),
            torch.randint(0, vocab, (args.length,), generator=gen).tolist(),
            0.0,
            advantage=1.0 if i % 2 else -1.0,
        )
        for i in range(args.sequences)
    ]
    pad = run.tokenizer.pad_token_id
    cuda = next(run.policy.parameters()).is_cuda
    update(run.policy, None, run.optimizer, samples[: args.micro_batch], config, pad, 0, world)  # warm-up
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    for step in range(args.repeats):
        metrics = update(run.policy, None, run.optimizer, samples, config, pad, step + 1, world)
    if cuda:
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - t) / args.repeats
    tokens = sum(len(s.prompt_ids) + len(s.response_ids) for s in samples)
    peak = (
        torch.cuda.max_memory_allocated() / 2**20 if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    if world.main:
        Path(args.worker).write_text(
            json.dumps(
                {"seconds": seconds, "tokens": tokens, "peak_mib": peak, "grad_norm": metrics["actor/grad_norm"]}
            )
        )
    close_world(world)


def _launch(args: argparse.Namespace, ranks: int) -> dict:
    out = Path(tempfile.mkdtemp()) / "result.json"
    me = [
        __file__,
        "--model", args.model, "--sequences", str(args.sequences), "--length", str(args.length),
        "--micro-batch", str(args.micro_batch), "--repeats", str(args.repeats), "--device", args.device,
        "--worker", str(out),
    ]  # fmt: skip
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(ranks)]
    threads = str(max(1, (os.cpu_count() or 1) // max(ranks, 1)))  # torchrun's default is 1 thread per rank
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", threads)}
    subprocess.run(launcher + me if ranks else [sys.executable, *me], check=True, env=env)
    return json.loads(out.read_text())


def main() -> None:
    """Time the one-process run, then torchrun on 1 and on --ranks ranks, and print a line for each."""
    args = _options()
    if args.worker:
        worker(args)
        return
    print(
        f"{args.model}: {args.sequences} sequences x (32 + {args.length}) tokens per update, micro-batch "
        f"{args.micro_batch}, {args.repeats} timed updates, {os.cpu_count()} cores, device {args.device or 'auto'}"
    )
    for ranks, name in ((0, "one process (no FSDP)"), (1, "torchrun, 1 rank (FSDP2)"), (args.ranks, None)):
        result = _launch(args, ranks)
        label = name or f"torchrun, {ranks} ranks (FSDP2)"
        print(
            f"{label:28s} {result['tokens'] / result['seconds']:8.0f} tokens/s  {result['seconds']:6.1f} s/update  "
            f"peak {result['peak_mib']:7.0f} MiB (rank 0)  grad norm {result['grad_norm']:.6f}"
        )


if __name__ == "__main__":
    main()
