"""Offline training sets for the five domains (`prorl data`): converters from the common public
dataset layouts on disk, Reasoning Gym generation for logic, the ProRL prompt templates, and
built-in sample sets.

`CONVERTERS` maps a domain to its formats (name -> Format); `convert(domain, paths, ...)` writes
nothing itself, it returns the rows and a report of what was skipped and why.
"""

from pathlib import Path

from trainer.datasets import code, instruction, logic, math, stem
from trainer.datasets.base import BadRow, Format
from trainer.datasets.builtin import SAMPLE_DOMAINS, sample_file, sample_rows, write_samples
from trainer.datasets.convert import ON_ERROR, Report, convert_files
from trainer.datasets.readers import read_records

__all__ = [
    "CONVERTERS",
    "ON_ERROR",
    "SAMPLE_DOMAINS",
    "BadRow",
    "Format",
    "Report",
    "convert",
    "get_formats",
    "logic",
    "read_records",
    "sample_file",
    "sample_rows",
    "write_samples",
]

CONVERTERS: dict[str, dict[str, Format]] = {module.DOMAIN: module.FORMATS for module in (math, code, stem, instruction)}


def get_formats(domain: str) -> dict[str, Format]:
    """The formats `domain` converts from; an unknown domain raises ValueError listing the valid ones."""
    try:
        return CONVERTERS[domain]
    except KeyError:
        hint = " (logic rows are generated: prorl data logic)" if domain == "logic" else ""
        raise ValueError(f"unknown domain {domain!r} to convert{hint}; valid: {', '.join(CONVERTERS)}") from None


def convert(
    domain: str,
    paths: list[str | Path],
    fmt: str | None = None,
    on_error: str = "fail",
    limit: int = 0,
    shuffle: bool = False,
    seed: int = 0,
    options: dict | None = None,
) -> Report:
    """Training rows from public dataset files of `domain` (formats autodetected per file unless
    `fmt` is given); see convert.convert_files."""
    return convert_files(
        domain,
        get_formats(domain),
        [paths] if isinstance(paths, (str, Path)) else list(paths),
        fmt=fmt,
        on_error=on_error,
        limit=limit,
        shuffle=shuffle,
        seed=seed,
        options=options,
    )
