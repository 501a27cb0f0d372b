"""Each service default has one home, `Settings`: the README's table is written from it."""

from pathlib import Path

from reward_service.config import Settings, settings_table
from reward_service.sandbox.containers import Limits
from reward_service.verifiers import base

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_settings_table_is_the_generated_one():
    readme = README.read_text()
    table = settings_table()
    assert table in readme, "README.md's settings table is stale: paste `python -m reward_service.config` over it"
    assert all(f"`REWARD_{name.upper()}`" in table for name in Settings.model_fields)


def test_defaults_are_read_from_settings():
    settings = Settings(sandbox_memory_mb=2048, sandbox_pids=99)
    assert Limits.of(settings).memory_mb == 2048 and Limits.of(settings).pids == 99
    assert base.MAX_ANSWER_CHARS == Settings().max_answer_chars
