"""A service with the code domain on: real sandbox containers (tests here are marked docker)."""

import pytest

from tests.conftest import make_client, wait_ready
from tests.reward_service.sandbox.helpers import wait_code_ready


@pytest.fixture(scope="package")
def sandbox_client():
    """One warm container per language, so consecutive jobs reuse the same container."""
    with make_client(sandbox_enabled=True, sandbox_pool_size=1) as client:
        wait_ready(client.get)
        wait_code_ready(client)
        yield client
