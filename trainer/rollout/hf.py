"""Rollouts with Hugging Face `generate`: batched, KV-cached, sampling from the policy module
itself, so in one process there are no weights to sync. When the policy is sharded over ranks
(FSDP), generating from it would run collectives at every token, and ranks stop at different
lengths: the engine then samples from a plain copy of its own (`own_weights`) and loads each
step's gathered weights into it. Works on CPU and GPU; the reference engine for tests."""

from collections.abc import Iterable

import torch

from trainer.rollout.base import Completion, SamplingConfig

__all__ = ["HFEngine"]


class HFEngine:
    """Samples with the policy module's own `generate`, `batch_prompts` prompts at a time."""

    def __init__(self, model: torch.nn.Module, tokenizer, batch_prompts: int = 64, own_weights: bool = False):
        self.model = model
        self.own_weights = own_weights
        self.tokenizer = tokenizer
        self.batch_prompts = batch_prompts
        self.eos_ids = _eos_ids(model, tokenizer)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos_ids[0]

    def generate(self, prompts: list[list[int]], n: int, sampling: SamplingConfig) -> list[list[Completion]]:
        """`n` completions per prompt, in prompt order (see `Engine.generate`)."""
        if sampling.seed is not None:
            torch.manual_seed(sampling.seed)
        out = []
        for start in range(0, len(prompts), self.batch_prompts):
            out.extend(self._generate_batch(prompts[start : start + self.batch_prompts], n, sampling))
        return out

    @torch.no_grad()
    def _generate_batch(self, prompts: list[list[int]], n: int, sampling: SamplingConfig) -> list[list[Completion]]:
        device = next(self.model.parameters()).device
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, prompt in enumerate(prompts):  # left padding: every prompt ends where generation starts
            ids[row, width - len(prompt) :] = torch.tensor(prompt)
            mask[row, width - len(prompt) :] = 1
        greedy = sampling.temperature == 0
        was_training = self.model.training
        self.model.eval()
        try:
            seqs = self.model.generate(
                input_ids=ids.to(device),
                attention_mask=mask.to(device),
                do_sample=not greedy,
                temperature=None if greedy else sampling.temperature,
                top_p=None if greedy else sampling.top_p,
                top_k=None if greedy else 0,
                max_new_tokens=sampling.max_tokens,
                num_return_sequences=n,
                eos_token_id=self.eos_ids,
                pad_token_id=self.pad_id,
                use_cache=True,
            )
        finally:
            self.model.train(was_training)
        responses = seqs[:, width:].tolist()
        completions = [self._completion(tokens) for tokens in responses]
        return [completions[i * n : (i + 1) * n] for i in range(len(prompts))]

    def _completion(self, tokens: list[int]) -> Completion:
        end = next((i for i, t in enumerate(tokens) if t in self.eos_ids), None)
        kept = tokens if end is None else tokens[: end + 1]  # the end token is trained on too
        return Completion(
            response_ids=kept,
            text=self.tokenizer.decode(kept, skip_special_tokens=True),
            truncated=end is None,
        )

    @torch.no_grad()
    def sync_weights(self, weights: Iterable[tuple[str, torch.Tensor]]) -> None:
        """With `own_weights`, load them into the engine's copy; else nothing: generation runs on the
        policy module itself."""
        if not self.own_weights:
            return
        own = self.model.state_dict()
        for name, tensor in weights:
            own[name].copy_(tensor)

    def sleep(self) -> None:
        """Nothing to free: the model is the trainer's (or a copy that stays)."""

    def wake_up(self) -> None:
        """Nothing to take back."""

    def close(self) -> None:
        """Nothing to free: the model belongs to the trainer."""
        pass


def _eos_ids(model, tokenizer) -> list[int]:
    ids = getattr(model.generation_config, "eos_token_id", None)
    ids = ids if isinstance(ids, list) else [ids]
    ids = [i for i in ids if i is not None] or [tokenizer.eos_token_id]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids
