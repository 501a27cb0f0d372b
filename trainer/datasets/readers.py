"""Reading public datasets as they lie on disk: JSONL, a JSON list, or parquet (via pyarrow,
imported only for parquet files). Every reader yields `(where, row)` so that an error can name
the place to look: `file:line` for JSONL, `file:row N` (1-based) for parquet and JSON lists."""

import json
from collections.abc import Iterator
from pathlib import Path

from trainer.data import jsonl_records

__all__ = ["read_records", "FILE_KINDS"]

FILE_KINDS = (".jsonl", ".json", ".parquet")


def _json(path: Path) -> Iterator[tuple[str, object]]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # a .json file that is really JSON lines
            yield from jsonl_records(path)
            return
        raise ValueError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if isinstance(data, dict):  # {"data": [...]} / {"rows": [...]}: one list-valued key
        lists = [value for value in data.values() if isinstance(value, list)]
        if len(lists) != 1:
            raise ValueError(f"{path}: expected a JSON list of rows (or an object holding exactly one list)")
        data = lists[0]
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of rows, got {type(data).__name__}")
    for number, row in enumerate(data, start=1):
        yield f"{path}:row {number}", row


def _parquet(path: Path) -> Iterator[tuple[str, object]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError(f'{path}: reading parquet needs pyarrow: pip install "prorl[data]"') from None
    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            number += 1
            yield f"{path}:row {number}", row


_READERS = {".jsonl": jsonl_records, ".json": _json, ".parquet": _parquet}


def read_records(path: str | Path) -> Iterator[tuple[str, object]]:
    """`(where, row)` for every row of a .jsonl, .json or .parquet file (by its suffix)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise ValueError(f"{path}: unknown file type {suffix or '(none)'!r}; valid: {', '.join(FILE_KINDS)}")
    return _READERS[suffix](path)
