"""Turning a public dataset file into training rows: pick the format (from the first row's keys,
or `--format`), convert row by row, validate each reference against its domain's model in the reward
service, and account for every row.

A row that cannot be used is never dropped silently: with `on_error="fail"` the first one stops
the run with an error naming the file, line (or row) and field; with `"skip"` the report counts
the skipped rows per reason and keeps the first few locations of each.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from reward_service.verifiers import get_domain
from trainer.data import Row
from trainer.datasets.base import BadRow, Format
from trainer.datasets.readers import read_records

__all__ = ["ON_ERROR", "Report", "convert_files", "detect_format"]

ON_ERROR = ("fail", "skip")
SHOWN_LOCATIONS = 5


@dataclass
class Report:
    """What a conversion produced: the rows, the format used per file, and the rows skipped, why and where."""

    rows: list[Row] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> format used
    skipped: Counter = field(default_factory=Counter)  # reason -> rows
    locations: dict[str, list[str]] = field(default_factory=dict)  # reason -> first few places

    def skip(self, reason: str, where: str) -> None:
        """Count one skipped row, keeping the first few places per reason."""
        self.skipped[reason] += 1
        shown = self.locations.setdefault(reason, [])
        if len(shown) < SHOWN_LOCATIONS:
            shown.append(where)

    def summary(self, out: str | Path) -> str:
        """What was written to `out`, and what was skipped, why and where, for the terminal."""
        formats = ", ".join(f"{Path(f).name} as {name}" for f, name in self.formats.items())
        lines = [f"wrote {len(self.rows)} rows to {out} ({formats})"]
        total = sum(self.skipped.values())
        if total:
            lines.append(f"skipped {total} rows:")
            for reason, count in self.skipped.most_common():
                more = " ..." if count > len(self.locations[reason]) else ""
                lines.append(f"  {count} x {reason} (at {', '.join(self.locations[reason])}{more})")
        return "\n".join(lines)


def detect_format(formats: dict[str, Format], row, path) -> Format:
    """The format whose `detect` accepts the first `row` of `path`, or ValueError asking for --format."""
    keys = sorted(row) if isinstance(row, dict) else []
    for fmt in dict.fromkeys(formats.values()):  # "taco" and "apps" are one format
        if isinstance(row, dict) and fmt.detect(row):
            return fmt
    raise ValueError(
        f"{path}: cannot tell the format from the first row's keys {keys[:12]}; pass --format "
        f"(valid: {', '.join(formats)})"
    )


def _convert_row(fmt: Format, row, options: dict, domain: str, model) -> Row:
    if not isinstance(row, dict):
        raise BadRow("(row)", f"must be a JSON object, got {type(row).__name__}")
    prompt, reference, extra = fmt.convert(row, options)
    try:
        model.model_validate(reference)
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(p) for p in first["loc"])
        raise BadRow(
            "reference", f"is not a valid {domain} reference ({place + ': ' if place else ''}{first['msg']})"
        ) from None
    return Row(prompt, domain, reference, {**extra, "source": fmt.name})


def convert_files(
    domain: str,
    formats: dict[str, Format],
    paths: list[str | Path],
    fmt: str | None = None,
    on_error: str = "fail",
    limit: int = 0,
    shuffle: bool = False,
    seed: int = 0,
    options: dict | None = None,
) -> Report:
    """Convert every row of `paths`; a bad row stops the run (on_error fail) or is skipped and counted (skip)."""
    if on_error not in ON_ERROR:
        raise ValueError(f"unknown on_error {on_error!r}; valid: {', '.join(ON_ERROR)}")
    if fmt is not None and fmt not in formats:
        raise ValueError(f"unknown {domain} format {fmt!r}; valid: {', '.join(formats)}")
    if limit < 0:
        raise ValueError(f"--limit must be 0 (all) or more, got {limit}")
    options = options or {}
    model = get_domain(domain).reference
    report = Report()
    for path in paths:
        chosen = formats[fmt] if fmt else None
        for where, row in read_records(path):
            if chosen is None:
                chosen = detect_format(formats, row, path)
            report.formats[str(path)] = chosen.name
            try:
                report.rows.append(_convert_row(chosen, row, options, domain, model))
            except BadRow as exc:
                if on_error == "fail":
                    raise ValueError(f"{where}: {exc}") from None
                report.skip(str(exc), where)
            if limit and not shuffle and len(report.rows) >= limit:
                return report
        if chosen is None:
            raise ValueError(f"{path}: no rows")
    if shuffle:
        random.Random(seed).shuffle(report.rows)
    if limit:
        del report.rows[limit:]
    return report
