"""GPU checks (marked `gpu`; skipped only where no CUDA device exists): bf16 training with
gradient checkpointing, and bf16 log-probs against an fp32 reference."""

import json
import math

import pytest
import torch

from trainer.batch import pack, response_logprobs
from trainer.config import TrainConfig
from trainer.train import train

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


def test_bf16_training_with_gradient_checkpointing(tmp_path, tiny_model, pick_data):
    config = TrainConfig(
        model=tiny_model,
        train_data=pick_data,
        output_dir=str(tmp_path / "run"),
        prompts_per_step=4,
        group_size=4,
        response_length_schedule=[[0, 6]],
        temperature=1.0,
        lr=5e-2,
        steps=2,
        save_every=2,
        tensorboard=False,
        reward_workers=1,
        kl_coef=1e-2,
        ref_reset_interval=1,
        gradient_checkpointing=True,
        device="cuda",
    )
    assert train(config)["step"] == 2
    steps = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    steps = [m for m in steps if "actor/loss" in m]
    assert len(steps) == 2 and all(
        math.isfinite(m["actor/loss"]) and math.isfinite(m["actor/grad_norm"]) for m in steps
    )
    assert steps[1]["reference/reset"] == 1


def test_bf16_logprobs_close_to_fp32(tiny_model):
    from transformers import AutoModelForCausalLM

    packed = pack([[6, 5, 6], [6]], [[3, 5, 4, 1], [4]], pad_id=0)
    fp32 = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32)
    bf16 = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.bfloat16).cuda()
    with torch.no_grad():
        expected, _ = response_logprobs(fp32, packed, 1.2)
        got, _ = response_logprobs(bf16, packed.to("cuda"), 1.2)
    mask = packed.response_mask.bool()
    assert got.dtype == torch.float32  # the softmax runs in fp32 even for bf16 logits
    assert (got.cpu()[mask] - expected[mask]).abs().max().item() < 0.05
