"""How much work one server process takes on at once: request bodies in flight (bytes) and items
being scored. Past either bound a request is refused with 503 and Retry-After (the client retries
later or elsewhere) instead of queueing without limit. A request that arrives when nothing is in
flight is always let in, so one maximal request can never be refused for ever."""

import ctypes
import ctypes.util
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Busy", "Load", "release_memory"]


class Busy(Exception):
    """Refused for now: the process has as much work in flight as it takes."""


@dataclass
class Load:
    """This process's work in flight (items, request body bytes) against its bounds."""

    max_items: int
    max_bytes: int
    items: int = 0
    bytes: int = 0
    draining: bool = False  # set on SIGTERM: finish what runs, take nothing new

    def take_bytes(self, n: int, own: int = 0) -> bool:
        """Take `n` more bytes for a request that holds `own` already; False when others hold
        bytes and `n` more would pass the bound."""
        if self.bytes > own and self.bytes + n > self.max_bytes:
            return False
        self.bytes += n
        return True

    def give_bytes(self, n: int) -> None:
        """Give back `n` bytes taken with take_bytes."""
        self.bytes -= n

    @contextmanager
    def holding_items(self, n: int):
        """Hold `n` items while the block runs; raises Busy when others hold items and `n` more would pass the bound."""
        if self.items and self.items + n > self.max_items:
            raise Busy(
                f"{self.items} items are being scored here, and {n} more would pass REWARD_MAX_INFLIGHT_ITEMS "
                f"({self.max_items}); retry after Retry-After or on another replica"
            )
        self.items += n
        try:
            yield
        finally:
            self.items -= n


def _libc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_TRIM = _libc_trim()


def release_memory() -> None:
    """Hand freed heap back to the OS. glibc keeps what big request bodies used, so without this
    a burst of large requests leaves the process gigabytes bigger for good."""
    if _TRIM is not None:
        _TRIM(0)
