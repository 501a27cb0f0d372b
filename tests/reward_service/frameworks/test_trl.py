"""A real `trl.GRPOTrainer` (CPU, a tiny model) rewarded by our service through ProrlReward:
2 optimizer steps, and a sample whose scoring fails on our side reaches TRL as None, which it
leaves out of the reward (here every other sample scores 1, so counting it as 0 would show)."""

import asyncio
import json
import math

import pytest

from reward_service.frameworks.trl import AsyncProrlReward, ProrlReward, completion_text
from tests.trainer.tiny import make_tiny_model

# Any text under 1000 words follows this instruction: reward 1, whatever the tiny model writes.
FOLLOWED = {
    "domain": "instruction",
    "reference": {
        "instruction_id_list": ["length_constraints:number_words"],
        "kwargs": [{"relation": "less than", "num_words": 1000}],
    },
}
CODE = {"domain": "code", "reference": {"tests": [{"stdin": "1\n", "stdout": "1\n"}]}}


def test_completion_text():
    assert completion_text("plain") == "plain"
    assert (
        completion_text(
            [
                {"role": "assistant", "content": "a"},
                {"role": "assistant", "content": [{"type": "text", "text": "b"}, {"type": "image"}]},
            ]
        )
        == "ab"
    )


def test_labels_rewards_and_none(no_sandbox_url):
    reward = ProrlReward(no_sandbox_url)
    got = reward(
        ["q"] * 4,
        ["\\boxed{2}", [{"role": "assistant", "content": "\\boxed{3}"}], "x", "```python\nprint(1)\n```"],
        solution=["2", "2", ["bad"], CODE],
        trainer_state=None,
        completion_ids=[[1]] * 4,
    )
    assert got == [1.0, 0.0, None, None]  # a malformed label and our failure: None, never 0
    assert asyncio.run(AsyncProrlReward(no_sandbox_url, label_column="gold")(["q"], ["\\boxed{2}"], gold=["2"])) == [
        1.0
    ]
    with pytest.raises(ValueError, match="no label column"):
        reward(["q"], ["x"], other=["1"])
    with pytest.raises(ValueError, match="every label in this batch is malformed"):
        reward(["q"], ["x"], solution=[[1]])


def test_sync_scoring_works_in_a_forked_child(no_sandbox_url):
    """veRL's process pools and DataLoader workers fork: the child must not wait on the parent's
    background loop, whose thread the fork did not copy."""
    import multiprocessing

    reward = ProrlReward(no_sandbox_url)
    assert reward(["q"], ["\\boxed{1}"], solution=["1"]) == [1.0]  # the parent's loop is running
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    child = context.Process(target=lambda: answers.put(reward(["q"], ["\\boxed{2}"], solution=["1"])))
    child.start()
    assert answers.get(timeout=60) == [0.0]
    child.join(timeout=10)
    # ... and a pickled copy (a process pool's, Ray's) works too
    with context.Pool(1) as pool:
        assert pool.apply_async(reward, (["q"], ["\\boxed{2}"]), {"solution": ["2"]}).get(timeout=60) == [1.0]


@pytest.mark.slow
def test_grpo_trainer_two_steps(tmp_path, no_sandbox_url):
    from datasets import Dataset
    from transformers import AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    returned, logged = [], []

    class Spy(ProrlReward):
        def __call__(self, prompts, completions, **columns):
            rewards = super().__call__(prompts, completions, **columns)
            returned.append(rewards)
            return rewards

    class Logs(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "rewards/prorl/mean" in logs:
                logged.append(logs)

    # A tiny model whose one word is a Python block: every completion holds a program, so the code
    # sample's scoring reaches the sandbox, which is off on this server: our failure, every time.
    tiny_model = make_tiny_model(tmp_path / "model", words=["<pad>", "<eos>", "<unk>", "```python\nprint(1)\n```\n"])
    # 4 prompts, 2 per step: one step meets the code sample.
    # Labels as JSON strings: Arrow would merge the keys of dict labels into one struct.
    labels = [json.dumps(label) for label in (FOLLOWED, FOLLOWED, FOLLOWED, CODE)]
    data = Dataset.from_dict({"prompt": ["write a program"] * 4, "solution": labels})
    args = GRPOConfig(
        output_dir=str(tmp_path),
        use_cpu=True,
        bf16=False,
        gradient_checkpointing=False,
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=8,
        max_steps=2,
        logging_steps=1,
        learning_rate=1e-3,
        report_to="none",
        save_strategy="no",
        use_vllm=False,
        dataloader_num_workers=0,
        seed=0,
        generation_kwargs={"min_new_tokens": 4, "suppress_tokens": [0, 2]},
    )  # the word, 4+ times
    trainer = GRPOTrainer(
        model=tiny_model,
        processing_class=AutoTokenizer.from_pretrained(tiny_model),
        reward_funcs=[Spy(no_sandbox_url)],
        args=args,
        train_dataset=data,
        callbacks=[Logs()],
    )
    trainer.train()

    assert trainer.state.global_step == 2
    flat = [r for step in returned for r in step]
    assert flat.count(None) == 2 and set(flat) - {None} == {1.0}  # the code prompt's 2 completions
    assert [log["rewards/prorl/mean"] for log in logged] == [1.0, 1.0]  # None left out, not averaged in as 0
    assert all(not math.isnan(log["loss"]) for log in logged)
