"""The HTTP server under the app: uvicorn, with the connection limits it lacks.

uvicorn times out idle kept-alive connections but not a connection that never sends a request,
nor one that sends its headers a byte at a time, and it caps concurrency only once a request has
arrived: 1,100 silent connections exhaust a 1,024-file limit and the service stops answering,
with nothing logged. `GuardedHttp` closes a connection that has not sent complete headers within
REWARD_HEADER_TIMEOUT_S and any connection past REWARD_MAX_CONNECTIONS (logging each refusal,
at most once a second); `raise_file_limit` lifts the soft file limit to the hard one at start-up.
Request bodies are timed by reward_service.gate.
"""

import asyncio
import logging
import resource
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from reward_service.config import get_settings

__all__ = ["GuardedHttp", "raise_file_limit"]

log = logging.getLogger(__name__)


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a connection cap and a header timeout (module docstring)."""

    _refused = 0  # connections refused since the last log line (per process)
    _logged_at = 0.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = get_settings()  # cached: read once per process from REWARD_* variables
        self.max_connections = settings.max_connections
        self.header_timeout_s = settings.header_timeout_s
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        """Refuse a connection past the cap; otherwise its headers must come in time."""
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self._refuse()
            transport.close()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop timing a closed connection."""
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        """A request begins: time its headers."""
        super().on_message_begin()
        self._arm()  # a request has begun: its headers must all come in time

    def on_headers_complete(self) -> None:
        """The headers came in time."""
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is None or self.cycle.response_complete:  # no request is being served
            self.transport.close()
        else:  # a pipelined request's headers are trickling in behind one being served: look again later
            self._arm()

    def _refuse(self) -> None:
        cls = type(self)
        cls._refused += 1
        now = time.monotonic()
        if now - cls._logged_at >= 1.0:
            log.warning(
                "refused %d connection(s): %d are open, the most REWARD_MAX_CONNECTIONS allows",
                cls._refused,
                len(self.connections) - 1,
            )
            cls._refused, cls._logged_at = 0, now


def raise_file_limit() -> int:
    """Lift this process's soft limit on open files to its hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d: %s", soft, exc)
    return soft
