"""A service with the code domain on: real sandbox containers (tests here are marked docker)."""

import pytest

from tests.reward_service.sandbox.helpers import sandbox_service


@pytest.fixture(scope="package")
def sandbox_client():
    with sandbox_service() as client:
        yield client
