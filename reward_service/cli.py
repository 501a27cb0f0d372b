"""The `prorl` command. Subcommands: `serve` (the reward service); `sandbox build` (the code
domain's Docker images); `train`, `eval`, `plot` (the trainer, see trainer/cli.py; they need the
`train` extra installed)."""

import argparse
import os
import sys
import tempfile

__all__ = ["main"]


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each server process keeps its own counters; /metrics must add them up.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="prorl-metrics-")
    uvicorn.run(
        "reward_service.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        timeout_graceful_shutdown=10,
    )


def _sandbox_build(args: argparse.Namespace) -> None:
    from reward_service.sandbox.images import LANGUAGES, build

    unknown = set(args.languages) - set(LANGUAGES)
    if unknown:
        raise ValueError(f"unknown language {sorted(unknown)[0]!r}; valid: {', '.join(LANGUAGES)}")
    build(args.languages or LANGUAGES, base=args.base, mirror=args.mirror, force=args.force,
          docker_host=args.docker_host, log=lambda msg: print(f"prorl sandbox build: {msg}", flush=True))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prorl", description="Prolonged RL with verifiable rewards.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the reward service (settings: REWARD_* environment variables)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 for all)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes; each runs REWARD_POOL_SIZE checkers")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(run=_serve)
    sandbox = sub.add_parser("sandbox", help="the code domain's Docker sandboxes")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    build = sandbox_sub.add_parser("build", help="build the sandbox images that are missing")
    build.add_argument("languages", nargs="*", help="python, cpp (default: both)")
    build.add_argument("--base", default="auto", choices=["auto", "registry", "debootstrap"],
                       help="auto: a stock base from a registry when one answers, else debootstrap")
    build.add_argument("--mirror", default="http://deb.debian.org/debian", help="Debian mirror for debootstrap")
    build.add_argument("--force", action="store_true", help="rebuild even when the image exists")
    build.add_argument("--docker-host", default=None, help="DOCKER_HOST, if not the default engine")
    build.set_defaults(run=_sandbox_build)
    from trainer.cli import add_commands

    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command not in ("serve", "sandbox"):
        from trainer.cli import configure_logging

        configure_logging()
    if getattr(args, "workers", 1) < 1:
        sys.exit("prorl serve: --workers must be at least 1")
    try:
        args.run(args)
    except ValueError as exc:  # bad config or data: the message says what to fix, no traceback needed
        sys.exit(f"prorl {args.command}: {exc}")


if __name__ == "__main__":
    main()
