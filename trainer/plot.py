"""`prorl plot <run>`: one PNG with a run's training curves (reward, kept groups, response length,
KL, entropy, clip fractions, grad norm, step time, held-out pass@1) read from its metrics.jsonl."""

import json
from pathlib import Path

__all__ = ["plot_run", "PANELS"]

PANELS = [
    ("reward", ["reward/mean"]),
    ("held-out pass@1", ["eval/pass@1"]),
    ("kept group ratio", ["groups/kept_ratio"]),
    ("response length", ["response/length_mean", "response/length_max"]),
    ("KL to reference (k3)", ["actor/kl"]),
    ("entropy", ["actor/entropy"]),
    ("clip fraction", ["actor/clipped_low", "actor/clipped_high"]),
    ("grad norm", ["actor/grad_norm"]),
    ("step time (s)", ["time/generate_s", "time/reward_s", "time/train_s"]),
]


def plot_run(run: str, out: str = "") -> str:
    """Draw the PANELS of `run`'s metrics.jsonl into one PNG (default <run>/curves.png); returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(run) / "metrics.jsonl"
    if not path.exists():
        raise SystemExit(f"prorl plot: {path} not found; give the output_dir of a `prorl train` run")
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    fig, axes = plt.subplots(3, 3, figsize=(15, 10))
    for ax, (title, keys) in zip(axes.flat, PANELS):
        for key in keys:
            points = [(r["step"], r[key]) for r in records if r.get(key) is not None]
            if points:
                ax.plot(*zip(*points), marker="." if len(points) < 30 else None, label=key)
        ax.set_title(title)
        ax.set_xlabel("step")
        if len(keys) > 1:
            ax.legend(fontsize=7)
    resets = [r["step"] for r in records if r.get("reference/reset")]
    for ax in axes.flat:
        for step in resets:
            ax.axvline(step, color="grey", linestyle=":", linewidth=0.8)
    fig.suptitle(f"{run}  (dotted: reference resets)")
    fig.tight_layout()
    target = Path(out) if out else Path(run) / "curves.png"
    fig.savefig(target, dpi=80)
    plt.close(fig)
    return str(target)
