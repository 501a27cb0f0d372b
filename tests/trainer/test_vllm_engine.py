"""VLLMEngine on CPU with the real SmolLM2-135M-Instruct, checked against the Hugging Face model
loaded from the same folder: the Engine contract, greedy agreement, temperature-scaled log-probs,
and weight sync (including that no KV computed with old weights survives in the prefix cache).

The two implementations run different float32 kernels (vLLM's oneDNN/SGL GEMMs against torch's),
so their logits differ by ~1e-5; greedy decoding can then part ways where two tokens nearly tie.
Greedy checks therefore ask that every token vLLM picks is the HF model's argmax for the same
prefix, up to such a tie, instead of comparing long sequences token for token.
"""

import pytest
import torch

from trainer.data import prompt_ids
from trainer.distributed import full_weights
from trainer.model import load_policy, load_tokenizer, resolve_model
from trainer.rollout.base import SamplingConfig
from trainer.rollout.hf import HFEngine
from trainer.rollout.vllm import VLLMEngine

pytestmark = pytest.mark.slow

TIE = 1e-3  # logit gap below which two tokens count as tied between the two kernel sets
CPU_BLOCK = 128  # vLLM's CPU KV-cache block size: only full blocks enter the prefix cache
PASSAGE = (
    "The lighthouse keeper climbed the spiral stairs every evening at dusk, carrying a lantern, a "
    "logbook and a flask of tea. From the gallery he watched the fishing boats return, counted them "
    "against the morning's list, and wrote down the wind, the swell and the colour of the sky. In "
    "winter the storms came from the north-west and the spray reached the glass of the lamp room; in "
    "summer the evenings were long and quiet and the gulls slept on the rocks below. He had kept the "
    "light for thirty years, and in all that time the lamp had failed only once, on a night when a "
    "cargo ship lost its rudder off the point and drifted towards the reef until the tide turned."
)


@pytest.fixture(scope="module")
def model_path() -> str:
    return resolve_model("smollm2-135m")


@pytest.fixture(scope="module")
def tokenizer(model_path):
    return load_tokenizer(model_path)


@pytest.fixture(scope="module")
def hf_model(model_path):
    return load_policy(model_path, torch.device("cpu"), torch.float32).eval()


@pytest.fixture(scope="module")
def engine(model_path, tokenizer):
    threads = torch.get_num_threads()
    # On a 2-core machine, vLLM's small per-token CPU kernels with two intra-op threads stall on
    # OpenMP barriers (decode ran ~15x slower in our runs); one thread is steady.
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB; the default takes a share of host memory
        # Eager: torch.compile adds ~100 s of start-up on CPU and barely speeds up a 135M model.
        engine = VLLMEngine(model_path, tokenizer, dtype="float32", max_model_len=512, seed=0, enforce_eager=True)
    yield engine
    engine.close()
    torch.set_num_threads(threads)


def chat(tokenizer, text: str) -> list[int]:
    return prompt_ids(tokenizer, [{"role": "user", "content": text}])


@torch.no_grad()
def hf_logits(model, prompt: list[int], response: list[int]) -> torch.Tensor:
    """(len(response), V): the logits the HF model gives before each response token."""
    logits = model(torch.tensor([prompt + response])).logits[0]
    return logits[len(prompt) - 1 : -1].float()


def token_logprobs(logits: torch.Tensor, response: list[int], temperature: float = 1.0) -> torch.Tensor:
    """(len(response),): log-probs of the response tokens under softmax(logits / temperature)."""
    return torch.log_softmax(logits / temperature, dim=-1).gather(1, torch.tensor(response)[:, None])[:, 0]


def assert_hf_greedy(model, prompt: list[int], response: list[int]) -> None:
    logits = hf_logits(model, prompt, response)
    gap = logits.max(dim=-1).values - logits.gather(1, torch.tensor(response)[:, None])[:, 0]
    assert (gap < TIE).all(), (
        f"not the HF argmax at positions {torch.nonzero(gap >= TIE)[:, 0].tolist()}: gaps {gap.tolist()}"
    )


def test_contract_two_prompts_three_samples(engine, tokenizer):
    prompts = [chat(tokenizer, "Name three colours."), chat(tokenizer, "What is 12 times 7?")]
    out = engine.generate(prompts, 3, SamplingConfig(max_tokens=16, temperature=1.0, seed=0))

    assert [len(group) for group in out] == [3, 3]
    for group in out:
        assert len({tuple(c.response_ids) for c in group}) > 1, "the n samples of a prompt are all the same"
        for c in group:
            ids = c.response_ids
            assert 0 < len(ids) <= 16
            assert c.text == tokenizer.decode(ids, skip_special_tokens=True)
            assert not any(t in engine.eos_ids for t in ids[:-1]), "generation went on past an EOS token"
            if c.truncated:
                assert len(ids) == 16 and ids[-1] not in engine.eos_ids
            else:
                assert ids[-1] in engine.eos_ids
            assert len(c.logprobs) == len(ids)
            assert all(lp <= 0 for lp in c.logprobs)


def test_same_seed_same_samples(engine, tokenizer):
    prompt = chat(tokenizer, "Tell me a fact about owls.")
    sampling = SamplingConfig(max_tokens=12, temperature=1.0, seed=7)
    first, second = (engine.generate([prompt, prompt], 2, sampling) for _ in range(2))
    ids = [[c.response_ids for c in group] for group in first]
    assert ids == [[c.response_ids for c in group] for group in second]
    assert ids[0] != ids[1], "a prompt repeated in one batch got the same samples"


def test_greedy_matches_hugging_face(engine, tokenizer, hf_model):
    prompt = chat(tokenizer, "What is the capital of France?")
    greedy = SamplingConfig(max_tokens=32, temperature=0)
    [[first, second]] = engine.generate([prompt], 2, greedy)
    [[reference]] = HFEngine(hf_model, tokenizer).generate([prompt], 1, greedy)

    assert first.response_ids == second.response_ids  # greedy: the n samples are copies
    assert first.response_ids[:8] == reference.response_ids[:8]
    assert_hf_greedy(hf_model, prompt, first.response_ids)
    # The answer is short, so this also covers the EOS path: the end token is kept.
    assert not first.truncated and first.response_ids[-1] in engine.eos_ids
    # Greedy log-probs are not temperature-scaled: plain log_softmax of the logits.
    expected = token_logprobs(hf_logits(hf_model, prompt, first.response_ids), first.response_ids)
    assert torch.allclose(torch.tensor(first.logprobs), expected, atol=1e-3)


def test_logprobs_are_temperature_scaled(engine, tokenizer, hf_model):
    prompt = chat(tokenizer, "Write a short poem about the sea.")
    [completions] = engine.generate([prompt], 2, SamplingConfig(max_tokens=16, temperature=1.5, seed=0))

    got, scaled, raw = [], [], []
    for c in completions:
        logits = hf_logits(hf_model, prompt, c.response_ids)
        got.append(torch.tensor(c.logprobs))
        scaled.append(token_logprobs(logits, c.response_ids, temperature=1.5))
        raw.append(token_logprobs(logits, c.response_ids))
    got, scaled, raw = torch.cat(got), torch.cat(scaled), torch.cat(raw)
    assert torch.allclose(got, scaled, atol=1e-2), (got - scaled).abs().max()
    assert (got - raw).abs().max() > 0.1, "these samples cannot tell scaled from unscaled log-probs"


def test_sync_weights_takes_effect_and_reverts(engine, tokenizer, hf_model):
    # Two full KV blocks (most of the prompt) go to the prefix cache, so stale KV would show.
    prompt = chat(tokenizer, f"{PASSAGE}\n\n{PASSAGE}\n\nThe passage is given twice. Summarise it in one sentence.")
    assert len(prompt) > 2 * CPU_BLOCK
    greedy = SamplingConfig(max_tokens=16, temperature=0)

    def sample() -> list[int]:
        return engine.generate([prompt], 1, greedy)[0][0].response_ids

    before = sample()  # also puts the prompt's KV blocks in the prefix cache
    original = {name: tensor.clone() for name, tensor in hf_model.state_dict().items()}
    try:
        # A linear layer: on CPU vLLM keeps these only in a repacked kernel format.
        with torch.no_grad():
            hf_model.model.layers[3].mlp.down_proj.weight.mul_(3.0)
        engine.sync_weights(full_weights(hf_model))
        after_mlp = sample()
        assert after_mlp != before
        assert_hf_greedy(hf_model, prompt, after_mlp)

        # The tied embedding: vLLM's output projection must follow it too.
        hf_model.load_state_dict(original)
        with torch.no_grad():
            hf_model.model.embed_tokens.weight.mul_(0.5)
        assert hf_model.lm_head.weight.data_ptr() == hf_model.model.embed_tokens.weight.data_ptr()
        engine.sync_weights(full_weights(hf_model))
        after_embed = sample()
        assert after_embed != before
        assert_hf_greedy(hf_model, prompt, after_embed)
    finally:
        hf_model.load_state_dict(original)
        engine.sync_weights(full_weights(hf_model))
    assert sample() == before
