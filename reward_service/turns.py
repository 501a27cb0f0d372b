"""Round robin between requests: each request queues its own work, and work is handed out one
piece per request in turn, so a one-item request is served next instead of behind every chunk
of a 4,096-item batch that came first. Used by the checker pool (threads) and the sandbox pool
(asyncio); neither locking nor waiting is done here.

A piece of work holds a turn while it runs; a piece still running after SLOW_AFTER_S gives its
turn back early, and a spare worker or container takes the next piece, so slow work cannot hold
every turn.
"""

from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["Turns", "Turn", "SLOW_AFTER_S"]

SLOW_AFTER_S = 0.5  # work running longer no longer holds a turn


class Turns:
    """Queues of work per owner (a request), popped round robin."""

    def __init__(self):
        self._queues: OrderedDict[object, deque] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self._queues)

    def push(self, owner, work) -> None:
        """Queue `work` behind `owner`'s earlier work."""
        self._queues.setdefault(owner, deque()).append(work)

    def pop(self):
        """The next request's oldest piece of work (that request then goes to the back)."""
        owner, queue = next(iter(self._queues.items()))
        work = queue.popleft()
        if queue:
            self._queues.move_to_end(owner)
        else:
            del self._queues[owner]
        return work

    def drain(self) -> list:
        """All queued work, taken out."""
        work = [w for queue in self._queues.values() for w in queue]
        self._queues.clear()
        return work


class Turn:
    """One piece of work's turn, given back once: when the work turns slow, or when it is done."""

    def __init__(self, give: Callable[[], None]):
        self._give = give
        self.held = True

    def give(self) -> None:
        """Give the turn back; later calls do nothing."""
        if self.held:
            self.held = False
            self._give()
