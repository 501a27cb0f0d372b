"""Values across the sandbox boundary: the judge sends a call's arguments to the program's
process and gets its return value back as tagged JSON, never pickle (unpickling what a program
sent would run its code in the judge). Tuples, sets, dicts with any keys, bytes and non-finite
floats keep their types, so `candidate(x) == (1, 2)` means the same as in one process. A value
of any other type comes back as an `Opaque` that equals nothing."""

import base64
import math

__all__ = ["encode", "decode", "Opaque"]


class Opaque:
    """A returned value of a type the codec does not carry: shown by type and repr, equal to nothing."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __eq__(self, other):
        return False

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<{self.type_name} {self.text}>"


def encode(value):
    """`value` as tagged JSON: tuples, sets, dicts, bytes and non-finite floats keep their types."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$f": repr(value)}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$s" if isinstance(value, set) else "$fs": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"$d": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    return {"$o": type(value).__name__, "r": repr(value)[:200]}


def decode(data):
    """The value `encode` wrote; an unknown tag becomes an Opaque."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    (tag, body), *_ = data.items()
    if tag == "$f":
        return float(body)
    if tag == "$t":
        return tuple(decode(v) for v in body)
    if tag == "$s":
        return {decode(v) for v in body}
    if tag == "$fs":
        return frozenset(decode(v) for v in body)
    if tag == "$d":
        return {decode(k): decode(v) for k, v in body}
    if tag == "$b":
        return base64.b64decode(body)
    return Opaque(str(body), str(data.get("r", "")))
