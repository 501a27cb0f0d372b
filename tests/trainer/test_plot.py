"""`prorl plot` with several runs: one PNG, the runs overlaid, per-domain panels from the keys the
runs logged."""

import json

from trainer.plot import _expand, plot_runs


def _write_run(folder, reward: float) -> None:
    folder.mkdir()
    lines = [{"step": 0, "eval/pass@1": 0.2, "eval/math/pass@1": 0.3, "eval/math/pass@1/ci95_low": 0.1}]
    for step in (1, 2, 3):
        lines.append(
            {"step": step, "reward/mean": reward * step, "reward/mean/math": reward, "reward/mean/logic": 0.0,
             "actor/entropy": 1.0 / step, "reference/reset": int(step == 2)}
        )  # fmt: skip
    lines.append({"step": 3, "eval/pass@1": 0.4, "eval/math/pass@1": 0.5, "eval/logic/pass@1": 0.0})
    (folder / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")


def test_two_runs_overlay_into_one_png(tmp_path):
    _write_run(tmp_path / "prorl", 0.1)
    _write_run(tmp_path / "grpo", 0.05)
    out = plot_runs([str(tmp_path / "prorl"), str(tmp_path / "grpo")], str(tmp_path / "both.png"))
    assert out == str(tmp_path / "both.png")
    assert (tmp_path / "both.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_domain_panels_take_the_domains_a_run_logged():
    records = [
        {"step": 1, "reward/mean": 0.1, "reward/mean/math": 0.2, "reward/mean/logic": 0.0},
        {"step": 2, "eval/pass@1": 0.4, "eval/math/pass@1": 0.5, "eval/math/pass@1/ci95_low": 0.3,
         "eval/math/pass@16": 0.9, "eval/logic/pass@1": 0.0, "eval/math/prompts": 50},
    ]  # fmt: skip
    assert _expand(["reward/mean/*"], records) == ["reward/mean/logic", "reward/mean/math"]
    assert _expand(["eval/*"], records) == ["eval/logic/pass@1", "eval/math/pass@1"]
    assert _expand(["actor/kl"], records) == ["actor/kl"]
