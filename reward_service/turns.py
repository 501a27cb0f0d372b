"""Round robin between requests: each request queues its own work, and work is handed out one
piece per request in turn, so a one-item request is served next instead of behind every chunk
of a 4,096-item batch that came first. Used by the checker pool (threads) and the sandbox pool
(asyncio); neither locking nor waiting is done here."""

from collections import OrderedDict, deque

__all__ = ["Turns"]


class Turns:
    def __init__(self):
        self._queues: OrderedDict[object, deque] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self._queues)

    def push(self, owner, work) -> None:
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
