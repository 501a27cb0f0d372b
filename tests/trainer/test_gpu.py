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


@pytest.mark.parametrize("ranks", [1, 2], ids=["nccl-1-rank", "nccl-2-ranks"])
def test_fsdp2_bf16_steps_on_nccl(tmp_path, tiny_model, pick_data, server_process, ranks):
    """torchrun on GPUs: NCCL, FSDP2 with bf16 compute over fp32 masters, gradient checkpointing;
    every rank holds the same weights after each step, and resume on the same ranks is exact."""
    from tests.trainer.test_distributed import _config, _metrics, _ok, _records, _train

    if torch.cuda.device_count() < ranks:
        pytest.skip(f"needs {ranks} GPUs, this machine has {torch.cuda.device_count()}")
    url = server_process(env={"REWARD_POOL_SIZE": "2"})
    extra = dict(device="cuda", bf16="true", gradient_checkpointing="true")
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    _ok(_train(ranks, _config(tiny_model, pick_data, url, straight, steps=3, **extra)))
    records = [_records(straight, r) for r in range(ranks)]
    assert all(r == records[0] for r in records)
    assert all(math.isfinite(m["actor/loss"]) and math.isfinite(m["actor/grad_norm"]) for m in _metrics(straight))
    _ok(_train(ranks, _config(tiny_model, pick_data, url, resumed, steps=2, **extra)))
    _ok(_train(ranks, ["--resume", *_config(tiny_model, pick_data, url, resumed, steps=3, **extra)]))
    assert _records(resumed, 0)[-1]["policy"] == records[0][-1]["policy"]


def test_vllm_weight_push_from_the_sharded_policy(tmp_path, pick_data, server_process):
    """One vLLM engine per rank on the GPU, with sleep mode: after every step its log-probs are the
    sharded policy's (bf16 both sides, so within bf16's rounding)."""
    from tests.trainer.test_distributed import _config, _ok, _records, _train
    from tests.trainer.tiny import make_tiny_model

    ranks = min(torch.cuda.device_count(), 2)
    url = server_process(env={"REWARD_POOL_SIZE": "2"})
    model = make_tiny_model(tmp_path / "tiny-vllm", hidden=128)
    run_dir = tmp_path / "run"
    extra = dict(device="cuda", engine="vllm", vllm_gpu_memory_utilization=0.2 / ranks)
    _ok(_train(ranks, _config(model, pick_data, url, run_dir, steps=2, **extra)))
    for rank in range(ranks):
        steps = [r for r in _records(run_dir, rank) if r["event"] == "step"]
        assert len(steps) == 2 and all(r["engine_gap"] < 0.1 for r in steps), steps
