"""Rollout engines behind one interface (`base.Engine`): Hugging Face `generate` and vLLM."""

from collections.abc import Iterable

import torch

from trainer.distributed import full_weights
from trainer.rollout.base import Completion, Engine, SamplingConfig

__all__ = ["Completion", "Engine", "SamplingConfig", "make_engine"]


def make_engine(
    name: str,
    model: torch.nn.Module | None,
    tokenizer,
    model_path: str,
    *,
    dtype: torch.dtype,
    weights: Iterable[tuple[str, torch.Tensor]] | None = None,
    seed: int,
    max_model_len: int,
    gpu_memory_utilization: float,
    enforce_eager: bool,
    sleep_mode: bool = False,
) -> Engine:
    """The rollout engine `name` ("hf" or "vllm") in `dtype`. With `weights` (the sharded policy's,
    gathered) it starts from them and the HF engine samples from `model`, a plain copy it loads
    every step's weights into; without, it samples from `model`, the policy itself."""
    if name == "hf":
        from trainer.rollout.hf import HFEngine

        engine = HFEngine(model, tokenizer, own_weights=weights is not None)
    elif name == "vllm":
        from trainer.rollout.vllm import VLLMEngine

        engine = VLLMEngine(
            model_path,
            tokenizer,
            seed=seed,
            dtype=str(dtype).removeprefix("torch."),
            max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization,
            enforce_eager=enforce_eager
            or not torch.cuda.is_available(),  # compiling costs minutes on CPU and gains nothing
            sleep_mode=sleep_mode and torch.cuda.is_available(),
        )
        weights = weights if weights is not None else full_weights(model)  # a resumed policy is not the folder
    else:
        raise ValueError(f"engine must be 'hf' or 'vllm', got {name!r}")
    if weights is not None:
        engine.sync_weights(weights)
    return engine
