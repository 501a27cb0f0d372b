"""Rollout engines behind one interface (`base.Engine`): Hugging Face `generate` and vLLM."""

import torch

from trainer.rollout.base import Completion, Engine, SamplingConfig

__all__ = ["Completion", "Engine", "SamplingConfig", "make_engine"]


def make_engine(
    name: str,
    policy,
    tokenizer,
    model_path: str,
    *,
    seed: int,
    max_model_len: int,
    gpu_memory_utilization: float,
    enforce_eager: bool,
) -> Engine:
    """The rollout engine `name` ("hf" or "vllm") sampling from `policy`'s current weights."""
    if name == "hf":
        from trainer.rollout.hf import HFEngine

        return HFEngine(policy, tokenizer)
    if name == "vllm":
        from trainer.rollout.vllm import VLLMEngine

        engine = VLLMEngine(
            model_path,
            tokenizer,
            seed=seed,
            dtype=str(next(policy.parameters()).dtype).removeprefix("torch."),
            max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization,
            enforce_eager=enforce_eager
            or not torch.cuda.is_available(),  # compiling costs minutes on CPU and gains nothing
        )
        engine.sync_weights(policy)  # a resumed policy differs from the folder vLLM loaded
        return engine
    raise ValueError(f"engine must be 'hf' or 'vllm', got {name!r}")
