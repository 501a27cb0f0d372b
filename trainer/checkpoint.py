"""Checkpoints that resume exactly: the policy as a Hugging Face folder (usable on its own by
`prorl eval`, vLLM or `from_pretrained`), plus one `state.pt` with the reference weights, the
optimizer and scheduler, the step, the reset schedule, the data cursor and every RNG state.

Layout: `<output_dir>/checkpoints/step_<N>/{policy/, state.pt}` and `<output_dir>/checkpoints/latest`
(a text file naming the newest complete one: a crash mid-save leaves the previous one in charge).

On N ranks (trainer/distributed.py) the policy, reference and optimizer are sharded, and so is
their state: every rank writes its shards with torch.distributed.checkpoint into
`step_<N>/sharded/`, rank 0 writes the consolidated `policy/` folder (gathered, fp32) and a
`state.pt` with the cursor, the schedule and every rank's RNG. The output_dir must be one shared
folder for every node. A resume on the same number of ranks is exact; on another number DCP
re-shards the state (same weights, optimizer and data position) and only the RNG streams start
afresh, so it continues correctly but not bit for bit. A one-process checkpoint resumes in one
process and a sharded one under torchrun (any number of ranks, one included): `check_resumable`
says so rather than guess.
"""

import logging
import random
import shutil
from pathlib import Path

import torch

log = logging.getLogger("prorl.train")

__all__ = [
    "save_checkpoint",
    "save_sharded",
    "latest_checkpoint",
    "check_resumable",
    "load_state",
    "load_sharded",
    "rng_state",
    "set_rng_state",
]

SHARDED = "sharded"  # the torch.distributed.checkpoint folder of a checkpoint written by N ranks


def rng_state() -> dict:
    """Python's and torch's (and CUDA's, when present) random states, to store in a checkpoint."""
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what `rng_state` took."""
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(output_dir: str | Path, step: int, policy, tokenizer, state: dict, keep: int = 2) -> Path:
    """Write step_<step> (policy folder and state.pt) beside it, then point `latest` at it; keep
    the newest `keep` (0: all)."""
    root, final, partial = _paths(output_dir, step)
    shutil.rmtree(partial, ignore_errors=True)
    policy.save_pretrained(partial / "policy")
    tokenizer.save_pretrained(partial / "policy")
    torch.save({**state, "step": step, "rng": rng_state()}, partial / "state.pt")
    _publish(root, final, partial, keep)
    return final


def _paths(output_dir: str | Path, step: int) -> tuple[Path, Path, Path]:
    root = Path(output_dir) / "checkpoints"
    return root, root / f"step_{step}", root / f"step_{step}.partial"


def _publish(root: Path, final: Path, partial: Path, keep: int) -> None:
    """The written `partial` becomes `final` and `latest`; only the newest `keep` checkpoints stay."""
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    (root / "latest").write_text(final.name)
    done = [p for p in root.glob("step_*") if p.suffix != ".partial"]  # a crashed save's leftover stays out
    for old in sorted(done, key=lambda p: int(p.name.split("_")[1]))[:-keep] if keep else []:
        shutil.rmtree(old, ignore_errors=True)


def _sharded_state(policy, reference, optimizer) -> dict:
    """What every rank writes and reads with torch.distributed.checkpoint: its shards, by name. An
    optimizer that has not stepped yet (a reset just before the save) has no state to keep, and
    asking torch for its state dict would create some (a zero step, counted), so it is left out."""
    from torch.distributed.checkpoint.state_dict import get_model_state_dict, get_optimizer_state_dict

    state = {"policy": get_model_state_dict(policy)}
    if optimizer is not None:
        state["optimizer"] = get_optimizer_state_dict(policy, optimizer)
    if reference is not None:
        state["reference"] = get_model_state_dict(reference)
    return state


def save_sharded(output_dir, step: int, world, policy, reference, optimizer, tokenizer, state: dict, keep: int = 2):
    """On every rank: write step_<step> of an N-rank run (see the module docstring); all ranks
    return once it is complete and `latest` names it."""
    import torch.distributed as dist
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    from trainer.distributed import gather

    root, final, partial = _paths(output_dir, step)
    if world.main:
        shutil.rmtree(partial, ignore_errors=True)
    dist.barrier()
    stepped = bool(optimizer.state)  # the same on every rank: they step together
    dcp.save(_sharded_state(policy, reference, optimizer if stepped else None), checkpoint_id=str(partial / SHARDED))
    full = get_model_state_dict(policy, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
    rngs = gather(world, rng_state())
    if world.main:  # the gathered weights are on rank 0 alone (cpu_offload)
        policy.save_pretrained(partial / "policy", state_dict=full)
        tokenizer.save_pretrained(partial / "policy")
        torch.save(
            {**state, "step": step, "rng": rngs, "world_size": world.size, "optimizer_saved": stepped},
            partial / "state.pt",
        )
        _publish(root, final, partial, keep)
    dist.barrier()
    return final


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The newest complete checkpoint under output_dir, or None."""
    pointer = Path(output_dir) / "checkpoints" / "latest"
    if not pointer.exists():
        return None
    path = pointer.parent / pointer.read_text().strip()
    return path if (path / "state.pt").exists() else None


def check_resumable(path: Path, world) -> None:
    """Raise ValueError when `path` was written by the other kind of run (one process vs N ranks)."""
    sharded = (path / SHARDED).is_dir()
    if world.active and not sharded:
        raise ValueError(
            f"{path} was written by a single-process run (no {SHARDED}/ state): resume it without torchrun or "
            "--nproc, or train on N ranks in a new output_dir starting from its policy/ (model=.../policy)"
        )
    if sharded and not world.active:
        raise ValueError(
            f"{path} holds sharded state written by a multi-rank run: resume it under torchrun, with any number "
            "of ranks (prorl train --nproc N --resume, N >= 1), or start a one-process run from its policy/ folder"
        )


def load_sharded(path: Path, world, policy, reference, optimizer) -> dict:
    """On every rank: load the sharded policy, reference and optimizer of checkpoint `path` into
    the (already sharded) modules and optimizer, and this rank's RNG when the number of ranks is
    the one that wrote it. Returns state.pt (cursor, step, schedule)."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import set_model_state_dict, set_optimizer_state_dict

    state = load_state(path)
    target = _sharded_state(policy, reference, optimizer if state["optimizer_saved"] else None)
    dcp.load(target, checkpoint_id=str(path / SHARDED))
    set_model_state_dict(policy, target["policy"])
    if state["optimizer_saved"]:  # else the optimizer was fresh when saved, as it is now
        set_optimizer_state_dict(policy, optimizer, target["optimizer"])
    if reference is not None:
        set_model_state_dict(reference, target["reference"])
    if len(state["rng"]) == world.size:
        set_rng_state(state["rng"][world.rank])
    elif world.main:
        log.warning(
            "%s was written by %d ranks, this run has %d: weights, optimizer and data position carry over, the "
            "random streams start afresh (the run continues correctly, not bit for bit)",
            path,
            len(state["rng"]),
            world.size,
        )
    return state


def load_state(path: Path) -> dict:
    """The state.pt of checkpoint `path` (optimizer, reference, cursor, step, RNG), on the CPU."""
    return torch.load(path / "state.pt", map_location="cpu", weights_only=False)
