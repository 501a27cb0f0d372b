"""The pristine warm parent: `forkserver.py FD`, started by the runner when its container starts
(and again whenever it dies). It imports the zygote's code once and then only forks: per job the
runner sends {work, language, sandboxed} and two pipe ends over the socket FD, and the fork
becomes that job's zygote (zygote.py) talking over those pipes. A fork costs about 1 ms where a
fresh interpreter costs about 20 ms: the difference between ~80 and ~200+ jobs/s on 2 cores.

It is pristine because it never holds a test, never runs a program and never reads anything a
program wrote: its forks start from the state it had at start-up. A program runs as the same
uid and so can signal it (kill or stop it) or change its resource limits and scheduling
(priority, CPU affinity, policy, I/O priority); it cannot trace it or read or write its memory
(non-dumpable). The runner checks it after every job (alive, not stopped, all of those
unchanged) and replaces it otherwise, so no job inherits what another did.
"""

import json
import os
import signal
import site
import socket
import sys

import zygote
from common import dumpable


def serve(sock: socket.socket) -> None:
    """Fork one zygote per request arriving on `sock` (with its two pipe ends) until the socket closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps its zygotes
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a program's SIGINT ends it quietly; the runner replaces it
    sock.send(b'{"ready": true}')
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 4096, 2)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the zygote waits for its own children
                signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any python3
                sock.close()
                os.chdir(request["work"])
                zygote.serve(
                    os.fdopen(fds[0], "rb"),
                    os.fdopen(fds[1], "wb"),
                    request["work"],
                    request["language"],
                    request["sandboxed"],
                )
                code = 0
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    dumpable(False)
    site.setquit()  # exit() and quit(), which python3 -S leaves out and programs do call
    serve(socket.socket(fileno=int(sys.argv[1])))
