"""Refusing math answers that would be too costly to parse: over-long, over-nested, or exponent
towers like `10^{10^{10^{10}}}`. A refusal is reported as `timeout`: the answer could not be
checked within limits. Anything that slips through is still stopped by the pool's hard limit."""

__all__ = ["refusal"]

_MAX_NESTING = 40
_MAX_EXPONENT_DEPTH = 2


def _exponent_depth(answer: str) -> int:
    """Deepest stack of exponents: `a^{b^{c^{d}}}` and `a^b^c^d` are 3 deep."""
    groups: list[bool] = []  # for each open brace/paren: is it an exponent group?
    deepest = 0
    chain = 0  # exponents chained at this level without braces, as in 2^2^2
    i = 0
    text = answer.replace("**", "^")
    while i < len(text):
        ch = text[i]
        if ch == "^":
            depth = 1 + sum(groups) + chain
            deepest = max(deepest, depth)
            nxt = text[i + 1 : i + 2]
            if nxt in ("{", "("):
                groups.append(True)
                chain = 0
                i += 2
                continue
            chain += 1
        elif ch in "{(":
            groups.append(False)
            chain = 0
        elif ch in "})":
            if groups:
                groups.pop()
            chain = 0
        elif not (ch.isalnum() or ch in "\\."):
            chain = 0
        i += 1
    return deepest


def _nesting(answer: str) -> int:
    depth = deepest = 0
    for ch in answer:
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})]":
            depth = max(0, depth - 1)
    return deepest


def refusal(answer: str, max_chars: int) -> str | None:
    """Why an answer is refused before parsing (it would not finish in time), or None."""
    if len(answer) > max_chars:
        return f"answer is {len(answer)} characters, over the {max_chars}-character limit; not parsed"
    if _nesting(answer) > _MAX_NESTING:
        return f"answer nests brackets more than {_MAX_NESTING} deep; not parsed"
    if _exponent_depth(answer) > _MAX_EXPONENT_DEPTH:
        return "answer is an exponent tower (3 or more levels); refused before parsing"
    return None
