"""Checkpoint rotation: the newest `keep` checkpoints stay, or all of them with keep 0 (a run whose
middle is evaluated later, as the prolonged report does)."""

import pytest

from trainer.checkpoint import _paths, _publish, latest_checkpoint
from trainer.config import TrainConfig


@pytest.mark.parametrize(
    "keep,left", [(2, ["step_3", "step_4"]), (1, ["step_4"]), (0, ["step_1", "step_2", "step_3", "step_4"])]
)
def test_publish_keeps_the_newest_or_all(tmp_path, keep, left):
    for step in (1, 2, 3, 4):
        root, final, partial = _paths(tmp_path, step)
        partial.mkdir(parents=True)
        (partial / "state.pt").write_text(str(step))
        _publish(root, final, partial, keep)
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("step_*")) == left
    assert latest_checkpoint(tmp_path).name == "step_4"


def test_a_negative_keep_is_refused():
    with pytest.raises(ValueError, match="keep_checkpoints must be >= 0"):
        TrainConfig(train_data="x.jsonl", keep_checkpoints=-1)
