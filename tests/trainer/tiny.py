"""A tiny random Llama with a seven-word vocabulary, saved as a real Hugging Face folder.

Its words are chosen so that the math verifier gives random outputs varied rewards: a response's
answer is its last `\\boxed{}`, and "so" between boxes keeps them apart. Against the gold "1",
about half of the sampled groups have both right and wrong answers, so GRPO has signal and a
few steps visibly move the policy.
"""

from pathlib import Path

import torch

WORDS = ["<pad>", "<eos>", "<unk>", "\\boxed{1}", "\\boxed{2}", "so", "pick"]


CHAT_TEMPLATE = "{% for m in messages %}{{ m['content'] }} {% endfor %}"  # chat rows: the contents, spaced


def make_tiny_model(
    folder: Path, seed: int = 0, hidden: int = 16, words: list[str] = WORDS, chat_template: str = ""
) -> str:
    """`hidden=128` gives 64-wide attention heads, a size vLLM's CPU kernels support. `words`
    replace the vocabulary (the first three stay pad, eos and unk). A `chat_template` lets it read
    chat-message prompts (every word outside `words` is then <unk>)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {word: i for i, word in enumerate(words)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
    if chat_template:
        tokenizer.chat_template = chat_template
    config = LlamaConfig(
        vocab_size=len(words),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        eos_token_id=1,
        pad_token_id=0,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = 1
    model.generation_config.pad_token_id = 0
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def write_pick_data(path: Path, rows: int = 8) -> str:
    import json

    with open(path, "w") as handle:
        for i in range(rows):
            handle.write(
                json.dumps({"prompt": "pick so pick", "domain": "math", "reference": {"answer": "1"}, "id": i}) + "\n"
            )
    return str(path)
