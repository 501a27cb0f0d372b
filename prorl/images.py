"""`prorl images build`: every image of the stack, from this checkout, in one command (CI and
compose.yaml use what it builds). The sandboxes (`prorl-sandbox-python`, `prorl-sandbox-cpp`)
are built by `reward_service.sandbox.images`; the reward service (`prorl-reward`) and the trainer
(`prorl-trainer`) from docker/*.Dockerfile.

Each stack image is tagged with a digest of the sources (so an unchanged checkout is not rebuilt;
both images carry the same one) and with `latest`, the tag compose.yaml runs by default
(PRORL_TAG picks another). Bases follow `prorl sandbox build`:
python:3.12-slim where a registry answers, else the offline Debian base. Offline, the trainer's
CPU torch wheel is fetched here by pip (which may have it on disk) and put into the context.
"""

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

from reward_service.sandbox import images as sandbox_images

__all__ = ["PACKAGE", "STACK", "ALL", "REPO", "build_images", "copy_sources", "stack_tag"]

REPO = Path(__file__).resolve().parents[1]
STOCK_BASE = "python:3.12-slim"
# What the package builds from, and what each stack image's context holds besides, relative to
# the repository root.
PACKAGE = ["pyproject.toml", "README.md", "prorl", "reward_service", "trainer", "sandboxes"]
STACK = {
    "reward": [*PACKAGE, "docker/reward.Dockerfile", "docker/certs/README.md"],
    "trainer": [
        *PACKAGE,
        "configs",
        "scripts/demo.py",
        "docker/trainer.Dockerfile",
        "docker/certs/README.md",
        "docker/wheels/README.md",
    ],
}
ALL = ("sandbox-python", "sandbox-cpp", *STACK)


def _checkout() -> Path:
    if not (REPO / "docker" / "reward.Dockerfile").is_file():
        raise ValueError(
            f"the reward and trainer images build from a checkout of the prorl repository "
            f"(no docker/ next to {Path(__file__).parent}); the sandboxes build anywhere: prorl sandbox build"
        )
    return REPO


def copy_sources(entries: list[str], into: Path) -> str:
    """Copy these paths of the checkout into `into` (no caches, links kept as links); returns a
    digest of the copied files' names and contents. README.md is left out of the digest: it is
    only the package's long description, and an edit to it need not rebuild gigabytes."""
    digest = hashlib.sha256()
    repo = _checkout()
    for entry in entries:
        source = repo / entry
        if source.is_dir():
            shutil.copytree(
                source, into / entry, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            )
        else:
            (into / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, into / entry)
    for path in sorted(p for p in into.rglob("*") if p.is_file() and not p.is_symlink() and p != into / "README.md"):
        digest.update(str(path.relative_to(into)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _stack_digest() -> str:
    entries = sorted({entry for image in STACK.values() for entry in image})
    with tempfile.TemporaryDirectory(prefix="prorl-context-") as context:
        return copy_sources(entries, Path(context))


def stack_tag(name: str) -> str:
    """The tag the current checkout builds for `name` (reward, trainer): both images carry the
    digest of everything either is built from, so one PRORL_TAG names a matching pair."""
    return f"prorl-{name}:{_stack_digest()}"


def _pip_ca_bundle() -> Path | None:
    """The CA bundle this machine's pip trusts, when it is told one (a TLS-intercepting proxy's):
    the build's pip needs it too to reach the package index."""
    configured = os.environ.get("PIP_CERT")
    if not configured:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.cert"], capture_output=True, text=True
        )
        configured = done.stdout.strip() if done.returncode == 0 else ""
    return Path(configured) if configured and Path(configured).is_file() else None


def _torch_requirement() -> str:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    return next(r for r in extras["train"] if r.startswith("torch"))


def _prefetch_torch(base: str, wheels: Path, env: dict, log: Callable[[str], None]) -> None:
    """Offline there is no PyTorch index to ask for a CPU build, and PyPI's torch is the CUDA one
    (gigabytes): fetch the CPU wheel for the base's Python with this machine's pip instead."""
    version = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            base,
            "python3",
            "-c",
            "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if version.returncode != 0:
        raise ValueError(f"cannot run python3 in {base}: {version.stderr.strip()[:300]}")
    requirement = _torch_requirement() + "+cpu"
    log(f"fetching {requirement} for Python {version.stdout.strip()} into the trainer's build context")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--python-version",
            version.stdout.strip(),
            "--platform",
            f"manylinux_2_28_{platform.machine()}",
            "--extra-index-url",
            "https://download.pytorch.org/whl/cpu",
            "--retries",
            "1",
            "--timeout",
            "20",
            "-d",
            str(wheels),
            requirement,
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        raise ValueError(f"could not fetch {requirement} (pip download): {done.stderr.strip()[-1000:]}")


def _build_stack_image(
    name: str,
    digest: str,
    base: str,
    mirror: str,
    force: bool,
    env: dict,
    log: Callable[[str], None],
    torch_index: str | None,
) -> str:
    tag, latest = f"prorl-{name}:{digest}", f"prorl-{name}:latest"
    if sandbox_images.image_exists(tag, env) and not force:
        log(f"{tag} is already built")
    else:
        base_tag = sandbox_images.base_image(STOCK_BASE, base, mirror, env, log)
        with tempfile.TemporaryDirectory(prefix="prorl-context-") as tmp:
            context = Path(tmp)
            copy_sources(STACK[name], context)
            args = {"BASE_IMAGE": base_tag}
            bundle = _pip_ca_bundle()
            if bundle is not None:
                shutil.copy(bundle, context / "docker" / "certs" / "pip-ca.pem")
                args["CA_BUNDLE"] = "/tmp/certs/pip-ca.pem"
            if name == "trainer":
                if torch_index is not None:
                    args["TORCH_INDEX"] = torch_index
                elif base_tag != STOCK_BASE:
                    _prefetch_torch(base_tag, context / "docker" / "wheels", env, log)
                    args["TORCH_INDEX"] = ""
            sandbox_images.docker_build(
                tag,
                context,
                env,
                log,
                dockerfile=context / "docker" / f"{name}.Dockerfile",
                build_args=args,
                labels={"prorl.image": name},
            )
    tagged = subprocess.run(["docker", "tag", tag, latest], env=env, capture_output=True, text=True)
    if tagged.returncode != 0:
        raise ValueError(f"docker tag {tag} {latest} failed: {tagged.stderr.strip()}")
    sandbox_images.remove_older(tag, env, log, keep=(latest,))
    return tag


def build_images(
    names=ALL,
    base: str = "auto",
    mirror: str = sandbox_images.DEFAULT_MIRROR,
    force: bool = False,
    docker_host: str | None = None,
    torch_index: str | None = None,
    log: Callable[[str], None] = print,
) -> list[str]:
    """Build the named images that are missing (all of them with `force`); returns their tags."""
    unknown = [name for name in names if name not in ALL]
    if unknown:
        raise ValueError(f"unknown image {unknown[0]!r}; valid: {', '.join(ALL)}")
    env = sandbox_images.docker_env(docker_host)
    problem = sandbox_images.engine_problem(env)
    if problem:
        raise ValueError(problem)
    languages = [name.removeprefix("sandbox-") for name in names if name.startswith("sandbox-")]
    tags = sandbox_images.build(languages, base, mirror, force, docker_host, log) if languages else []
    stack = [name for name in names if name in STACK]
    digest = _stack_digest() if stack else ""
    for name in stack:
        tags.append(_build_stack_image(name, digest, base, mirror, force, env, log, torch_index))
    return tags
