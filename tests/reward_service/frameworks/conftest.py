"""Real `prorl serve` processes for the frameworks' own client code: one with the code sandboxes
(Docker), one with them off and one whose sandboxes are down (code items there are our failures),
and loaders for single client modules of packages whose top-level import needs GPU stacks."""

import importlib.metadata
import importlib.util
import sys
import types

import httpx
import pytest

from tests.conftest import free_port, start_server, stop_servers, wait_ready


def _serve(env: dict, every_domain: bool = True) -> tuple:
    port = free_port()
    proc = start_server(port, "--log-level", "warning", env=env)
    url = f"http://127.0.0.1:{port}"
    query = "?all=true" if every_domain else ""
    wait_ready(lambda path: httpx.get(url + path + query, timeout=2), timeout=180)
    return proc, url


@pytest.fixture(scope="package")
def live_url():
    """A service with every domain up, code included."""
    proc, url = _serve({"REWARD_SANDBOX_ENABLED": "true", "REWARD_SANDBOX_POOL_SIZE": "2", "REWARD_POOL_SIZE": "2"})
    yield url
    stop_servers([proc])


@pytest.fixture(scope="package")
def no_sandbox_url():
    """A service whose code domain is off: a code sample there is our failure, not the model's."""
    proc, url = _serve({"REWARD_SANDBOX_ENABLED": "false", "REWARD_POOL_SIZE": "1", "REWARD_RETRY_AFTER_S": "1"})
    yield url
    stop_servers([proc])


@pytest.fixture(scope="package")
def broken_sandbox_url():
    """A service whose code domain is on but cannot reach a Docker engine: the sandbox is down."""
    proc, url = _serve(
        {"REWARD_SANDBOX_ENABLED": "true", "REWARD_SANDBOX_DOCKER_HOST": "tcp://127.0.0.1:9", "REWARD_POOL_SIZE": "1"},
        every_domain=False,
    )
    yield url
    stop_servers([proc])


def load_file(dist: str, path: str, name: str, package: bool = False):
    """Module `path` of the installed distribution `dist`, loaded by file (its package's
    __init__ is not run); `package` loads a package's __init__.py so its relative imports work."""
    location = importlib.metadata.distribution(dist).locate_file(path)
    spec = importlib.util.spec_from_file_location(
        name, location, submodule_search_locations=[str(location.parent)] if package else None
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="package")
def verl_sandbox_fusion():
    """veRL's SandboxFusion client package (verl/utils/reward_score/sandbox_fusion/): needs only requests."""
    return load_file("verl", "verl/utils/reward_score/sandbox_fusion/__init__.py", "verl_sandbox_fusion", package=True)


@pytest.fixture(scope="package")
def openrlhf_agent():
    """OpenRLHF's utils/agent.py: needs aiohttp and its logger (stubbed: the package's __init__
    imports deepspeed and ray)."""
    import logging

    saved = {name: sys.modules.get(name) for name in ("openrlhf", "openrlhf.utils", "openrlhf.utils.logging_utils")}
    logging_utils = types.ModuleType("openrlhf.utils.logging_utils")
    logging_utils.init_logger = logging.getLogger
    sys.modules.update(
        {
            "openrlhf": types.ModuleType("openrlhf"),
            "openrlhf.utils": types.ModuleType("openrlhf.utils"),
            "openrlhf.utils.logging_utils": logging_utils,
        }
    )
    try:
        yield load_file("openrlhf", "openrlhf/utils/agent.py", "openrlhf_agent")
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
