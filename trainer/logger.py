"""Where a run's numbers go: one JSON line per step in `<output_dir>/metrics.jsonl` (the source
`prorl plot` reads), TensorBoard scalars, wandb when a project is named, and a rich progress bar
with the headline numbers on the terminal. On N ranks only rank 0 has a `RunLogger`; the
others hold a `SilentLogger`."""

import json
import logging
import math
from pathlib import Path

__all__ = ["RunLogger", "SilentLogger"]

log = logging.getLogger("prorl.train")


class RunLogger:
    """A run's metrics to metrics.jsonl, TensorBoard, wandb (when named) and a progress bar; events to the log."""

    def __init__(
        self,
        output_dir: str,
        total_steps: int,
        start_step: int,
        config: dict,
        tensorboard: bool = True,
        wandb_project: str = "",
    ):
        self.dir = Path(output_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.jsonl = open(self.dir / "metrics.jsonl", "a", encoding="utf-8")
        self.tb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.tb = SummaryWriter(str(self.dir / "tensorboard"))
        self.wandb = None
        if wandb_project:
            import wandb  # optional: pip install wandb

            self.wandb = wandb.init(project=wandb_project, config=config, dir=str(self.dir), resume="allow")
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[summary]}"),
            transient=False,
        )
        self.task = self.progress.add_task("train", total=total_steps, completed=start_step, summary="")
        self.progress.start()

    def step(self, step: int, metrics: dict) -> None:
        """Record `metrics` at `step` everywhere (NaN as null in the JSONL) and update the progress bar."""
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in metrics.items()}
        self.jsonl.write(json.dumps({"step": step, **clean}) + "\n")
        self.jsonl.flush()
        for key, value in metrics.items():
            if isinstance(value, (int, float)) and self.tb is not None:
                self.tb.add_scalar(key, value, step)
        if self.wandb is not None:
            self.wandb.log(metrics, step=step)
        if "reward/mean" not in metrics:  # an eval record: the bar keeps the last step's numbers
            return
        summary = "reward {:.3f} kept {:.2f} len {:.0f} {:.1f}s".format(
            metrics.get("reward/mean", float("nan")),
            metrics.get("groups/kept_ratio", float("nan")),
            metrics.get("response/length_mean", float("nan")),
            metrics.get("time/step_s", float("nan")),
        )
        self.progress.update(self.task, completed=step, summary=summary)

    def event(self, message: str) -> None:
        """Log one line about the run (a reset, an eval, a warning)."""
        log.info(message)

    def close(self) -> None:
        """Stop the progress bar and close every sink."""
        self.progress.stop()
        self.jsonl.close()
        if self.tb is not None:
            self.tb.close()
        if self.wandb is not None:
            self.wandb.finish()


class SilentLogger:
    """What ranks other than 0 log through: nothing (rank 0 writes the run's one record)."""

    def step(self, step: int, metrics: dict) -> None:
        """Nothing: rank 0 records the step."""

    def event(self, message: str) -> None:
        """Nothing: rank 0 logs the event."""

    def close(self) -> None:
        """Nothing to close."""
