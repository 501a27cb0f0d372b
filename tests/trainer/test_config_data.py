"""Config validation and overrides; training rows read with errors that name file, line and field."""

import dataclasses
import json
import re
from pathlib import Path

import pytest
import yaml

from trainer.config import MASKED, TrainConfig, config_help, field_defaults, load_config
from trainer.data import arithmetic_rows, read_rows


def test_defaults_are_prorl():
    c = TrainConfig(train_data="x.jsonl")
    assert (c.eps_low, c.eps_high, c.kl_coef, c.temperature, c.group_size) == (0.2, 0.4, 1e-4, 1.2, 16)
    assert (c.lr, c.warmup_steps, c.ref_reset_interval) == (2e-6, 0, 200)  # constant lr 2e-6, as the paper
    assert c.dynamic_sampling
    assert [c.max_response_tokens(s) for s in (0, 1999, 2000, 10**6)] == [8192, 8192, 16384, 16384]


def test_every_field_has_one_line_of_help():
    for f in dataclasses.fields(TrainConfig):
        text = f.metadata.get("help", "")
        assert text and "\n" not in text and len(text) <= 80, f.name


def test_the_help_shows_each_default_as_an_override_that_gives_it_back():
    shown = dict(re.findall(r"^  (\w+)=(.*?)(?: {2,}|$)", config_help(width=200), re.M))
    defaults = field_defaults()
    assert list(shown) == list(defaults)
    for key, value in shown.items():
        if key != "train_data":  # required: an empty one is refused
            assert getattr(load_config(None, ["train_data=x.jsonl", f"{key}={value}"]), key) == defaults[key], key
    assert (shown["lr"], shown["bf16"], shown["train_data"]) == ("2e-06", "null", "")


# configs/prorl.yaml: the paths a user sets; every other key must depart from a default, with a comment saying why.
_SET_BY_USER = {"model", "train_data", "eval_data"}


def test_prorl_yaml_holds_only_documented_deviations_from_the_defaults():
    text = Path("configs/prorl.yaml").read_text()
    values, defaults = yaml.safe_load(text), field_defaults()
    for key, value in values.items():
        if key in _SET_BY_USER:
            continue
        assert value != defaults[key], f"configs/prorl.yaml restates the default {key}: {value!r}; drop it"
        line = next(line for line in text.splitlines() if line.startswith(f"{key}:"))
        assert "#" in line, f"configs/prorl.yaml: {key} departs from the default; add a comment saying why"
    assert load_config("configs/prorl.yaml").lr == 2e-6


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"engine": "sglang"}, "engine must be"),
        ({"group_size": 1}, "group_size must be at least 2"),
        ({"temperature": 0}, "greedy"),
        ({"mini_batches": 3, "prompts_per_step": 4, "group_size": 4}, "must divide"),
        ({"response_length_schedule": [[5, 100]]}, "starting at step 0"),
        ({"response_length_schedule": [[0, 100], [0, 200]]}, "must increase"),
        ({"overlong": "soft"}, "overlong_buffer_tokens"),
        ({"kl_coef": -1}, "kl_coef"),
        ({"train_data": ""}, "train_data is empty"),
    ],
)
def test_impossible_configs_say_what_to_change(overrides, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{"train_data": "x.jsonl", **overrides})


def test_yaml_then_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("train_data: a.jsonl\nlr: 1.0e-6\nreward_urls: [http://a:1]\n")
    c = load_config(str(path), ["lr=3e-5", "reward_urls=[http://b:2, http://c:3]", "dynamic_sampling=false"])
    assert (c.lr, c.reward_urls, c.dynamic_sampling, c.train_data) == (
        3e-5,
        ["http://b:2", "http://c:3"],
        False,
        "a.jsonl",
    )
    with pytest.raises(ValueError, match="unknown config keys \\['learning_rate'\\]"):
        load_config(str(path), ["learning_rate=1"])
    with pytest.raises(ValueError, match="key=value"):
        load_config(str(path), ["lr"])


def test_a_string_override_is_taken_as_written(tmp_path):
    # YAML would read these as 83 and True: a key must reach the service exactly as typed.
    c = load_config(None, ["train_data=a.jsonl", "reward_api_key=0123", "system_prompt=yes"])
    assert (c.reward_api_key, c.system_prompt) == ("0123", "yes")


def test_demo_config_loads():
    c = load_config("configs/demo.yaml")
    assert c.model == "smollm2-135m" and c.eval_data


@pytest.mark.parametrize(
    "line,message",
    [
        ("{not json", "not valid JSON"),
        ('{"domain": "math", "reference": {}}', "missing field 'prompt'"),
        ('{"prompt": "", "domain": "math", "reference": {}}', "'prompt' must be a non-empty string"),
        ('{"prompt": [{"role": "user"}], "domain": "math", "reference": {}}', "'prompt'\\[0\\]"),
        ('{"prompt": "q", "domain": 3, "reference": {}}', "'domain' must be a string"),
        ('{"prompt": "q", "domain": "math", "reference": "4"}', "'reference' must be an object"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, line, message):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"prompt": "ok", "domain": "math", "reference": {"answer": "1"}}\n\n' + line + "\n")
    with pytest.raises(ValueError, match=f"rows.jsonl:3: .*{message}"):
        read_rows(path)


def test_rows_keep_extra_fields(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(
        json.dumps(
            {"prompt": [{"role": "user", "content": "hi"}], "domain": "math", "reference": {"answer": "1"}, "id": 7}
        )
        + "\n"
    )
    (row,) = read_rows(path)
    assert row.extra == {"id": 7} and row.prompt[0]["content"] == "hi"


def test_arithmetic_rows_are_seeded_and_correct():
    a, b = arithmetic_rows(50, seed=3), arithmetic_rows(50, seed=3)
    assert [r.prompt for r in a] == [r.prompt for r in b]
    assert arithmetic_rows(5, seed=4)[0].prompt != a[0].prompt
    for row in a:
        text = row.prompt[0]["content"]
        x, y = [int(w) for w in text.replace(".", " ").split() if w.isdigit()][:2]
        assert int(row.reference["answer"]) in (x + y, x - y)
        assert "\\boxed{}" in text


def test_the_api_key_is_never_written_out():
    config = TrainConfig(train_data="x.jsonl", reward_api_key="s3cret")
    assert config.to_dict()["reward_api_key"] == MASKED
    assert "s3cret" not in repr(config) and "reward_api_key='<set>'" in repr(config)  # tracebacks print configs too
    assert config.reward_api_key == "s3cret"  # the run itself still has it
    assert TrainConfig(train_data="x.jsonl").to_dict()["reward_api_key"] == ""


def test_every_credential_like_field_is_marked_secret():
    """A new `*_token` or `*_password` field is masked only if it carries the flag: this makes forgetting it fail."""
    credential = re.compile(r"(^|_)(key|token|secret|password)$")  # not max_prompt_tokens: a count, not a credential
    names = {f.name for f in dataclasses.fields(TrainConfig) if credential.search(f.name)}
    assert names == {"reward_api_key"}
    assert all(f.metadata.get("secret") for f in dataclasses.fields(TrainConfig) if f.name in names)


def test_the_mask_copied_back_as_a_key_is_refused():
    """A config rebuilt from a run log or a checkpoint would otherwise send "<set>" and get a puzzling 401."""
    with pytest.raises(ValueError, match="placeholder .* REWARD_API_KEY"):
        load_config(None, ["train_data=x.jsonl", f"reward_api_key={MASKED}"])
