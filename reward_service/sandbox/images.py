"""Sandbox images: their versioned tags, and `prorl sandbox build`; and the base-image and
`docker build` helpers that `prorl images build` (prorl/images.py) uses for the stack's images.

A tag carries a digest of the runner and the Dockerfile, so a service never runs a runner older
or newer than its own code: after an upgrade it asks for a rebuild by name. The base is a stock
image where a registry answers (`python:3.12-slim`, `debian:bookworm-slim`); without one (CI,
air-gapped clusters) it is built from Debian packages with debootstrap and `docker import`,
which needs root, debootstrap and a reachable Debian mirror (a local one works: --mirror).
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "BUILD_HINT",
    "image_tag",
    "image_exists",
    "engine_problem",
    "build",
    "docker_env",
    "base_image",
    "docker_build",
    "remove_older",
]

LANGUAGES = ("python", "cpp")
INSIDE = Path(__file__).parent / "inside"
DOCKERFILES = Path(__file__).parent / "dockerfiles"  # a link to the top-level sandboxes/, shipped in the wheel
STOCK_BASES = {"python": "python:3.12-slim", "cpp": "debian:bookworm-slim"}
LOCAL_BASE = "prorl-base:bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# What a missing image asks the operator to run (the stack's images build with it too).
BUILD_HINT = "`prorl sandbox build` (or `prorl images build` for the whole stack)"
# debootstrap leaves its .deb files and apt lists behind, and documentation nobody reads in a
# container: a third of the base. Later `apt-get install`s skip them too (as the -slim images do).
_SLIM = [
    "var/cache/apt/archives/*.deb",
    "var/lib/apt/lists/*",
    "usr/share/doc/*",
    "usr/share/man/*",
    "usr/share/info/*",
    "usr/share/locale/*",
]
_NODOC = """path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
"""


def docker_env(docker_host: str | None) -> dict:
    """The environment for the docker command line, with DOCKER_HOST set when `docker_host` is given."""
    return {**os.environ, "DOCKER_HOST": docker_host} if docker_host else dict(os.environ)


def _dockerfile(language: str) -> Path:
    path = DOCKERFILES / language / "Dockerfile"
    if not path.is_file():
        raise ValueError(f"{path} not found: reinstall prorl (the sandbox Dockerfiles ship with it)")
    return path


def image_tag(language: str) -> str:
    """The sandbox image tag for `language`: a digest of the runner sources and the language's Dockerfile."""
    digest = hashlib.sha256()
    for path in [*sorted(INSIDE.glob("*.py")), _dockerfile(language)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"prorl-sandbox-{language}:{digest.hexdigest()[:12]}"


def _docker(args: list[str], env: dict, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], env=env, timeout=timeout, capture_output=True, text=True, **kwargs)


def image_exists(image: str, env: dict) -> bool:
    """Whether the engine in `env` has the image `image`."""
    return _docker(["image", "inspect", image], env, timeout=20).returncode == 0


def engine_problem(env: dict) -> str | None:
    """None when a Docker engine answers, else why not and what to do (for the build command and
    for the service, which then keeps the code domain off)."""
    try:
        info = _docker(["version", "--format", "{{.Server.Version}}"], env, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run the docker command line ({exc}); install Docker first"
    if info.returncode != 0:
        return (
            f"the Docker engine is not reachable: {info.stderr.strip()[:300]}; start it, or point "
            "DOCKER_HOST (REWARD_SANDBOX_DOCKER_HOST for the service) at one"
        )
    return None


def _local_base(mirror: str, env: dict, log: Callable[[str], None]) -> str:
    if image_exists(LOCAL_BASE, env):
        return LOCAL_BASE
    if os.geteuid() != 0 or not shutil.which("debootstrap"):
        raise ValueError(
            "no registry answered and building a base offline needs root and debootstrap "
            "(apt-get install debootstrap); or pass --base registry where one is reachable"
        )
    log(f"building {LOCAL_BASE} with debootstrap from {mirror} (about a minute)")
    with tempfile.TemporaryDirectory(prefix="prorl-rootfs-") as root:
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=python3", "bookworm", root, mirror],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise ValueError(f"debootstrap from {mirror} failed: {(done.stdout + done.stderr)[-1500:]}")
        subprocess.run(["sh", "-c", "rm -rf " + " ".join(_SLIM)], cwd=root, check=True)
        Path(root, "etc/dpkg/dpkg.cfg.d/01-nodoc").write_text(_NODOC)
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        done = subprocess.run(
            ["docker", "import", "-", LOCAL_BASE], stdin=tar.stdout, env=env, capture_output=True, text=True
        )
        tar.wait()
        if done.returncode != 0:
            raise ValueError(f"docker import failed: {done.stderr.strip()}")
    return LOCAL_BASE


def base_image(stock: str, base: str, mirror: str, env: dict, log: Callable[[str], None]) -> str:
    """`stock` when a registry has it (or it is already here), else the offline Debian base;
    `base` is auto, registry (stock or fail) or debootstrap (offline only)."""
    if base in ("auto", "registry"):
        if image_exists(stock, env):
            return stock
        log(f"pulling {stock}")
        pulled = _docker(["pull", stock], env, timeout=600)
        if pulled.returncode == 0:
            return stock
        if base == "registry":
            raise ValueError(f"docker pull {stock} failed: {pulled.stderr.strip()}")
        log(f"no registry ({pulled.stderr.strip()[:120]}); building the base offline")
    return _local_base(mirror, env, log)


def docker_build(
    tag: str,
    context: Path,
    env: dict,
    log: Callable[[str], None],
    dockerfile: Path | None = None,
    build_args: dict | None = None,
    labels: dict | None = None,
    timeout: float = 1800,
) -> None:
    """`docker build --network host` (so RUN steps reach the package mirrors), failing with the
    build's last output."""
    command = ["docker", "build", "--network", "host", "-t", tag]
    for key, value in (build_args or {}).items():
        command += ["--build-arg", f"{key}={value}"]
    for key, value in (labels or {}).items():
        command += ["--label", f"{key}={value}"]
    if dockerfile is not None:
        command += ["-f", str(dockerfile)]
    log(f"building {tag}")
    done = subprocess.run([*command, str(context)], env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise ValueError(f"docker build of {tag} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    log(f"built {tag}")


def build(
    languages=LANGUAGES,
    base: str = "auto",
    mirror: str = DEFAULT_MIRROR,
    force: bool = False,
    docker_host: str | None = None,
    log: Callable[[str], None] = print,
) -> list[str]:
    """Build the sandbox images that are missing (all with `force`); returns their tags."""
    env = docker_env(docker_host)
    problem = engine_problem(env)
    if problem:
        raise ValueError(problem)
    tags = []
    for language in languages:
        tag = image_tag(language)
        tags.append(tag)
        if image_exists(tag, env) and not force:
            log(f"{tag} is already built")
            continue
        base_tag = base_image(STOCK_BASES[language], base, mirror, env, log)
        with tempfile.TemporaryDirectory(prefix="prorl-image-") as context:
            shutil.copy(_dockerfile(language), Path(context) / "Dockerfile")
            shutil.copytree(INSIDE, Path(context) / "inside", ignore=shutil.ignore_patterns("__pycache__"))
            docker_build(
                tag, Path(context), env, log, build_args={"BASE_IMAGE": base_tag}, labels={"prorl.sandbox.image": "1"}
            )
        remove_older(tag, env, log)
    return tags


def remove_older(tag: str, env: dict, log: Callable[[str], None], keep: tuple[str, ...] = ()) -> None:
    """Older builds of this image are dead weight (hundreds of MB each); ones still in use stay."""
    repo = tag.partition(":")[0]
    listed = _docker(["images", repo, "--format", "{{.Repository}}:{{.Tag}}"], env)
    for old in set(listed.stdout.split()) - {tag, *keep}:
        if _docker(["rmi", old], env).returncode == 0:
            log(f"removed the older {old}")
