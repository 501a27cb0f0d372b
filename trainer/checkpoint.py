"""Checkpoints that resume exactly: the policy as a Hugging Face folder (usable on its own by
`prorl eval`, vLLM or `from_pretrained`), plus one `state.pt` with the reference weights, the
optimizer and scheduler, the step, the reset schedule, the data cursor and every RNG state.

Layout: `<output_dir>/checkpoints/step_<N>/{policy/, state.pt}` and `<output_dir>/checkpoints/latest`
(a text file naming the newest complete one: a crash mid-save leaves the previous one in charge).
"""

import random
import shutil
from pathlib import Path

import torch

__all__ = ["save_checkpoint", "latest_checkpoint", "load_state", "rng_state", "set_rng_state"]


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
    """Write step_<step> (policy folder and state.pt) beside it, then point `latest` at it; keep the newest `keep`."""
    root = Path(output_dir) / "checkpoints"
    final = root / f"step_{step}"
    partial = root / f"step_{step}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    policy.save_pretrained(partial / "policy")
    tokenizer.save_pretrained(partial / "policy")
    torch.save({**state, "step": step, "rng": rng_state()}, partial / "state.pt")
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    (root / "latest").write_text(final.name)
    for old in sorted(root.glob("step_*"), key=lambda p: int(p.name.split("_")[1]))[:-keep]:
        if old.suffix != ".partial":
            shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The newest complete checkpoint under output_dir, or None."""
    pointer = Path(output_dir) / "checkpoints" / "latest"
    if not pointer.exists():
        return None
    path = pointer.parent / pointer.read_text().strip()
    return path if (path / "state.pt").exists() else None


def load_state(path: Path) -> dict:
    """The state.pt of checkpoint `path` (optimizer, reference, cursor, step, RNG), on the CPU."""
    return torch.load(path / "state.pt", map_location="cpu", weights_only=False)
