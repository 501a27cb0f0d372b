"""The reward service's subcommands of `prorl` (the entry point is prorl/cli.py): `serve`, and
`sandbox build` / `sandbox proxy` for the code domain. Only the standard library is imported here;
each command imports what it runs."""

import argparse
import copy
import errno
import os
import signal
import socket
import sys
import tempfile

from reward_service.sandbox.images import DEFAULT_MIRROR  # these two import the standard library only
from reward_service.sandbox.proxy import Policy

__all__ = ["add_commands", "add_build_options"]


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from reward_service.config import get_settings
    from reward_service.server import GuardedHttp, raise_file_limit

    if args.workers < 1:
        raise ValueError("--workers must be at least 1")
    settings = get_settings()
    _check_port_free(args.host, args.port)
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each server process keeps its own counters; /metrics must add them up.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="prorl-metrics-")
    raise_file_limit()  # server processes inherit it
    # uvicorn re-raises SIGTERM once it has shut down gracefully; a drained stop is a clean exit.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    uvicorn.run(
        "reward_service.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=_log_config(),
        http=GuardedHttp,
        timeout_keep_alive=settings.keep_alive_s,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
        backlog=min(2048, settings.max_connections),
    )


def _log_config() -> dict:
    """uvicorn's logging, all of it on stdout (a container's log), with the service's own loggers
    (the pools' warnings and errors) formatted alike instead of falling to Python's last resort."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["handlers"]["default"]["stream"] = "ext://sys.stdout"
    config["loggers"]["reward_service"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _check_port_free(host: str, port: int) -> None:
    """uvicorn reports a taken port as a bare errno line; say what to do instead."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ValueError(
                    f"port {port} on {host} is already taken (another `prorl serve`?); "
                    "pick a free one with --port, or stop what holds it"
                ) from None
            raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _sandbox_build(args: argparse.Namespace) -> None:
    from reward_service.sandbox.images import LANGUAGES, build

    unknown = set(args.languages) - set(LANGUAGES)
    if unknown:
        raise ValueError(f"unknown language {sorted(unknown)[0]!r}; valid: {', '.join(LANGUAGES)}")
    build(
        args.languages or LANGUAGES,
        base=args.base,
        mirror=args.mirror,
        force=args.force,
        docker_host=args.docker_host,
        log=lambda msg: print(f"prorl sandbox build: {msg}", flush=True),
    )


def _sandbox_proxy(args: argparse.Namespace) -> None:
    from reward_service.sandbox.proxy import serve

    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--listen must be HOST:PORT, got {args.listen!r}")
    serve(
        host,
        int(port),
        args.docker_socket,
        Policy(
            max_containers=args.max_containers,
            max_memory_mb=args.max_memory_mb,
            max_cpus=args.max_cpus,
            max_pids=args.max_pids,
        ),
    )


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """Where an image's base comes from, rebuilding, and the engine (shared with `prorl images build`)."""
    parser.add_argument(
        "--base",
        default="auto",
        choices=["auto", "registry", "debootstrap"],
        help="auto: a stock base from a registry when one answers, else debootstrap",
    )
    parser.add_argument("--mirror", default=DEFAULT_MIRROR, help="Debian mirror for debootstrap")
    parser.add_argument("--force", action="store_true", help="rebuild even when the image exists")
    parser.add_argument("--docker-host", default=None, help="DOCKER_HOST, if not the default engine")


def add_commands(sub) -> None:
    """Add `serve` and `sandbox build|proxy` to prorl's subcommands."""
    serve = sub.add_parser("serve", help="run the reward service (settings: REWARD_* environment variables)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 for all)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes; each runs REWARD_POOL_SIZE checkers")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(run=_serve, extra="service")

    sandbox = sub.add_parser("sandbox", help="the code domain's Docker sandboxes")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    build = sandbox_sub.add_parser("build", help="build the sandbox images that are missing")
    build.add_argument("languages", nargs="*", help="python, cpp (default: both)")
    add_build_options(build)
    build.set_defaults(run=_sandbox_build, extra=None)

    proxy = sandbox_sub.add_parser(
        "proxy",
        help="a Docker API gate that lets a containerised service start sandboxes and nothing else",
        description="Listens on TCP for the reward service's Docker calls and passes to the Docker socket only "
        "those the sandbox pool makes, each container checked against the sandbox's isolation flags "
        "(see reward_service/sandbox/proxy.py). Point the service at it with "
        "REWARD_SANDBOX_DOCKER_HOST=tcp://HOST:PORT.",
    )
    proxy.add_argument(
        "--listen",
        default="127.0.0.1:2375",
        help="HOST:PORT to listen on; 0.0.0.0 only on a network that the service alone shares",
    )
    proxy.add_argument("--docker-socket", default="/var/run/docker.sock", help="the Docker engine's socket")
    proxy.add_argument(
        "--max-containers",
        type=int,
        default=Policy.max_containers,
        help="most sandboxes alive at once (default %(default)s)",
    )
    proxy.add_argument(
        "--max-memory-mb",
        type=int,
        default=Policy.max_memory_mb,
        help="most memory one sandbox may ask for (default %(default)s)",
    )
    proxy.add_argument(
        "--max-cpus",
        type=float,
        default=Policy.max_cpus,
        help="most CPUs one sandbox may ask for (default %(default)s)",
    )
    proxy.add_argument(
        "--max-pids",
        type=int,
        default=Policy.max_pids,
        help="most processes one sandbox may ask for (default %(default)s)",
    )
    proxy.set_defaults(run=_sandbox_proxy, extra=None)
