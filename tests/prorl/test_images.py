"""`prorl images build`: every image of the stack from one command, each built once per checkout,
and the mistakes a user makes."""

import subprocess
import sys

import pytest

from prorl.images import ALL, stack_tag


def _build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prorl", "images", "build", *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.docker
def test_an_unchanged_checkout_is_not_rebuilt_and_latest_is_its_build():
    done = _build()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("is already built") == len(ALL), done.stdout
    for name in ("reward", "trainer"):
        ids = [
            subprocess.run(
                ["docker", "image", "inspect", "--format", "{{.Id}}", image], capture_output=True, text=True
            ).stdout
            for image in (stack_tag(name), f"prorl-{name}:latest")
        ]
        assert ids[0] and ids[0] == ids[1], name


def test_mistakes_say_what_to_do():
    done = _build("gpu-trainer")
    assert (
        done.returncode == 1
        and "unknown image 'gpu-trainer'; valid: sandbox-python, sandbox-cpp, reward, trainer" in done.stderr
    )
    done = _build("--docker-host", "unix:///nonexistent/docker.sock")
    assert done.returncode == 1 and "the Docker engine is not reachable" in done.stderr, done.stderr


def test_both_stack_images_carry_one_digest_that_follows_the_sources():
    reward, trainer = stack_tag("reward"), stack_tag("trainer")
    assert reward.startswith("prorl-reward:") and trainer == "prorl-trainer:" + reward.partition(":")[2]
