"""`prorl train` with a record of every rank: run it under torchrun with config overrides, and each
rank appends, after setup and after every step, the step, its last reset and a hash of the whole
policy (gathered) and of the weights its rollout engine samples from, to
<output_dir>/ranks/rank<R>.jsonl, and after a step how far its engine's log-probs are from the
policy's (`engine_gap`). With DIE_AT_STEP=k in the environment, rank 1 dies (exit 3)
when step k begins; with HANG_AT_STEP=k it stops answering instead (sleeps for an hour).

usage: torchrun --nproc_per_node 2 dist_train.py [--resume] key=value ...
"""

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import torch

from trainer import train as loop
from trainer.batch import pack, response_logprobs
from trainer.config import load_config
from trainer.distributed import full_weights
from trainer.rollout import SamplingConfig


def _digest(weights) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(weights, key=lambda pair: pair[0]):
        digest.update(name.encode())
        digest.update(tensor.detach().float().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _engine_gap(run, engine) -> float | None:
    """How far the engine's log-probs of its greedy continuation of a fixed prompt are from the
    (sharded) policy's log-probs of the same tokens: ~0 once the step's weights reached the engine.
    None for an engine that reports no log-probs (HF)."""
    prompt = [6, 5, 6]
    out = engine.generate([prompt], 1, SamplingConfig(max_tokens=4, temperature=0))[0][0]
    if out.logprobs is None:
        return None
    with torch.no_grad():  # every rank runs this forward: the sharded policy gathers its parameters
        policy, _ = response_logprobs(run.policy, pack([prompt], [out.response_ids], pad_id=0), 1.0)
    return (policy[0] - torch.tensor(out.logprobs)).abs().max().item()


def _record(run, event: str, engine=None) -> None:
    policy = _digest(full_weights(run.policy))  # every rank takes part in the gathers
    sampler = _digest(run.sampler.state_dict().items()) if run.sampler is not None else None
    folder = Path(run.config.output_dir, "ranks")
    folder.mkdir(parents=True, exist_ok=True)
    line = {"event": event, "step": run.step, "last_reset": run.last_reset, "policy": policy, "sampler": sampler}
    if engine is not None:
        line["engine_gap"] = _engine_gap(run, engine)
    with open(folder / f"rank{run.world.rank}.jsonl", "a") as handle:
        handle.write(json.dumps(line) + "\n")


def main() -> None:
    args = sys.argv[1:]
    resume = "--resume" in args
    config = load_config(None, [a for a in args if a != "--resume"])
    setup, step = loop.setup, loop.train_step

    def recorded_setup(*a, **k):
        run = setup(*a, **k)
        _record(run, "setup")
        return run

    def recorded_step(run, engine, *a, **k):
        if run.world.rank == 1 and str(run.step) == os.environ.get("DIE_AT_STEP"):
            os._exit(3)
        if run.world.rank == 1 and str(run.step) == os.environ.get("HANG_AT_STEP"):
            time.sleep(3600)
        metrics = step(run, engine, *a, **k)
        _record(run, "step", engine)
        return metrics

    loop.setup, loop.train_step = recorded_setup, recorded_step
    print(json.dumps(loop.train(config, resume=resume)))


if __name__ == "__main__":
    main()
