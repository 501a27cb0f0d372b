"""What every converter shares: the `Format` record a domain module registers per public dataset
layout, the `BadRow` error a converter raises for a row it cannot use, and small field readers
whose errors name the field and what the format needs."""

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["BadRow", "Format", "Converted", "need", "need_text", "first_text", "row_id"]

# (prompt messages, reference, extra keys for the row)
Converted = tuple[list[dict], dict, dict]


class BadRow(Exception):
    """A row this format cannot use. The message starts with the field, e.g. "field 'answer' is
    missing (math rows need problem and answer)"; the caller adds the file and line."""

    def __init__(self, field: str, problem: str, hint: str = ""):
        self.field = field
        super().__init__(f"field {field!r} {problem}" + (f" ({hint})" if hint else ""))


@dataclass(frozen=True)
class Format:
    """One public layout of a domain's data. `detect(row)` says whether a file whose first row is
    `row` has this layout; `convert(row, options)` turns one row into a training row or raises
    BadRow."""

    name: str
    description: str
    detect: Callable[[dict], bool]
    convert: Callable[[dict, dict], Converted]


def need(row: dict, field: str, hint: str):
    """`row[field]`, or BadRow saying it is missing (with `hint`)."""
    value = row.get(field)
    if value is None:
        raise BadRow(field, "is missing", hint)
    return value


def need_text(row: dict, field: str, hint: str) -> str:
    """A non-empty string field; numbers (an answer of 42) become their text."""
    value = need(row, field, hint)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadRow(field, f"must be a string, got {type(value).__name__}", hint)
    text = str(value).strip()
    if not text:
        raise BadRow(field, "is empty", hint)
    return text


def first_text(row: dict, fields: tuple[str, ...], hint: str) -> str:
    """The first of `fields` the row has (e.g. `problem`, else `question`)."""
    for field in fields:
        if row.get(field) is not None:
            return need_text(row, field, hint)
    raise BadRow(fields[0], "is missing", hint)


def row_id(row: dict, *fields: str) -> dict:
    """`{"id": ...}` from the first id-like field the row has, else nothing."""
    for field in fields:
        value = row.get(field)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return {"id": value}
    return {}
