"""`prorl plot <run> [<run> ...]`: one PNG with training curves (reward, kept groups, response
length, KL, entropy, clip fractions, grad norm, step time, held-out pass@1, and both per domain
when the run mixes domains) read from each run's metrics.jsonl. Several runs are overlaid, one
line style per run, so an ablation reads off one figure; dotted lines mark reference resets."""

import json
from pathlib import Path

__all__ = ["plot_run", "plot_runs", "read_metrics", "PANELS"]

# (title, keys); a key ending in "/*" stands for every key under that prefix (one per domain),
# interval bounds (".../ci95_low", ".../ci95_high") left out.
PANELS = [
    ("reward", ["reward/mean"]),
    ("reward by domain", ["reward/mean/*"]),
    ("held-out pass@1", ["eval/pass@1"]),
    ("held-out pass@1 by domain", ["eval/*"]),
    ("kept group ratio", ["groups/kept_ratio"]),
    ("response length", ["response/length_mean", "response/length_max"]),
    ("KL to reference (k3)", ["actor/kl"]),
    ("entropy", ["actor/entropy"]),
    ("clip fraction", ["actor/clipped_low", "actor/clipped_high"]),
    ("grad norm", ["actor/grad_norm"]),
    ("step time (s)", ["time/generate_s", "time/reward_s", "time/train_s"]),
]
_STYLES = ("-", "--", "-.", ":")


def read_metrics(run: str | Path) -> list[dict]:
    """Every record of a run's metrics.jsonl (step lines and eval lines), in order."""
    path = Path(run) / "metrics.jsonl"
    if not path.exists():
        raise SystemExit(f"prorl plot: {path} not found; give the output_dir of a `prorl train` run")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _expand(keys: list[str], records: list[dict]) -> list[str]:
    """The panel's keys with each "prefix/*" replaced by the per-domain keys the records have."""
    out = []
    for key in keys:
        if not key.endswith("/*"):
            out.append(key)
            continue
        prefix = key[:-1]
        seen = {k for r in records for k in r if k.startswith(prefix) and "/ci95_" not in k}
        if prefix == "eval/":  # eval/<domain>/pass@1 only
            seen = {k for k in seen if k.count("/") == 2 and k.endswith("/pass@1")}
        out += sorted(seen)
    return out


def plot_runs(runs: list[str], out: str = "") -> str:
    """Draw the PANELS of each run's metrics.jsonl into one PNG (default <first run>/curves.png),
    runs overlaid; returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loaded = [(run, read_metrics(run)) for run in runs]
    fig, axes = plt.subplots(3, 4, figsize=(20, 11))
    for ax, (title, keys) in zip(axes.flat, PANELS):
        for (run, records), style in zip(loaded, _STYLES * len(runs)):
            for key in _expand(keys, records):
                points = [(r["step"], r[key]) for r in records if r.get(key) is not None]
                if points:
                    label = f"{Path(run).name}: {key}" if len(runs) > 1 else key
                    ax.plot(*zip(*points), linestyle=style, marker="." if len(points) < 30 else None, label=label)
        ax.set_title(title)
        ax.set_xlabel("step")
        if ax.lines and (len(runs) > 1 or len(ax.lines) > 1):
            ax.legend(fontsize=7)
    for _, records in loaded:
        for step in (r["step"] for r in records if r.get("reference/reset")):
            for ax in axes.flat[: len(PANELS)]:
                ax.axvline(step, color="grey", linestyle=":", linewidth=0.8)
    axes.flat[-1].axis("off")
    fig.suptitle(f"{'  vs  '.join(runs)}  (dotted: reference resets)")
    fig.tight_layout()
    target = Path(out) if out else Path(runs[0]) / "curves.png"
    fig.savefig(target, dpi=80)
    plt.close(fig)
    return str(target)


def plot_run(run: str, out: str = "") -> str:
    """One run's curves (see plot_runs)."""
    return plot_runs([run], out)
