"""The README's main job: write the arithmetic data, then train SmolLM2-135M-Instruct on it with
configs/demo.yaml, printing held-out pass@1 before and after and drawing the curves into
<output_dir>/curves.png. Extra `key=value` arguments override the config (e.g. `engine=vllm`,
`max_minutes=10`, `reward_urls=[http://reward:8000]`, as compose.yaml's trainer does)."""

import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from trainer.cli import configure_logging  # noqa: E402
from trainer.config import load_config  # noqa: E402
from trainer.data import arithmetic_rows, write_rows  # noqa: E402
from trainer.plot import plot_run  # noqa: E402
from trainer.train import train  # noqa: E402


def write_data(train_path: str, heldout_path: str) -> None:
    """Write the arithmetic training and held-out sets, with no held-out problem among the training ones."""
    heldout = arithmetic_rows(200, seed=2)
    seen = {row.prompt[0]["content"] for row in heldout}
    train_rows = [row for row in arithmetic_rows(4000, seed=1) if row.prompt[0]["content"] not in seen]
    write_rows(train_path, train_rows)
    write_rows(heldout_path, heldout)
    print(f"data: {len(train_rows)} training problems, {len(heldout)} held-out (no overlap)")


def main() -> None:
    """Write the data, train with configs/demo.yaml (plus argv overrides), print pass@1 and plot the curves."""
    configure_logging()
    config = load_config("configs/demo.yaml", sys.argv[1:])
    write_data(config.train_data, config.eval_data)
    result = train(config)
    before, after = result["before"]["pass@1"], result["after"]["pass@1"]
    print(
        f"\nheld-out pass@1 (greedy, {result['after']['prompts']} problems): {before:.1%} before -> {after:.1%} after "
        f"{result['step']} GRPO steps"
    )
    print(f"curves: {plot_run(config.output_dir)}")


if __name__ == "__main__":
    main()
