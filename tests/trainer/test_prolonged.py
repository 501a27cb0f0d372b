"""The prolonged run (scripts/prolonged.py with configs/small-prorl.yaml) cannot rot: the data it
writes, both variants of the ablation for 2 steps with a tiny model, and the report, whose every
number `prorl eval` reproduces from the checkpoint."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.trainer.tiny import CHAT_TEMPLATE, make_tiny_model
from trainer.data import read_rows

REPO = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("prolonged", REPO / "scripts" / "prolonged.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_data_is_fixed_by_its_seeds_balanced_and_held_out(tmp_path):
    prolonged = _script()
    counts = prolonged.write_data(tmp_path / "a")
    prolonged.write_data(tmp_path / "b")
    for name in ("train.jsonl", "heldout.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    heldout, train = read_rows(tmp_path / "a" / "heldout.jsonl"), read_rows(tmp_path / "a" / "train.jsonl")
    for domain in prolonged.DOMAINS:
        assert sum(row.domain == domain for row in heldout) == 200 == counts[domain]["heldout"]
        assert sum(row.domain == domain for row in train) == counts[domain]["train"] > 2500
        assert sum(row.domain == domain for row in heldout[:150]) == 50  # eval_max_prompts 150: balanced
    texts = [json.dumps(row.prompt) for row in heldout]
    assert len(set(texts)) == len(texts)
    assert not set(texts) & {json.dumps(row.prompt) for row in train}
    tasks = [row.reference["task"] for row in heldout if row.domain == "logic"]
    assert {task: tasks.count(task) for task in tasks} == {
        task: 200 // len(prolonged.LOGIC_TASKS) for task in prolonged.LOGIC_TASKS
    }


def test_the_config_is_the_recipe_and_the_ablation_turns_off_its_stabilisers(tmp_path):
    prolonged = _script()
    prorl, grpo = (prolonged.variant_config(v, tmp_path, []) for v in ("prorl", "grpo"))
    assert (prorl.eps_low, prorl.eps_high, prorl.kl_coef, prorl.dynamic_sampling) == (0.2, 0.4, 1e-4, True)
    assert prorl.ref_reset_interval > 0 and prorl.mini_batches > 1  # resets on; the clip acts off-policy
    assert (grpo.eps_high, grpo.kl_coef, grpo.ref_reset_interval, grpo.dynamic_sampling) == (0.2, 0.0, 0, False)
    same = {
        k: v
        for k, v in prorl.to_dict().items()
        if k not in {"output_dir", *(o.split("=")[0] for o in prolonged.VARIANTS["grpo"])}
    }
    assert same == {k: v for k, v in grpo.to_dict().items() if k in same}  # same budget and seeds otherwise
    assert prorl.output_dir == str(tmp_path / "prorl") and prorl.train_data == f"{tmp_path}/data/train.jsonl"


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "scripts/prolonged.py", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_both_variants_train_two_steps_and_the_report_reproduces_from_checkpoints(tmp_path):
    model = make_tiny_model(tmp_path / "tiny", chat_template=CHAT_TEMPLATE)
    tiny = [
        f"model={model}",
        "engine=hf",
        "steps=2",
        "save_every=1",
        "eval_every=1",
        "eval_max_prompts=6",
        "response_length_schedule=[[0,4]]",
        "prompts_per_step=2",
        "group_size=2",
        "micro_batch_size=4",
        "ref_reset_interval=1",
        "tensorboard=false",
    ]
    root = tmp_path / "prolonged"
    for variant in ("prorl", "grpo"):
        out = _run("train", "--variant", variant, "--root", str(root), *tiny)
        for domain in ("math", "logic", "instruction"):
            assert f"{variant} {domain}: held-out pass@1" in out
        run = root / variant
        steps = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        assert [r["step"] for r in steps if "reward/mean" in r] == [1, 2]
        assert {"eval/math/pass@1", "eval/logic/pass@1", "eval/instruction/pass@1"} <= set(steps[0])
        assert [s.name for s in sorted((run / "checkpoints").glob("step_*"))] == ["step_1", "step_2"]
        config = torch.load(run / "checkpoints" / "step_2" / "state.pt", weights_only=False)["config"]
        assert (config["eps_high"], config["dynamic_sampling"]) == ((0.4, True) if variant == "prorl" else (0.2, False))
        assert config["keep_checkpoints"] == 0  # every checkpoint stays, for the report's middle of the run
    resets = [
        r["step"]
        for r in map(json.loads, (root / "prorl" / "metrics.jsonl").read_text().splitlines())
        if r.get("reference/reset")
    ]
    assert resets == [2]  # interval 1: the second step (index 1) resets

    out = _run("report", "--root", str(root), "--steps", "0,last", "--samples", "2", *tiny)
    report = (root / "report.md").read_text()
    for domain in ("math", "logic", "instruction"):
        for model_name, step in (("base", 0), ("prorl", 2), ("grpo", 2)):
            assert f"| {domain} | {model_name} | {step} |" in report
    assert (root / "curves.png").stat().st_size > 10_000
    cached = root / "evals" / "prorl-step2-n2.json"
    command = next(
        line[2:] for line in out.splitlines() if line.startswith("$ ") and "prorl/checkpoints/step_2" in line
    )
    again = tmp_path / "again.json"
    subprocess.run(command.replace(str(cached), str(again)).split(), cwd=REPO, check=True, capture_output=True)
    assert json.loads(again.read_text()) == json.loads(cached.read_text())
