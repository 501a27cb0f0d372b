"""compose.yaml as written (no engine needed): every service setting reachable, the Docker socket
mounted into the proxy alone, the proxy on a network only the service shares."""

from pathlib import Path

import yaml

from reward_service.config import Settings

COMPOSE = yaml.safe_load((Path(__file__).resolve().parents[1] / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def _environment(service: str) -> dict[str, str | None]:
    return {name: value or None for name, _, value in (e.partition("=") for e in SERVICES[service]["environment"])}


def test_every_service_setting_is_passed_from_the_environment():
    env = _environment("reward")
    assert set(env) == {f"REWARD_{name.upper()}" for name in Settings.model_fields}
    assert env["REWARD_SANDBOX_DOCKER_HOST"] == "${REWARD_SANDBOX_DOCKER_HOST:-tcp://sandbox-proxy:2375}"
    assert "REWARD_API_KEY" in _environment("trainer")


def test_only_the_proxy_holds_the_docker_socket():
    holders = [
        name
        for name, service in SERVICES.items()
        if any("docker.sock" in volume for volume in service.get("volumes", []))
    ]
    assert holders == ["sandbox-proxy"]
    assert SERVICES["sandbox-proxy"]["networks"] == ["sandbox"] and "ports" not in SERVICES["sandbox-proxy"]
    assert COMPOSE["networks"]["sandbox"]["internal"] is True
    members = [name for name, service in SERVICES.items() if "sandbox" in service.get("networks", [])]
    assert sorted(members) == ["reward", "sandbox-proxy"]
    assert SERVICES["sandbox-proxy"]["cap_drop"] == ["ALL"] and SERVICES["sandbox-proxy"]["read_only"] is True


def test_the_service_is_published_health_checked_and_restarted():
    reward = SERVICES["reward"]
    assert reward["ports"] == ["${PRORL_PORT:-8000}:8000"]
    assert "/readyz?all=true" in " ".join(reward["healthcheck"]["test"])
    assert (
        reward["restart"] == "unless-stopped"
        and reward["depends_on"]["sandbox-proxy"]["condition"] == "service_healthy"
    )


def test_the_trainer_is_a_profile_with_its_runs_in_a_volume():
    trainer = SERVICES["trainer"]
    assert (
        trainer["profiles"] == ["train"] and trainer["volumes"] == ["runs:/app/runs"] and "runs" in COMPOSE["volumes"]
    )
    assert "reward_urls=${PRORL_REWARD_URLS:-[http://reward:8000]}" in trainer["command"]
    assert "engine=hf" in trainer["command"]  # the demo config asks for vLLM, which the trainer image lacks
    assert trainer["depends_on"]["reward"]["condition"] == "service_healthy"
    gpu = yaml.safe_load((Path(__file__).resolve().parents[1] / "compose.gpu.yaml").read_text())
    devices = gpu["services"]["trainer"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
