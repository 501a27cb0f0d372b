"""deploy/slurm/prorl-train.sbatch, run with stand-ins for Slurm's commands: the torchrun line it
hands to srun (one task per node, c10d rendezvous on the allocation's first node), and the
`prorl train` arguments in it, read by prorl's own parser and config loader."""

import os
import subprocess
from pathlib import Path

from prorl.cli import build_parser
from trainer.config import load_config

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "slurm" / "prorl-train.sbatch"
SLURM = {
    "SLURM_JOB_NODELIST": "gpu[07-08]",
    "SLURM_NNODES": "2",
    "SLURM_GPUS_ON_NODE": "8",
    "SLURM_CPUS_PER_TASK": "32",
    "SLURM_JOB_ID": "4242",
}


def run(
    tmp_path: Path, *args: str, drop: str = "", **variables: str
) -> tuple[subprocess.CompletedProcess, list[str] | None]:
    """The script with fake scontrol, srun and nvidia-smi (4 GPUs) on PATH, the Slurm variables
    but `drop`; returns how it ended and srun's arguments (None: srun was not called)."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    # A long list, as from a big allocation: `| head -n1` closes the pipe while scontrol still writes.
    (stubs / "scontrol").write_text(
        '#!/bin/bash\n[ "$*" = "show hostnames gpu[07-08]" ] && printf "gpu07\\ngpu08\\n" && seq -f "gpu%05g" 100000\n'
    )
    (stubs / "srun").write_text(f'#!/bin/bash\nprintf "%s\\0" "$@" > {tmp_path}/srun.args\n')
    (stubs / "nvidia-smi").write_text('#!/bin/bash\nfor i in 0 1 2 3; do echo "GPU $i: H100"; done\n')
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    slurm = {name: value for name, value in SLURM.items() if name != drop}
    environment = {"PATH": f"{stubs}:{os.environ['PATH']}", **slurm, **variables}
    done = subprocess.run(
        ["bash", str(SCRIPT), *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=30
    )
    called = tmp_path / "srun.args"
    return done, called.read_bytes().decode().split("\0")[:-1] if called.exists() else None


def test_the_script_parses():
    done = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_one_task_per_node_with_its_gpus():
    directives = [line.split()[1] for line in SCRIPT.read_text().splitlines() if line.startswith("#SBATCH")]
    assert "--ntasks-per-node=1" in directives
    assert any(d.startswith("--nodes=") for d in directives) and any(
        d.startswith("--gpus-per-node=") for d in directives
    )


def test_srun_starts_torchrun_with_a_c10d_rendezvous_on_the_first_node(tmp_path):
    urls = "[http://reward-a:8000,http://reward-b:8000]"
    done, srun = run(tmp_path, "model=/models/r1-1.5b", PRORL_REWARD_URLS=urls)
    assert done.returncode == 0, done.stderr
    torchrun = srun.index("torchrun")
    assert srun[srun.index("--cpus-per-task") + 1] == "32"
    option = {srun[i]: srun[i + 1] for i in range(torchrun + 1, srun.index("-m"), 2)}
    assert option == {
        "--nnodes": "2",
        "--nproc_per_node": "8",
        "--rdzv_backend": "c10d",
        "--rdzv_endpoint": "gpu07:29500",
        "--rdzv_id": "4242",
    }
    assert srun[srun.index("-m") + 1] == "prorl"

    args = build_parser().parse_args(srun[srun.index("-m") + 2 :])
    assert args.command == "train"
    config = load_config(str(ROOT / args.config), args.overrides)
    assert config.reward_urls == ["http://reward-a:8000", "http://reward-b:8000"]
    assert config.model == "/models/r1-1.5b"


def test_without_reward_urls_it_stops_before_srun(tmp_path):
    done, srun = run(tmp_path)
    assert done.returncode != 0 and srun is None
    assert "PRORL_REWARD_URLS" in done.stderr


def test_without_a_gpu_count_from_slurm_it_counts_the_gpus(tmp_path):
    done, srun = run(tmp_path, drop="SLURM_GPUS_ON_NODE", PRORL_REWARD_URLS="[http://r:8000]")
    assert done.returncode == 0, done.stderr
    assert srun[srun.index("--nproc_per_node") + 1] == "4"
