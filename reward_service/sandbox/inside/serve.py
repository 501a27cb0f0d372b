"""The program's own process for call and assert tests: `serve.py SOURCE ENTRY_POINT FD_IN FD_OUT
SANDBOXED`.
Runs the program once as module `solution` (its `if __name__ == "__main__"` block does not run),
then answers call requests from the judge, one JSON line each way, with tagged values (codec.py).
Everything it sends is only a value: the verdict is made in the judge's process."""

import builtins
import json
import os
import site
import sys
import traceback

from codec import decode, encode
from common import first_to_die


def main() -> None:
    """Load the program as module `solution`, then answer the judge's calls (one JSON line each) until EOF."""
    source_path, entry_point, fd_in, fd_out, sandboxed = sys.argv[1:6]
    if sandboxed == "1":
        first_to_die()
    calls, results = os.fdopen(int(fd_in), "rb"), os.fdopen(int(fd_out), "wb")
    sys.argv, sys.path[0] = [source_path], os.path.dirname(source_path)
    sys.set_int_max_str_digits(0)
    site.setquit()  # exit() and quit(), which python3 -S leaves out
    namespace = {"__name__": "solution", "__file__": source_path, "__builtins__": builtins}

    def reply(obj) -> None:
        results.write(json.dumps(obj).encode() + b"\n")
        results.flush()

    try:
        with open(source_path, encoding="utf-8", errors="surrogateescape") as f:
            exec(compile(f.read(), source_path, "exec"), namespace)
        eval(entry_point, namespace)
    except BaseException as exc:
        reply({"load_error": _describe(exc), "memory": isinstance(exc, MemoryError)})
        return
    reply({"loaded": True})
    for line in calls:
        try:
            request = json.loads(line)
            function = eval(entry_point, namespace)
            value = function(*decode(request["args"]), **decode(request["kwargs"]))
            payload = {"ok": encode(value)}
            message = json.dumps(payload)
        except BaseException as exc:
            message = json.dumps(
                {"raised": _describe(exc), "type": type(exc).__name__, "memory": isinstance(exc, MemoryError)}
            )
        results.write(message.encode() + b"\n")
        results.flush()


def _describe(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return "".join(lines).strip()[-400:]


if __name__ == "__main__":
    main()
