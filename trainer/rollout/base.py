"""The one interface every rollout engine implements, so the training loop never knows which
engine produced its samples.

An engine turns token-id prompts into `n` sampled completions each. Engines that keep their own
copy of the weights (vLLM, or the HF engine over a copy when the policy is sharded) load the
policy's new weights through `sync_weights` after every optimizer step; an engine that samples
from the policy module itself (Hugging Face, one process) does nothing there.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import torch

__all__ = ["Completion", "Engine", "SamplingConfig"]


@dataclass
class SamplingConfig:
    """How to sample: at most `max_tokens` new tokens, temperature (0 = greedy), top-p and a seed (None: unseeded)."""

    max_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None


@dataclass
class Completion:
    """One sampled response. `logprobs` are the engine's own log-probs of the sampled tokens under
    the temperature-scaled distribution, when the engine reports them (diagnostics only: the
    trainer recomputes log-probs with its own model)."""

    response_ids: list[int]
    text: str
    truncated: bool  # stopped by max_tokens, not by an end-of-sequence token
    logprobs: list[float] | None = None


class Engine(Protocol):
    """What the training loop needs from a rollout engine."""

    def generate(self, prompts: list[list[int]], n: int, sampling: SamplingConfig) -> list[list[Completion]]:
        """Sample `n` completions for each prompt (token ids, no padding). Returns one list of `n`
        completions per prompt, in prompt order."""
        ...

    def sync_weights(self, weights: Iterable[tuple[str, torch.Tensor]]) -> None:
        """Make the engine sample from these weights, (Hugging Face name, whole tensor) pairs (called
        after each optimizer step). An engine that samples from the policy module itself may leave
        them unread; one that reads them reads them all (on N ranks reading them gathers them)."""
        ...

    def sleep(self) -> None:
        """Free what memory the engine can while the policy trains (vLLM's sleep mode on GPUs)."""
        ...

    def wake_up(self) -> None:
        """Take back what `sleep` freed, before the next `sync_weights`."""
        ...

    def close(self) -> None:
        """Free the engine's memory and workers; it is not used again."""
        ...
