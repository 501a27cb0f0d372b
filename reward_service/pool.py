"""A pool of killable worker processes that score items under a hard wall-clock limit.

Why not threads or SIGALRM: sympy, regexes and user code can run for ever inside C code that no
signal interrupts in time, and SIGALRM only works on a main thread. A process can always be
killed. Each worker scores items one at a time and sends each result back as it finishes; the
parent thread that feeds it knows when the current item started, and when that item overruns its
limit it kills the worker, reports the item as `timeout`, starts a fresh worker and carries on
with the rest of the chunk. Workers are forked from a forkserver that has already imported the
verifiers, so a replacement is ready in milliseconds.

Items are handed out in chunks (a few per message) so that pipe traffic stays small next to the
work; chunks from all requests share one queue, so concurrent requests interleave fairly.
"""

import asyncio
import logging
import math
import multiprocessing as mp
import queue
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reward_service.verifiers import base

__all__ = ["Job", "WorkerPool"]

_PRELOAD = ["reward_service.preload"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    domain: str
    response: str
    reference: dict
    options: dict
    timeout_s: float


@dataclass
class _Chunk:
    jobs: list[Job]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop
    results: list = field(default_factory=list)  # (Verdict, elapsed_s) per job


def _worker_main(conn, memory_mb: int) -> None:
    from reward_service.scoring import score_item

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
            verdict = score_item(job.domain, job.response, job.reference, job.options)
            conn.send((verdict, time.perf_counter() - start))


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


class WorkerPool:
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
        self._queue: queue.Queue[_Chunk | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._workers: list[_Worker | None] = [None] * size
        self.ready = False
        self.failure: str | None = None  # why start() failed, for /readyz

    def start(self) -> None:
        try:
            for slot in range(self.size):
                self._workers[slot] = _Worker(self._ctx, self.memory_mb)
                thread = threading.Thread(target=self._feed, args=(slot,), daemon=True, name=f"pool-{slot}")
                thread.start()
                self._threads.append(thread)
        except Exception as exc:
            self.failure = str(exc)
            log.error("worker pool failed to start: %s", exc)
            return
        self.ready = True

    def close(self) -> None:
        self.ready = False
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        for worker in self._workers:
            if worker is not None:
                worker.kill()

    async def run(self, jobs: list[Job]) -> list[tuple[base.Verdict, float]]:
        """Score `jobs`; returns (verdict, elapsed seconds) for each, in order."""
        if not jobs:
            return []
        loop = asyncio.get_running_loop()
        size = max(1, min(64, math.ceil(len(jobs) / (self.size * 4))))
        chunks = []
        for i in range(0, len(jobs), size):
            chunk = _Chunk(jobs[i:i + size], loop.create_future(), loop)
            chunks.append(chunk)
            self._queue.put(chunk)
        done = await asyncio.gather(*(c.future for c in chunks))
        return [result for chunk_results in done for result in chunk_results]

    def _discard(self, slot: int) -> None:
        old, self._workers[slot] = self._workers[slot], None
        if old is not None:
            old.kill()

    def _restart(self, slot: int, reason: str) -> _Worker:
        self._discard(slot)
        worker = _Worker(self._ctx, self.memory_mb)  # may raise; the slot then stays empty
        self._workers[slot] = worker
        self.on_restart(reason)
        return worker

    def _feed(self, slot: int) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if chunk.future.cancelled():
                continue
            try:
                self._run_chunk(slot, chunk)
            except Exception as exc:  # never leave a request waiting for ever
                log.exception("worker pool failure")
                missing = len(chunk.jobs) - len(chunk.results)
                chunk.results += [(base.error(f"worker pool failure: {exc!r}"), 0.0)] * missing
                self._discard(slot)
            finally:
                chunk.loop.call_soon_threadsafe(_resolve, chunk.future, chunk.results)

    def _run_chunk(self, slot: int, chunk: _Chunk) -> None:
        while len(chunk.results) < len(chunk.jobs):
            worker = self._workers[slot] or self._restart(slot, "replaced")
            pending = chunk.jobs[len(chunk.results):]
            worker.conn.send(pending)
            for job in pending:
                result, broken = _next_result(worker, job)
                chunk.results.append(result)
                if broken:
                    self._restart(slot, result[0].status)
                    break


def _next_result(worker: _Worker, job: Job) -> tuple[tuple[base.Verdict, float], bool]:
    """The worker's (verdict, elapsed) for `job`, and whether the worker must be replaced."""
    started = time.monotonic()
    try:
        if worker.conn.poll(job.timeout_s):
            return worker.conn.recv(), False
    except (EOFError, OSError):
        pass
    elapsed = time.monotonic() - started
    if worker.process.is_alive() and elapsed >= job.timeout_s:
        verdict = base.timeout(f"check did not finish within {job.timeout_s:g} s; worker killed")
        return (verdict, elapsed), True
    worker.process.join(timeout=1)
    detail = f"worker process died while scoring (exit code {worker.process.exitcode}); item not scored"
    return (base.error(detail), elapsed), True


def _resolve(future: asyncio.Future, results: list) -> None:
    if not future.done():
        future.set_result(results)
