"""Packing and response log-probs: the response-only path must equal a plain full forward pass,
whatever the padding; and the loss gradient must match finite differences."""

import pytest
import torch
from transformers import AutoModelForCausalLM

from trainer import algos
from trainer.batch import pack, response_logprobs


@pytest.fixture(scope="module")
def model64(tiny_model):
    return AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float64).eval()


PROMPTS = [[6, 5, 6], [6], [5, 6, 5, 6, 5]]
RESPONSES = [[3, 5, 4, 1], [4], [5, 5, 3]]


def test_pack_layout():
    packed = pack(PROMPTS, RESPONSES, pad_id=0)
    assert packed.input_ids.shape == (3, 5 + 4)
    assert packed.input_ids[1].tolist() == [0, 0, 0, 0, 6, 4, 0, 0, 0]
    assert packed.attention_mask[1].tolist() == [0, 0, 0, 0, 1, 1, 0, 0, 0]
    assert packed.position_ids[1, 4:6].tolist() == [0, 1]
    assert packed.response_mask.tolist() == [[1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 1, 0]]
    with pytest.raises(ValueError, match="one response per prompt"):
        pack(PROMPTS, RESPONSES[:2], pad_id=0)


def test_response_logprobs_match_unpadded_forward(model64):
    temperature = 1.3
    logprobs, entropy = response_logprobs(model64, pack(PROMPTS, RESPONSES, pad_id=0), temperature, with_entropy=True)
    for row, (prompt, response) in enumerate(zip(PROMPTS, RESPONSES)):
        ids = torch.tensor([prompt + response])
        with torch.no_grad():
            logits = model64(input_ids=ids).logits[0, len(prompt) - 1 : -1] / temperature
        expected = torch.log_softmax(logits, -1).gather(-1, torch.tensor(response).unsqueeze(-1)).squeeze(-1)
        assert logprobs[row, : len(response)].tolist() == pytest.approx(expected.tolist(), abs=1e-9)
        probs = torch.softmax(logits, -1)
        assert entropy[row, : len(response)].tolist() == pytest.approx(
            (-(probs * probs.log()).sum(-1)).tolist(), abs=1e-9
        )


def _loss(model, packed, old, ref, advantages):
    logprobs, _ = response_logprobs(model, packed, 1.2)
    terms = algos.policy_loss_terms(logprobs, old, advantages, packed.response_mask, 0.2, 0.4)
    kl = algos.masked_sum(algos.kl_k3(logprobs, ref), packed.response_mask)
    return (terms["loss"] + 0.1 * kl) / packed.response_mask.sum()


def test_loss_gradient_matches_finite_differences(model64):
    packed = pack(PROMPTS, RESPONSES, pad_id=0)
    with torch.no_grad():
        base, _ = response_logprobs(model64, packed, 1.2)
    torch.manual_seed(1)
    old = base + 0.05 * torch.randn_like(base)  # ratios near 1: inside the clip range, where the loss is smooth
    ref = base + 0.3 * torch.randn_like(base)
    advantages = torch.tensor([1.0, -0.5, 0.7], dtype=torch.float64)
    model64.zero_grad()
    _loss(model64, packed, old, ref, advantages).backward()
    checked = 0
    for name, param in model64.named_parameters():
        if param.grad is None:
            continue
        flat, grad = param.data.view(-1), param.grad.view(-1)
        for index in torch.randperm(flat.numel(), generator=torch.Generator().manual_seed(checked))[:2].tolist():
            saved, h = flat[index].item(), 1e-3  # Llama's RMSNorm runs in fp32 even in a fp64 model
            with torch.no_grad():
                flat[index] = saved + h
                up = _loss(model64, packed, old, ref, advantages).item()
                flat[index] = saved - h
                down = _loss(model64, packed, old, ref, advantages).item()
                flat[index] = saved
            assert grad[index].item() == pytest.approx((up - down) / (2 * h), rel=2e-3, abs=1e-5), (name, index)
            checked += 1
    assert checked >= 20
