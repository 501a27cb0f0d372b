"""Which halves of prorl are installed here, read from the installed package's own metadata
(pyproject's extras are the one list), so a command can say which extra to install instead of
failing on an import deep inside."""

import importlib.metadata as metadata
import re

__all__ = ["HALVES", "MissingExtra", "missing", "require"]

# What each extra brings, as a user would name it.
HALVES = {"service": "the reward service", "train": "the trainer", "data": "the dataset builders"}


class MissingExtra(Exception):
    """A command needs an extra that is not installed; the message says what to install."""


def missing(extra: str) -> list[str]:
    """The distributions of `extra` that are not installed (an empty list when all are, or when
    prorl itself is not installed, e.g. run from a checkout: then imports tell)."""
    try:
        requires = metadata.requires("prorl") or []
    except metadata.PackageNotFoundError:
        return []
    absent = []
    for requirement in requires:
        spec, _, marker = requirement.partition(";")
        if not re.search(rf"""extra\s*==\s*['"]{re.escape(extra)}['"]""", marker):
            continue
        name = re.match(r"\s*([A-Za-z0-9._-]+)", spec).group(1)
        if name == "prorl":  # an extra made of other extras, e.g. data = prorl[service] + pyarrow
            for nested in re.findall(r"[A-Za-z0-9_-]+", spec.partition("[")[2].partition("]")[0]):
                absent += missing(nested)
            continue
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            absent.append(name)
    return absent


def require(extra: str, what: str) -> None:
    """Raise MissingExtra naming the pip command when `extra` is not fully installed."""
    absent = missing(extra)
    if absent:
        raise MissingExtra(
            f"{what} needs {HALVES[extra]}, which is not installed here (missing: "
            f'{", ".join(absent)}): pip install "prorl[{extra}]"'
        )
