"""Each half installs and runs alone: fresh virtualenvs with only `prorl[service]` or only
`prorl[train]`, built once per test run from the wheel of this checkout (so the wheel's contents,
the sandbox runner and Dockerfiles included, are what is tested)."""

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from prorl.images import PACKAGE, copy_sources
from reward_service.local import LocalServer
from tests.reward_service.sandbox.helpers import wait_code_ready
from tests.trainer.test_samples_gold import check_domain
from trainer.datasets import SAMPLE_DOMAINS

pytestmark = pytest.mark.slow


def _run(*args, timeout: float = 600, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    # Outside the checkout: `python -c` and `-m` put the working folder first on sys.path, and the
    # venvs must run the wheel's modules, not this checkout's.
    kwargs.setdefault("cwd", tempfile.gettempdir())
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        **kwargs,
    )


def _venv(root: Path, wheel: Path, extra: str) -> Path:
    venv = root / (extra or "base")
    done = _run(sys.executable, "-m", "venv", venv)
    assert done.returncode == 0, done.stderr
    done = _run(
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        f"{wheel}[{extra}]" if extra else wheel,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return venv / "bin"


@pytest.fixture(scope="session")
def halves(tmp_path_factory) -> dict[str, Path]:
    """{'service': bin folder, 'train': ..., '': the base install's} of fresh venvs, built side by side."""
    root = tmp_path_factory.mktemp("halves")
    copy_sources(PACKAGE, root / "src")  # a clean copy: setuptools' build/ folder in a checkout can hold stale files
    done = _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        root / "wheel",
        root / "src",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    wheel = next((root / "wheel").glob("prorl-*.whl"))
    with ThreadPoolExecutor(3) as pool:
        built = {extra: pool.submit(_venv, root, wheel, extra) for extra in ("service", "train", "")}
        return {extra: future.result() for extra, future in built.items()}


def _cannot_import(bin_dir: Path, module: str) -> bool:
    done = _run(bin_dir / "python", "-c", f"import {module}")
    return done.returncode != 0 and f"No module named '{module}'" in done.stderr


@pytest.mark.docker
def test_the_service_alone_scores_all_five_domains_without_torch(halves, tmp_path):
    service = halves["service"]
    assert _cannot_import(service, "torch") and _cannot_import(service, "transformers")
    env = {"REWARD_SANDBOX_ENABLED": "true", "REWARD_SANDBOX_POOL_SIZE": "1", "REWARD_POOL_SIZE": "2"}
    # cwd: `python -m prorl` would take this checkout's modules from the working folder, not the wheel's.
    with LocalServer("--log-level", "warning", env=env, python=str(service / "python"), cwd=tmp_path) as server:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            wait_code_ready(http)  # the installed wheel computes the same sandbox tags as the checkout
            for domain in SAMPLE_DOMAINS:
                check_domain(http, domain)

    done = _run(service / "prorl", "train", "steps=1")
    assert (
        done.returncode == 2
        and "prorl train needs the trainer" in done.stderr
        and 'pip install "prorl[train]"' in done.stderr
    )
    done = _run(service / "prorl", "data", "samples", "math", "--out", tmp_path)
    assert done.returncode == 0 and (tmp_path / "math.jsonl").exists(), done.stderr[-2000:]


def test_the_trainer_alone_trains_against_a_service_url(halves, server_process, tiny_model, pick_data, tmp_path):
    train = halves["train"]
    for module in ("math_verify", "fastapi", "reasoning_gym", "langdetect", "uvicorn"):
        assert _cannot_import(train, module), module
    done = _run(train / "prorl", "serve")
    assert done.returncode == 2 and 'pip install "prorl[service]"' in done.stderr, done.stderr
    done = _run(train / "prorl", "data", "samples", "--out", tmp_path / "data")
    assert done.returncode == 2 and "prorl data needs the reward service" in done.stderr, done.stderr

    args = [
        train / "prorl",
        "train",
        f"model={tiny_model}",
        f"train_data={pick_data}",
        "prompts_per_step=2",
        "group_size=2",
        "response_length_schedule=[[0, 4]]",
        "temperature=1.0",
        "steps=1",
        "save_every=1",
    ]
    done = _run(*args, f"output_dir={tmp_path / 'local'}")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "no reward service URL was given and the service is not installed here" in done.stderr
    assert "reward_urls" in done.stderr and 'pip install "prorl[service]"' in done.stderr

    url = server_process("--log-level", "warning", env={"REWARD_POOL_SIZE": "1"})
    done = _run(*args, f"output_dir={tmp_path / 'remote'}", f"reward_urls=[{url}]")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = (tmp_path / "remote" / "metrics.jsonl").read_text().splitlines()
    assert lines and '"reward/failed_items": 0' in lines[-1]
    assert (tmp_path / "remote" / "checkpoints" / "step_1" / "policy" / "model.safetensors").exists()


def test_the_base_install_is_the_command_and_the_client(halves, server_process):
    base = halves[""]
    done = _run(
        base / "python", "-c", "from reward_service.client import RewardClient; RewardClient('http://127.0.0.1:1')"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # The frameworks' reward functions (veRL, TRL) need nothing more than the client.
    url = server_process("--log-level", "warning", env={"REWARD_POOL_SIZE": "1"})
    code = (
        "from reward_service.frameworks import trl, verl; "
        f"print(verl.compute_score('openai/gsm8k', 'so \\\\boxed{{4}}', '4', url='{url}')['score'], "
        f"trl.ProrlReward('{url}')(['q'], ['\\\\boxed{{2}}'], solution=['3']))"
    )
    done = _run(base / "python", "-c", code)
    assert done.returncode == 0 and done.stdout.split() == ["1.0", "[0.0]"], done.stdout + done.stderr[-2000:]
    assert _cannot_import(base, "fastapi") and _cannot_import(base, "torch")
    assert _run(base / "prorl", "--help").returncode == 0
    for command, extra in (("serve", "service"), ("train", "train"), ("plot", "train")):
        done = _run(base / "prorl", command, *(["runs/x"] if command == "plot" else []))
        assert done.returncode == 2 and f'pip install "prorl[{extra}]"' in done.stderr, (command, done.stderr)
