"""Packing prompt + response token lists into padded tensors, and scoring them with a model.

Layout: prompts left-padded, responses right-padded, so every response starts at the same column
and its log-probs come from the last T+1 positions alone: only the response logits are ever
materialised (`logits_to_keep`), which is what makes long prompts affordable.
"""

from dataclasses import dataclass

import torch

from trainer.algos import entropy_from_logits, token_logprobs

__all__ = ["Packed", "pack", "response_logprobs"]


@dataclass
class Packed:
    """Prompts and responses of a micro-batch in one padded layout (see the module docstring)."""

    input_ids: torch.Tensor  # (B, P + T)
    attention_mask: torch.Tensor  # (B, P + T)
    position_ids: torch.Tensor  # (B, P + T)
    response_ids: torch.Tensor  # (B, T)
    response_mask: torch.Tensor  # (B, T) 1 on real response tokens

    def to(self, device) -> "Packed":
        """The same batch with every tensor on `device`."""
        return Packed(*(t.to(device) for t in vars(self).values()))

    def __len__(self) -> int:
        return self.input_ids.shape[0]


def pack(prompts: list[list[int]], responses: list[list[int]], pad_id: int) -> Packed:
    """Prompts left-padded and responses right-padded to one width each, with masks and positions."""
    if len(prompts) != len(responses) or not prompts:
        raise ValueError(f"need one response per prompt and at least one pair, got {len(prompts)} and {len(responses)}")
    p_width = max(len(p) for p in prompts)
    t_width = max(max(len(r) for r in responses), 1)
    ids = torch.full((len(prompts), p_width + t_width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, (prompt, response) in enumerate(zip(prompts, responses)):
        ids[row, p_width - len(prompt) : p_width] = torch.tensor(prompt, dtype=torch.long)
        ids[row, p_width : p_width + len(response)] = torch.tensor(response, dtype=torch.long)
        mask[row, p_width - len(prompt) : p_width + len(response)] = 1
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
    return Packed(ids, mask, positions, ids[:, p_width:].clone(), mask[:, p_width:].clone())


def response_logprobs(model, batch: Packed, temperature: float, with_entropy: bool = False):
    """Log-probs (B, T) of the response tokens under softmax(logits / temperature), and the
    per-token entropy (B, T) when asked (else None)."""
    t_width = batch.response_ids.shape[1]
    out = model(
        input_ids=batch.input_ids,
        attention_mask=batch.attention_mask,
        position_ids=batch.position_ids,
        logits_to_keep=t_width + 1,
        use_cache=False,
    )
    logits = out.logits[:, :-1]  # position j predicts token j + 1
    logprobs = token_logprobs(logits, batch.response_ids, temperature)
    entropy = None
    if with_entropy:
        with torch.no_grad():
            entropy = entropy_from_logits(logits, temperature)
    return logprobs, entropy
