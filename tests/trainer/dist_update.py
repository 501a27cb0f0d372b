"""One step's rollout and update of a tiny model on this process's ranks (run it under torchrun,
or alone for the one-process reference): scripted samples, so every world size sees the same
groups, with dynamic sampling dropping different numbers of groups on each rank. Rank 0 writes
the update's metrics, each rank's kept groups and the updated weights to the file argv[2].

usage: dist_update.py MODEL_DIR OUT.pt [key=value config overrides]
"""

import sys
import tempfile
from pathlib import Path

import torch

from reward_service.schemas import Result
from trainer.config import load_config
from trainer.data import Row
from trainer.distributed import close_world, full_weights, gather, init_world
from trainer.groups import PromptStream, collect_groups
from trainer.rollout.base import Completion
from trainer.train import setup
from trainer.update import update

RIGHT = [0, 2, 4, 1, 3, 0, 4, 2, 1, 0, 3, 4, 2, 0, 1, 4]  # right answers of 4 per prompt: 0 and 4 are dropped


class Engine:
    """Prompt i ([6] * (i + 1)) gets RIGHT[i] right answers "\\boxed{1}" then wrong ones, of varied token lengths."""

    def generate(self, prompts, n, sampling):
        return [
            [
                Completion([3, 1], "\\boxed{1}", False)
                if k < RIGHT[len(p) - 1]
                else Completion([4, 5] * (k + 1), "no", True)
                for k in range(n)
            ]
            for p in prompts
        ]


class Client:
    def score_sync(self, items):
        return [
            Result(
                id=None,
                reward=1.0 if item["response"] == "\\boxed{1}" else 0.0,
                status="correct",
                extracted=None,
                detail="",
                elapsed_ms=1.0,
            )
            for item in items
        ]


def main() -> None:
    model, out = sys.argv[1], Path(sys.argv[2])
    data = Path(tempfile.mkdtemp()) / "rows.jsonl"
    data.write_text('{"prompt": "pick", "domain": "math", "reference": {"answer": "1"}}\n')
    overrides = [
        f"model={model}",
        f"train_data={data}",
        "group_size=4",
        "prompts_per_step=5",
        "lr=0.05",
        "kl_coef=0.01",
        "temperature=1.0",
        "tensorboard=false",
        *sys.argv[3:],
    ]
    config = load_config(None, overrides)
    world = init_world(config.device, 120)
    run = setup(config, world=world)
    rows = [Row(f"q{i}", "math", {"answer": "1"}) for i in range(len(RIGHT))]
    stream = PromptStream(rows, [[6] * (i + 1) for i in range(len(RIGHT))], seed=3)
    groups, stats = collect_groups(Engine(), Client(), stream, config, 0, 16, world)
    samples = [s for g in groups for s in g]
    metrics = update(run.policy, run.reference, run.optimizer, samples, config, 0, 0, world)
    kept = gather(world, stats["kept_groups"])
    weights = {name: tensor.clone() for name, tensor in full_weights(run.policy)}
    if world.main:
        torch.save({"metrics": metrics, "kept": kept, "groups": len(groups), "weights": weights}, out)
    close_world(world)


if __name__ == "__main__":
    main()
