"""A pool of killable worker processes that score items under a hard wall-clock limit.

Why not threads or SIGALRM: sympy, regexes and user code can run for ever inside C code that no
signal interrupts in time, and SIGALRM only works on a main thread. A process can always be
killed. Each worker scores items one at a time and sends each result back as it finishes; the
parent thread that feeds it knows when the current item started, and when that item overruns its
limit it kills the worker, reports the item as `timeout`, starts a fresh worker and carries on
with the rest of the chunk. A worker that dies while checking an item (or before) gets that item
again once, on a fresh worker; a second death makes it `error`. Workers are forked from a
forkserver that has already imported the verifiers, so a replacement is ready in milliseconds,
and idle workers are checked every second, so one killed while idle is replaced before work
reaches it.

Fairness: items are handed out in small chunks, one chunk per request in turn (round robin), so a
one-item request is served next, not after every chunk of a big batch sent before it. `size`
chunks run at once; a chunk whose item has run past SLOW_AFTER_S gives its turn back and one of
`size` spare workers takes the next chunk, and when that item has to be killed (timeout), the
rest of its chunk goes back in its request's turn, so answers that hang sympy hold no thread for
longer than one timeout while other requests wait.
"""

import asyncio
import logging
import math
import multiprocessing as mp
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reward_service.scoring import Job, Outcome
from reward_service.turns import SLOW_AFTER_S, Turn, Turns
from reward_service.verifiers import base

__all__ = ["CheckerPool"]

_PRELOAD = ["reward_service.preload"]
_IDLE_CHECK_S = 1.0  # how often an idle feeder checks that its worker is alive
MAX_CHUNK = 16  # items per chunk: small, so that another request's turn comes soon
log = logging.getLogger(__name__)


@dataclass
class _Chunk:
    jobs: list[Job]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop
    owner: object  # the request: its chunks take turns with other requests' chunks
    results: list = field(default_factory=list)  # (Verdict, elapsed_s) per job


def _worker_main(conn, memory_mb: int) -> None:
    from reward_service.scoring import check

    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send("ready")
    while True:
        try:
            jobs = conn.recv()
        except EOFError:
            return
        for job in jobs:
            start = time.perf_counter()
            outcome = check(job)
            conn.send((outcome, time.perf_counter() - start))


class _Worker:
    START_TIMEOUT_S = 60

    def __init__(self, ctx, memory_mb: int):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_mb), daemon=True)
        self.process.start()
        child.close()
        try:
            if self.conn.poll(self.START_TIMEOUT_S) and self.conn.recv() == "ready":
                return
        except (EOFError, OSError):
            pass
        self.kill()
        raise RuntimeError(f"a checker process failed to start (exit code {self.process.exitcode})")

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class CheckerPool:
    """`size` killable worker processes (and as many lazy spares) that run checker-domain jobs."""

    def __init__(
        self,
        size: int,
        memory_mb: int = 4096,
        on_restart: Callable[[str], None] | None = None,
    ):
        self.size = size
        self.memory_mb = memory_mb
        self.on_restart = on_restart or (lambda reason: None)
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(_PRELOAD)
        self._cond = threading.Condition()
        self._turns = Turns()  # chunks waiting, per request
        self._free_turns = size  # chunks that may start now
        self._stopped: str | None = None  # why the pool takes no more work, once it does not
        self._started = False
        self._threads: list[threading.Thread] = []
        self._workers: list[_Worker | None] = [None] * (2 * size)  # size regular, then size spares (lazy)
        self.failure: str | None = None  # why start() failed, for /readyz

    @property
    def _closed(self) -> bool:
        return self._stopped is not None

    @property
    def strength(self) -> int:
        """Workers alive now."""
        return sum(1 for w in self._workers if w is not None and w.process.is_alive())

    @property
    def started(self) -> bool:
        """Whether `start` brought the workers up."""
        return self._started

    @property
    def ready(self) -> bool:
        """Started, open, and every regular worker alive (what /readyz reports)."""
        return self._started and not self._closed and self.strength >= self.size

    def start(self) -> None:
        """Start the workers and their feeder threads; on failure the pool answers `error` with why."""
        try:
            for slot in range(self.size):
                self._workers[slot] = _Worker(self._ctx, self.memory_mb)
        except Exception as exc:
            log.error("worker pool failed to start: %s", exc)
            self._stop(f"the checker pool failed to start: {exc}", failure=str(exc))
            return
        for slot in range(2 * self.size):
            thread = threading.Thread(target=self._feed, args=(slot,), daemon=True, name=f"pool-{slot}")
            thread.start()
            self._threads.append(thread)
        self._started = True

    def _stop(self, why: str, failure: str | None = None) -> None:
        """Take no more work; what waits, and what comes later, gets `error` (`why`)."""
        with self._cond:
            self._stopped = self._stopped or why
            self.failure = failure or self.failure
            left = self._turns.drain()
            self._cond.notify_all()
        for chunk in left:
            missing = len(chunk.jobs) - len(chunk.results)
            chunk.results += [(base.error(f"{self._stopped}; item not scored"), 0.0)] * missing
            chunk.loop.call_soon_threadsafe(_resolve, chunk.future, chunk.results)

    def close(self) -> None:
        """Take no more work, answer what waits with `error`, kill the workers."""
        self._stop("the server is shutting down")
        for worker in self._workers:  # first, so that feeders waiting on a slow item return at once
            if worker is not None:
                worker.process.kill()
        for thread in self._threads:
            thread.join(timeout=10)
        for worker in self._workers:
            if worker is not None:
                worker.kill()

    async def run(self, jobs: list[Job]) -> list[Outcome]:
        """Check `jobs`; (verdict or what the verifier raised, elapsed seconds) for each, in order."""
        if not jobs:
            return []
        loop = asyncio.get_running_loop()
        size = max(1, min(MAX_CHUNK, math.ceil(len(jobs) / (self.size * 4))))
        owner = object()
        chunks = [_Chunk(jobs[i : i + size], loop.create_future(), loop, owner) for i in range(0, len(jobs), size)]
        with self._cond:
            if self._closed:
                return [(base.error(f"{self._stopped}; item not scored"), 0.0)] * len(jobs)
            for chunk in chunks:
                self._turns.push(owner, chunk)
            self._cond.notify(len(chunks))
        done = await asyncio.gather(*(c.future for c in chunks))
        return [result for chunk_results in done for result in chunk_results]

    def _take(self) -> "_Chunk | None | bool":
        """The next chunk with a turn; None after an idle second; False once the pool is closed."""
        with self._cond:
            if not self._cond.wait_for(
                lambda: self._closed or (self._turns and self._free_turns > 0), timeout=_IDLE_CHECK_S
            ):
                return None
            if self._closed:
                return False
            self._free_turns -= 1
            return self._turns.pop()

    def _give_turn(self) -> None:
        with self._cond:
            self._free_turns += 1
            self._cond.notify()

    def _discard(self, slot: int) -> None:
        old, self._workers[slot] = self._workers[slot], None
        if old is not None:
            old.kill()

    def _restart(self, slot: int, reason: str | None) -> _Worker:
        """A fresh worker in `slot`; `reason` (for metrics) is None for a spare's first start."""
        if self._closed:
            raise RuntimeError("the server is shutting down")
        self._discard(slot)
        worker = _Worker(self._ctx, self.memory_mb)  # may raise; the slot then stays empty
        self._workers[slot] = worker
        if reason is not None:
            self.on_restart(reason)
        return worker

    def _check_idle(self, slot: int) -> None:
        """Replace this slot's worker now if it died while idle (and fill an empty regular slot)."""
        worker = self._workers[slot]
        if (worker is None and slot < self.size) or (worker is not None and not worker.process.is_alive()):
            if worker is not None:
                log.warning(
                    "checker worker %d died while idle (exit code %s); replacing it", slot, worker.process.exitcode
                )
            try:
                self._restart(slot, "died_idle")
            except Exception as exc:
                log.error("could not replace checker worker %d: %s", slot, exc)

    def _feed(self, slot: int) -> None:
        while True:
            chunk = self._take()
            if chunk is False:
                return
            if chunk is None:
                self._check_idle(slot)
                continue
            turn = Turn(self._give_turn)
            requeued = False
            try:
                if not chunk.future.cancelled():
                    requeued = self._run_chunk(slot, chunk, turn)
            except Exception as exc:  # never leave a request waiting for ever
                if not self._closed:
                    log.exception("worker pool failure")
                missing = len(chunk.jobs) - len(chunk.results)
                chunk.results += [(base.error(f"worker pool failure: {exc!r}"), 0.0)] * missing
                self._discard(slot)
            finally:
                turn.give()
                if not requeued:
                    chunk.loop.call_soon_threadsafe(_resolve, chunk.future, chunk.results)

    def _requeue(self, chunk: _Chunk) -> bool:
        """Put the rest of a chunk back in its request's turn (False when the pool is closed)."""
        with self._cond:
            if self._closed:
                return False
            self._turns.push(chunk.owner, chunk)
            self._cond.notify()
            return True

    def _run_chunk(self, slot: int, chunk: _Chunk, turn: Turn) -> bool:
        """Score the chunk's remaining items; True when the rest was put back in its turn instead
        (an item turned slow and its worker had to be replaced: the thread goes back to the turns,
        so slow items never hold a thread for more than one of them)."""
        retried: set[int] = set()  # items already given a second worker after the first one died
        while len(chunk.results) < len(chunk.jobs):
            worker = self._workers[slot] or self._restart(slot, "replaced" if slot < self.size else None)
            pending = chunk.jobs[len(chunk.results) :]
            try:
                worker.conn.send(pending)
            except (BrokenPipeError, ConnectionResetError, EOFError):  # it died before the chunk reached it
                self._restart(slot, "died_idle")
                continue
            for job in pending:
                result, broken = _next_result(worker, job, turn.give)
                index = len(chunk.results)
                if broken == "died" and index not in retried and not self._closed:
                    log.warning("checker worker died while scoring an item; trying it once more on a fresh worker")
                    retried.add(index)
                    self._restart(slot, "died")
                    break
                chunk.results.append(result)
                if broken:
                    self._restart(slot, broken)
                    if not turn.held and len(chunk.results) < len(chunk.jobs) and self._requeue(chunk):
                        return True
                    break
        return False


def _next_result(
    worker: _Worker, job: Job, on_slow: Callable[[], None]
) -> tuple[tuple[base.Verdict, float], str | None]:
    """The worker's (verdict, elapsed) for `job`, and why the worker must be replaced, if it must:
    "timeout" (killed: the item overran its limit) or "died" (it crashed)."""
    started = time.monotonic()
    try:
        ready = worker.conn.poll(min(job.timeout_s, SLOW_AFTER_S))
        if not ready:
            on_slow()
            ready = worker.conn.poll(max(0.0, started + job.timeout_s - time.monotonic()))
        if ready:
            return worker.conn.recv(), None
    except (EOFError, OSError):
        pass
    elapsed = time.monotonic() - started
    if worker.process.is_alive() and elapsed >= job.timeout_s:
        verdict = base.timeout(f"check did not finish within {job.timeout_s:g} s; worker killed")
        return (verdict, elapsed), "timeout"
    worker.process.join(timeout=1)
    detail = f"worker process died while scoring (exit code {worker.process.exitcode}); item not scored"
    return (base.error(detail), elapsed), "died"


def _resolve(future: asyncio.Future, results: list) -> None:
    if not future.done():
        future.set_result(results)
