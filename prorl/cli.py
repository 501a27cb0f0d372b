"""The `prorl` command. Each half adds its own subcommands and imports its stack only when one of
them runs, so a machine with only the service (or only the trainer) installed runs its half, and a
command of the other half says which extra to install (exit code 2).

  serve, sandbox build|proxy       the reward service (reward_service/cli.py)
  train, eval, plot, data          the trainer (trainer/cli.py)
  images build                     every image of the stack (prorl/images.py)
"""

import argparse
import sys

from prorl import __version__
from prorl.extras import MissingExtra, require
from reward_service.cli import add_build_options
from reward_service.cli import add_commands as add_service_commands
from trainer.cli import add_commands as add_trainer_commands

__all__ = ["main", "build_parser"]


def _images_build(args: argparse.Namespace) -> None:
    from prorl.images import ALL, build_images

    build_images(
        args.names or ALL,
        base=args.base,
        mirror=args.mirror,
        force=args.force,
        docker_host=args.docker_host,
        torch_index=args.torch_index,
        log=lambda msg: print(f"prorl images build: {msg}", flush=True),
    )


def _add_images(sub) -> None:
    images = sub.add_parser("images", help="the stack's Docker images (sandboxes, reward service, trainer)")
    images_sub = images.add_subparsers(dest="images_command", required=True)
    build = images_sub.add_parser("build", help="build every image that is missing (compose.yaml runs them)")
    build.add_argument("names", nargs="*", help="sandbox-python, sandbox-cpp, reward, trainer (default: all)")
    add_build_options(build)
    build.add_argument(
        "--torch-index",
        default=None,
        help="the trainer's torch index: a CUDA one (https://download.pytorch.org/whl/cu128), or '' for "
        "PyPI's CUDA build (default: the CPU build)",
    )
    build.set_defaults(run=_images_build, extra=None)


def build_parser() -> argparse.ArgumentParser:
    """The `prorl` argument parser: the service's and the trainer's commands, and `images`."""
    parser = argparse.ArgumentParser(prog="prorl", description="Prolonged RL with verifiable rewards.")
    parser.add_argument("--version", action="version", version=f"prorl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_service_commands(sub)
    add_trainer_commands(sub)
    _add_images(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of `prorl`: check the command's extra is installed, then run the command."""
    args = build_parser().parse_args(argv)
    try:
        if args.extra:
            require(args.extra, f"prorl {args.command}")
    except MissingExtra as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    if args.extra == "train":
        from trainer.cli import configure_logging

        configure_logging()
    try:
        args.run(args)
    except ValueError as exc:  # bad config or data: the message says what to fix, no traceback needed
        sys.exit(f"prorl {args.command}: {exc}")


if __name__ == "__main__":
    main()
