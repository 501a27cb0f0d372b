"""The GRPO formulas against numbers worked out by hand."""

import math

import pytest
import torch

from trainer import algos
from trainer.evaluate import pass_at_k


def test_group_advantages_unbiased_std_pinned():
    # mean 0.25; unbiased std = sqrt((0.75^2 + 3 * 0.25^2) / 3) = 0.5
    adv = algos.group_advantages(torch.tensor([1.0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5]), group_size=4)
    expected = [0.75 / (0.5 + 1e-6)] + [-0.25 / (0.5 + 1e-6)] * 3 + [0.0] * 4
    assert adv.tolist() == pytest.approx(expected, abs=1e-6)


def test_group_advantages_equal_group_is_zero_not_nan():
    adv = algos.group_advantages(torch.tensor([1.0, 1.0, 1.0, 0.0, 0.0, 0.0]), group_size=3)
    assert torch.isfinite(adv).all() and adv.tolist() == [0.0] * 6


def test_dr_grpo_mean_only():
    adv = algos.group_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0]), group_size=4, scale_by_std=False)
    assert adv.tolist() == pytest.approx([0.75, -0.25, -0.25, -0.25])


def test_group_advantages_rejects_ragged_batch():
    with pytest.raises(ValueError, match="multiple of group_size"):
        algos.group_advantages(torch.tensor([1.0, 0.0, 1.0]), group_size=2)


@pytest.mark.parametrize(
    "log_ratio,adv,expected,low,high",
    [
        (0.5, 1.0, -1.4, 0, 1),  # ratio 1.6487 > 1.4: clipped above, gain capped
        (-0.5, -1.0, 0.8, 1, 0),  # ratio 0.6065 < 0.8 with A < 0: clipped below
        (math.log(1.1), 1.0, -1.1, 0, 0),  # inside the trust region
        (0.5, -1.0, math.exp(0.5), 0, 0),  # pessimistic branch: unclipped loss is larger, kept
        (-0.5, 1.0, -math.exp(-0.5), 0, 0),  # ratio below 1 - eps_low with A > 0: unclipped is worse, kept
        (math.log(1.3), 1.0, -1.3, 0, 0),  # 1.3 < 1 + eps_high 0.4: decoupled clip lets it through (would clip at 0.2)
    ],
)
def test_policy_loss_decoupled_clip(log_ratio, adv, expected, low, high):
    old = torch.zeros(1, 1)
    terms = algos.policy_loss_terms(
        old + log_ratio, old, torch.tensor([adv]), torch.ones(1, 1), eps_low=0.2, eps_high=0.4
    )
    assert terms["loss"].item() == pytest.approx(expected, rel=1e-5)
    assert (terms["clipped_low"].item(), terms["clipped_high"].item()) == (low, high)
    assert terms["approx_kl"].item() == pytest.approx(-log_ratio, rel=1e-5)


def test_policy_loss_masks_before_exponent():
    logprobs = torch.tensor([[-1.0, float("inf")]])  # garbage on a padding position
    old = torch.tensor([[-1.0, float("-inf")]])
    terms = algos.policy_loss_terms(logprobs, old, torch.tensor([2.0]), torch.tensor([[1, 0]]))
    assert terms["loss"].item() == pytest.approx(-2.0)
    assert all(torch.isfinite(v) for v in terms.values())


def test_policy_loss_gradient_is_zero_where_clipped():
    logprobs = torch.tensor([[0.5, 0.0]], requires_grad=True)
    terms = algos.policy_loss_terms(logprobs, torch.zeros(1, 2), torch.tensor([1.0]), torch.ones(1, 2))
    terms["loss"].backward()
    assert logprobs.grad[0].tolist() == pytest.approx([0.0, -1.0])  # clipped token: no gradient; d(-ratio)/dlogp = -1


def test_kl_k3_value_and_clamp():
    cur, ref = torch.tensor([[0.0, 0.0, 0.0]]), torch.tensor([[0.5, 0.0, 30.0]])
    kl = algos.kl_k3(cur, ref)
    assert kl[0, 0].item() == pytest.approx(math.exp(0.5) - 0.5 - 1)
    assert kl[0, 1].item() == 0.0
    assert kl[0, 2].item() == 10.0  # runaway token clamped
    assert (algos.kl_k3(torch.randn(4, 5), torch.randn(4, 5)) >= 0).all()


def test_token_logprobs_uses_temperature():
    logits = torch.tensor([[[2.0, 0.0, 0.0]]])
    lp = algos.token_logprobs(logits, torch.tensor([[0]]), temperature=2.0)
    assert lp.item() == pytest.approx(1 - math.log(math.e + 2))  # softmax([1, 0, 0])[0]
    assert algos.token_logprobs(logits, torch.tensor([[0]]), 1.0).item() == pytest.approx(2 - math.log(math.exp(2) + 2))


def test_entropy_uniform_is_log_vocab():
    assert algos.entropy_from_logits(torch.zeros(1, 1, 8), 1.2).item() == pytest.approx(math.log(8))


def test_token_mean_is_independent_of_micro_batching():
    torch.manual_seed(0)
    logprobs, old = torch.randn(6, 5), torch.randn(6, 5) * 0.1
    mask = torch.tensor([[1] * 5, [1] * 2 + [0] * 3, [1] * 4 + [0], [1] * 5, [1] + [0] * 4, [1] * 3 + [0] * 2])
    adv = torch.randn(6)
    whole = algos.policy_loss_terms(logprobs, old, adv, mask)["loss"] / mask.sum()
    parts = sum(
        algos.policy_loss_terms(logprobs[i : i + 2], old[i : i + 2], adv[i : i + 2], mask[i : i + 2])["loss"]
        for i in (0, 2, 4)
    )
    assert (parts / mask.sum()).item() == pytest.approx(whole.item(), rel=1e-6)
    # and it is a token mean: a long response weighs more than a short one (not a mean of sequence means)
    seq_mean = torch.stack(
        [
            algos.policy_loss_terms(logprobs[i : i + 1], old[i : i + 1], adv[i : i + 1], mask[i : i + 1])["loss"]
            / mask[i].sum()
            for i in range(6)
        ]
    ).mean()
    assert seq_mean.item() != pytest.approx(whole.item(), rel=1e-3)


def test_kept_groups_drops_all_equal():
    kept = algos.kept_groups(torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5]), group_size=3)
    assert kept.tolist() == [True, False, False]


def test_overlong_shaping():
    rewards, lengths = torch.tensor([1.0, 1.0, 1.0, 0.0]), torch.tensor([50, 90, 100, 100])
    truncated = torch.tensor([False, False, True, True])
    assert algos.shape_overlong(rewards, lengths, truncated, 100, "none").tolist() == [1, 1, 1, 0]
    assert algos.shape_overlong(rewards, lengths, truncated, 100, "zero").tolist() == [1, 1, 0, 0]
    soft = algos.shape_overlong(rewards, lengths, truncated, 100, "soft", buffer_tokens=20)
    assert soft.tolist() == pytest.approx([1.0, 0.5, 0.0, -1.0])
    with pytest.raises(ValueError, match="overlong mode"):
        algos.shape_overlong(rewards, lengths, truncated, 100, "harsh")


@pytest.mark.parametrize(
    "n,c,k,expected", [(5, 2, 1, 0.4), (5, 2, 2, 0.7), (5, 0, 3, 0.0), (5, 4, 2, 1.0), (10, 3, 5, 1 - 21 / 252)]
)
def test_pass_at_k_unbiased(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)
