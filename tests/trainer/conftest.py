import pytest

from tests.trainer.tiny import make_tiny_model, write_pick_data


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    return make_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def pick_data(tmp_path_factory) -> str:
    return write_pick_data(tmp_path_factory.mktemp("data") / "pick.jsonl")
