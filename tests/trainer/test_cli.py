"""The trainer's commands as a user runs them: `prorl train`, `prorl eval`, `prorl plot`."""

import json
import os
import re
import subprocess
import sys


def _prorl(*args: str, timeout: int = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prorl", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


def test_train_then_eval_then_plot(tmp_path, tiny_model, pick_data):
    run = tmp_path / "run"
    done = _prorl(
        "train",
        f"model={tiny_model}",
        f"train_data={pick_data}",
        f"eval_data={pick_data}",
        f"output_dir={run}",
        "prompts_per_step=4",
        "group_size=4",
        "response_length_schedule=[[0, 6]]",
        "temperature=1.0",
        "steps=2",
        "save_every=2",
        "reward_workers=1",
        "lr=5e-2",
        "eval_samples=4",
        "eval_temperature=1.0",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "held-out pass@1:" in done.stdout
    policy = run / "checkpoints" / "step_2" / "policy"
    assert (policy / "model.safetensors").exists() and (run / "checkpoints" / "latest").read_text() == "step_2"

    done = _prorl(
        "eval",
        "--model",
        str(policy),
        "--data",
        pick_data,
        "--samples",
        "4",
        "--k",
        "2",
        "--temperature",
        "1.0",
        "--max-tokens",
        "6",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout[done.stdout.index("{") :])
    assert result["prompts"] == 8 and result["samples"] == 4 and result["failed_items"] == 0
    assert 0 <= result["pass@1"] <= result["pass@2"] <= 1

    done = _prorl("plot", str(run))
    assert done.returncode == 0, done.stderr[-3000:]
    png = run / "curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_train_help_lists_every_config_key_with_its_default():
    from trainer.config import field_defaults

    done = _prorl("train", "--help", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--config" in done.stdout and "--resume" in done.stdout
    for key, default in field_defaults().items():
        shown = default if isinstance(default, str) else json.dumps(default)
        assert re.search(rf"^  {key}={re.escape(shown)}( |$)", done.stdout, re.M), (key, shown)


def test_eval_help_names_the_config_defaults_it_uses():
    from trainer.config import field_defaults

    defaults = field_defaults()
    done = _prorl("eval", "--help", env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr[-2000:]
    for key in ("reward_timeout_s", "reward_retries", "vllm_gpu_memory_utilization"):
        assert re.search(rf"^  {key}={re.escape(json.dumps(defaults[key]))}( |$)", done.stdout, re.M), key


def test_bad_config_key_is_a_clear_error(pick_data):
    done = _prorl("train", f"train_data={pick_data}", "learning_rate=1")
    assert done.returncode != 0 and "unknown config keys ['learning_rate']" in done.stderr


def test_eval_k_above_samples_refused(pick_data, tiny_model):
    done = _prorl("eval", "--model", tiny_model, "--data", pick_data, "--samples", "2", "--k", "4")
    assert done.returncode != 0 and "--k (4) must be <= --samples (2)" in done.stderr


def test_eval_several_greedy_samples_refused_with_what_to_set(pick_data, tiny_model):
    done = _prorl("eval", "--model", tiny_model, "--data", pick_data, "--samples", "2")
    assert done.returncode != 0 and "give a temperature above 0" in done.stderr, done.stderr[-2000:]


def test_an_api_key_on_the_service_alone_stops_the_trainer_with_the_setting_to_fix(
    server_process, tiny_model, pick_data, tmp_path
):
    url = server_process("--log-level", "warning", env={"REWARD_API_KEY": "k", "REWARD_POOL_SIZE": "1"})
    args = [
        "train",
        f"model={tiny_model}",
        f"train_data={pick_data}",
        f"output_dir={tmp_path / 'run'}",
        "prompts_per_step=2",
        "group_size=2",
        "response_length_schedule=[[0, 4]]",
        "temperature=1.0",
        "steps=1",
        f"reward_urls=[{url}]",
    ]
    for extra, why in (
        ([], "requires an API key and none was given"),
        (["reward_api_key=nope"], "refused our API key"),
    ):
        done = _prorl(*args, *extra)
        assert done.returncode == 1, done.stderr[-2000:]
        assert why in done.stderr and "set reward_api_key in the trainer's config" in done.stderr, done.stderr[-2000:]
        assert not (tmp_path / "run" / "metrics.jsonl").exists()  # stopped before any step
    done = _prorl(*args, env={"REWARD_API_KEY": "k"})  # the service's own variable serves the trainer too
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "run" / "metrics.jsonl").read_text().count("\n") >= 1


def test_eval_sends_the_key_like_train_and_stops_on_a_refused_one(server_process, tiny_model, pick_data):
    """`prorl eval` against a service that requires a key: REWARD_API_KEY (or --reward-api-key, like train's
    reward_api_key) scores exactly as an open service does; a missing or wrong key exits with the setting to fix,
    never with a pass@1 of 0."""
    keyed = server_process("--log-level", "warning", env={"REWARD_API_KEY": "k", "REWARD_POOL_SIZE": "1"})
    open_ = server_process("--log-level", "warning", env={"REWARD_API_KEY": "", "REWARD_POOL_SIZE": "1"})
    args = ["eval", "--model", tiny_model, "--data", pick_data, "--max-tokens", "6"]  # greedy, one sample per prompt
    results = []
    for url, key in ((keyed, "k"), (open_, "")):
        done = _prorl(*args, "--reward-url", url, env={"REWARD_API_KEY": key})
        assert done.returncode == 0, done.stderr[-3000:]
        results.append(json.loads(done.stdout[done.stdout.index("{") :]))
    assert results[0]["failed_items"] == 0 and results[0]["prompts"] == 8 and results[0]["reward_mean"] is not None
    assert results[0] == results[1]  # greedy, same samples: the key changes nothing but access
    for extra, why in (
        ([], "requires an API key and none was given"),
        (["--reward-api-key", "nope"], "refused our API key"),
    ):
        done = _prorl(*args, "--reward-url", keyed, *extra, env={"REWARD_API_KEY": ""})
        assert done.returncode == 1, done.stderr[-2000:]
        assert why in done.stderr and "--reward-api-key for prorl eval" in done.stderr, done.stderr[-2000:]
        assert "REWARD_API_KEY" in done.stderr and "pass@" not in done.stdout
