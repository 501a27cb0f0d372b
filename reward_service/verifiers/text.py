"""Text helpers every domain shares: the reasoning-model convention and `\\boxed{}` extraction.

All scans here are linear in the text length (no backtracking regexes), so they are safe to run
on hostile model output.
"""

__all__ = ["final_text", "boxed_spans", "last_boxed"]

_BOX_COMMANDS = ("\\boxed", "\\fbox")


def final_text(response: str) -> str | None:
    """The part of a response that is graded, or None when the model never finished thinking.

    With `</think>` present, only what follows the last one counts; an opened `<think>` that is
    never closed means the model produced no answer.
    """
    close = response.rfind("</think>")
    if close >= 0:
        return response[close + len("</think>") :]
    if "<think>" in response:
        return None
    return response


def _braced(text: str, start: int) -> int | None:
    """Index just past the group that opens with `{` at `start`; `\\{` and `\\}` do not count."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def boxed_spans(text: str) -> list[tuple[int, int, str]]:
    """Every `\\boxed{...}` / `\\fbox{...}` (or `\\boxed 5`) as (start, end, content), in order."""
    spans = []
    i = 0
    found = {cmd: text.find(cmd) for cmd in _BOX_COMMANDS}  # next place of each, -1 once none is left
    while True:
        for cmd, pos in found.items():
            if 0 <= pos < i:  # searched again only when passed: each command's scan stays linear
                found[cmd] = text.find(cmd, i)
        starts = [(pos, cmd) for cmd, pos in found.items() if pos >= 0]
        if not starts:
            return spans
        pos, cmd = min(starts)
        j = pos + len(cmd)
        if text.startswith("{", j):
            end = _braced(text, j)
            if end is None:
                return spans
            spans.append((pos, end, text[j + 1 : end - 1]))
            i = end
        elif text.startswith(" ", j):
            k = j + 1
            while k < len(text) and text[k] not in " $\n":
                k += 1
            if k > j + 1:
                spans.append((pos, k, text[j + 1 : k]))
            i = k
        else:
            i = j


def last_boxed(text: str) -> str | None:
    """The content of the last `\\boxed{}` in `text`, or None."""
    spans = boxed_spans(text)
    return spans[-1][2] if spans else None
