"""The warm sandbox pool the service scores code with: per language, `size` containers kept
started, and as many spares; a job takes a free one, runs all of its tests in that one visit, and
gives it back. The runner resets the container after every job; a container that cannot prove it
is clean, that broke, that has run `recycle_after` jobs, or that died while idle (watched, not
found on next use) is replaced in the background.

Fairness: requests waiting for a container are served one job per request in turn (round robin,
no polling), so a one-item request is not queued behind a big batch. `size` jobs run at once per
language; a job still running after SLOW_AFTER_S stops counting and a spare container takes the
next job, so slow programs (sleeping until their time limit) cannot hold every container.

When Docker is unreachable or an image is missing, the code domain is unavailable: `failure`
says why and what to run, code items come back `error` at once, the other domains are not
touched, and the pool keeps retrying in the background, so it recovers without a restart.
"""

import asyncio
import logging
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from reward_service.config import Settings
from reward_service.sandbox.containers import (
    Container,
    Limits,
    docker_command,
    native_command,
    new_owner,
    remove_containers,
)
from reward_service.sandbox.images import BUILD_HINT, LANGUAGES, docker_env, engine_problem, image_exists, image_tag
from reward_service.scoring import Job, Outcome
from reward_service.turns import SLOW_AFTER_S, Turn, Turns
from reward_service.verifiers import base, code

__all__ = ["SandboxPool", "Trouble"]

log = logging.getLogger(__name__)
_RETRY_S = (1, 2, 5, 10, 30)
_DEATH_WINDOW_S = 60.0  # containers dying this close together point at the engine, not one program
RUNNER_MEMORY_MB = 256  # of a container's memory, what its runner keeps: a program may ask for the rest
RUNNER_SLACK_S = 20.0  # past a job's own time limits, how long the runner may take to answer before it counts as hung


@dataclass
class _Lane:
    """One language's free containers, the jobs waiting for one (per request, in turn), and how
    many jobs hold a turn (running, not yet slow)."""

    capacity: int
    free: deque = field(default_factory=deque)
    waiting: Turns = field(default_factory=Turns)
    running: int = 0

    def dispatch(self) -> None:
        while self.free and self.waiting and self.running < self.capacity:
            waiter = self.waiting.pop()
            if waiter.done():  # its request went away
                continue
            self.running += 1
            waiter.set_result(self.free.pop())  # the one used last: spares stay spare, reuse is exercised

    def give_turn(self) -> None:
        self.running -= 1
        self.dispatch()

    def fail_waiting(self) -> None:
        for waiter in self.waiting.drain():
            if not waiter.done():
                waiter.set_result(None)


@dataclass(frozen=True)
class Trouble:
    """Why a job was not run: `broken` when it broke two containers (maybe the program's doing)."""

    detail: str
    broken: bool = False


class SandboxPool:
    """Warm containers per language that run code jobs, replaced when they break or die."""

    def __init__(self, settings: Settings, native: bool = False, on_replace: Callable[[str], None] | None = None):
        self.settings, self.native = settings, native
        self.size = settings.sandbox_pool_size
        self.env = docker_env(settings.sandbox_docker_host)
        self.limits = Limits.of(settings)
        self.on_replace = on_replace or (lambda reason: None)
        self.owner = new_owner()
        self.failure: str | None = None  # why code items cannot run now, for /readyz and their detail
        self.starting = True  # until the first check of Docker and the images is done
        self._lanes: dict[str, _Lane] = {}
        self._live = dict.fromkeys(LANGUAGES, 0)
        self.target = 2 * self.size  # containers per language: `size` that run jobs, `size` spares
        self._deaths: deque[float] = deque(maxlen=64)  # when idle containers died, latest last
        self._tasks: set[asyncio.Task] = set()
        self._closing = False

    @property
    def enabled(self) -> bool:
        """Whether this server runs the code domain at all."""
        return self.settings.sandbox_enabled

    @property
    def ready(self) -> bool:
        """Every container of every language is up (none is being started or replaced)."""
        return all(n >= self.target for n in self._live.values())

    def status(self) -> str:
        """The code domain's state for /readyz: ready, starting, why not, or what is being replaced."""
        if self.ready:
            return "ready"
        if self.failure or self.starting:
            return self.failure or "starting"
        up = ", ".join(f"{language} {n} of {self.target}" for language, n in self._live.items())
        return f"replacing containers ({up} up)"

    def _unavailable(self, language: str) -> bool:
        return self._live[language] == 0 and self.failure is not None and not self.starting

    def _settle(self, language: str) -> None:
        """Wake the jobs waiting for `language` with None if it has become unavailable."""
        if self._lanes and self._unavailable(language):
            self._lanes[language].fail_waiting()

    async def start(self) -> None:
        """Check Docker and the images, clear leftovers, start the containers (in the background)."""
        self._lanes = {language: _Lane(self.size) for language in LANGUAGES}
        if not self.settings.sandbox_enabled:
            self.failure = "the code domain is disabled on this server (REWARD_SANDBOX_ENABLED=false)"
            self.starting = False
            return
        delay = iter(_RETRY_S)
        while not self._closing:
            self.failure = await asyncio.to_thread(self._preflight)
            self.starting = False
            if self.failure is None:
                break
            log.error("code domain unavailable: %s", self.failure)
            for language in LANGUAGES:
                self._settle(language)
            await asyncio.sleep(next(delay, _RETRY_S[-1]))
        for language in LANGUAGES:
            for _ in range(self.target):
                self._background(self._add(language))

    def _preflight(self) -> str | None:
        """What stops the code domain now (Docker, the images), or None."""
        if self.native:
            return None
        try:
            return self._check_engine()
        except (OSError, subprocess.SubprocessError) as exc:  # an engine too slow to answer is a failure too
            return f"the Docker engine did not answer ({exc})"

    def _check_engine(self) -> str | None:
        problem = engine_problem(self.env)
        if problem:
            return problem
        for language in LANGUAGES:
            tag = image_tag(language)
            if not image_exists(tag, self.env):
                return f"sandbox image {tag} is missing on the Docker engine; build it there with {BUILD_HINT}"
        removed = remove_containers(self.env, only_dead_owners=True)
        if removed:
            log.info("removed %d sandbox containers left by a previous run", removed)
        return None

    def _command(self, language: str) -> list[str]:
        return native_command() if self.native else docker_command(image_tag(language), self.limits, self.owner)

    def _background(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _add(self, language: str) -> None:
        """Start one container, retrying with backoff while Docker refuses."""
        delay = iter(_RETRY_S)
        while not self._closing:
            container = Container(self._command(language), self.env)
            try:
                await container.start(self.settings.sandbox_start_timeout_s)
            except (RuntimeError, OSError) as exc:
                await container.kill()
                self.failure = f"a {language} sandbox failed to start: {exc}"
                log.error("%s", self.failure)
                self._settle(language)
                await asyncio.sleep(next(delay, _RETRY_S[-1]))
                continue
            if self._closing:
                await container.kill()
                return
            self._live[language] += 1
            if all(self._live.values()):
                self.failure = None
            self._background(self._watch(container, language))
            self._give_back(container, language)
            return

    async def _watch(self, container: Container, language: str) -> None:
        """Replace `container` as soon as it dies while idle, instead of on its next job."""
        await container.proc.wait()
        lane = self._lanes[language]
        if container in lane.free and not self._closing:
            lane.free.remove(container)
            log.warning(
                "a %s sandbox died while idle (exit code %s); replacing it", language, container.proc.returncode
            )
            self._retire(container, language, "died_idle")

    async def _acquire(self, language: str, owner: object) -> Container | None:
        """A free container for a job of request `owner`, in turn with other requests' jobs; None
        when the code domain is unavailable."""
        lane = self._lanes[language]
        while not self._unavailable(language):
            waiter = asyncio.get_running_loop().create_future()
            lane.waiting.push(owner, waiter)
            lane.dispatch()
            try:
                container = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                    lane.running -= 1  # handed over just as the request went away: give it back
                    self._give_back(waiter.result(), language)
                raise
            if container is None or container.proc.returncode is None:
                return container
            lane.running -= 1  # it died before its watcher saw it: replace it, wait for another
            self._retire(container, language, "died_idle")
        return None

    def _give_back(self, container: Container, language: str) -> None:
        if container.proc.returncode is not None:  # it died after answering: no watcher will see it now
            self._retire(container, language, "died_idle")
            return
        lane = self._lanes[language]
        lane.free.append(container)
        lane.dispatch()

    def _retire(self, container: Container, language: str, reason: str) -> None:
        self._live[language] -= 1
        if reason == "died_idle":  # no job's doing: the engine's, or someone's outside
            self._deaths.append(time.monotonic())
        self.on_replace(reason)
        self._settle(language)
        self._background(self._replace(container, language))

    async def _replace(self, container: Container, language: str) -> None:
        await container.kill()
        await self._add(language)

    async def run(self, jobs: list[Job]) -> list[Outcome]:
        """Run code `jobs`; (verdict, seconds in the sandbox) for each, in order, or what the
        verifier raised (reward_service.scoring settles it into that item's error)."""
        owner = object()  # this request: its jobs take turns with other requests' jobs
        done = await asyncio.gather(*(self._score(job, owner) for job in jobs), return_exceptions=True)
        return [(outcome, 0.0) if isinstance(outcome, BaseException) else outcome for outcome in done]

    async def _score(self, job: Job, owner: object) -> tuple[base.Verdict, float]:
        limit = self.settings.sandbox_output_limit_mb * 2**20
        prepared = code.prepare(job.text, job.reference, limit, self.max_memory_mb)
        if isinstance(prepared, base.Verdict):
            return prepared, 0.0
        runner_job, program = prepared
        started = time.perf_counter()
        result, trouble = await self.execute(runner_job, owner)
        elapsed = time.perf_counter() - started
        if result is None and trouble.broken:
            return await self._broken_twice(trouble, program), elapsed
        if result is None:
            return base.error(trouble.detail, program[:2000]), elapsed
        try:
            return code.verdict(result, program), elapsed
        except (KeyError, TypeError, ValueError) as exc:  # the runner's answer, not the program, is at fault
            return base.error(f"the sandbox sent a malformed result ({exc!r})", program[:2000]), elapsed

    @property
    def max_memory_mb(self) -> int:
        """The most memory a program may ask for: the container's, less what the runner needs."""
        return self.limits.memory_mb - RUNNER_MEMORY_MB

    async def execute(self, runner_job: dict, owner: object | None = None) -> tuple[dict | None, "Trouble | None"]:
        """The runner's result for one job (tried in a second container if the first breaks),
        or None and the trouble: the code domain is unavailable, or the job broke two containers.
        `owner` is the request the job belongs to (its own, when None)."""
        language = runner_job["language"]
        if self._closing or not self._lanes:
            return None, Trouble("the sandbox pool is not running")
        owner = owner if owner is not None else object()
        timeout = runner_job["compile_time_limit_s"] + runner_job["total_time_limit_s"] + RUNNER_SLACK_S
        for attempt in (1, 2):
            container = await self._acquire(language, owner)
            if container is None:
                return None, Trouble(
                    "the server is shutting down" if self._closing else f"code domain unavailable: {self.failure}"
                )
            try:
                result = await self._run_in(container, language, runner_job, timeout)
            except RuntimeError as exc:
                self._retire(container, language, "broken")
                if attempt == 1:
                    continue  # once more in another container: this one may simply have failed
                return None, Trouble(str(exc), broken=True)
            if not result.get("clean"):
                self._retire(container, language, "unclean")
            elif container.jobs >= self.settings.sandbox_recycle_after:
                self._retire(container, language, "recycled")
            else:
                self._give_back(container, language)
            return result, None

    async def _run_in(self, container: Container, language: str, runner_job: dict, timeout: float) -> dict:
        """Run the job, giving its turn back when it finishes or turns slow (whichever is first)."""
        turn = Turn(self._lanes[language].give_turn)
        slow = asyncio.get_running_loop().call_later(SLOW_AFTER_S, turn.give)
        try:
            return await container.run(runner_job, timeout)
        except asyncio.CancelledError:  # shutdown: the container is in an unknown state
            self._retire(container, language, "cancelled")
            raise
        finally:
            slow.cancel()
            turn.give()

    async def _broken_twice(self, trouble: "Trouble", program: str) -> base.Verdict:
        """A job that broke two containers: the program's doing (its reward is 0, so that a
        failing program cannot turn its 0 into an `error` that trainers drop), unless the Docker
        engine itself is gone, or idle containers died meanwhile (an engine that crashed and came
        back at once: `error`, never a 0 for a program that may be right)."""
        engine = await self.engine_trouble()
        if engine:
            return base.error(f"sandbox failure: {trouble.detail}; {engine}", program[:2000])
        recent = sum(1 for t in self._deaths if time.monotonic() - t < _DEATH_WINDOW_S)
        if recent:
            return base.error(
                f"sandbox failure: {recent} idle container(s) died too in the last "
                f"{_DEATH_WINDOW_S:g} s (the engine, not this program?): {trouble.detail}",
                program[:2000],
            )
        detail = f"the program broke its sandbox twice (each container was replaced): {trouble.detail}"
        return base.Verdict("incorrect", 0.0, program[:2000], detail, ())

    async def engine_trouble(self) -> str | None:
        """What is wrong with Docker or the images now, if anything."""
        return None if self.native else await asyncio.to_thread(self._preflight)

    async def close(self) -> None:
        """Stop every container and remove this pool's leftovers."""
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        containers = []
        for lane in self._lanes.values():
            lane.fail_waiting()
            containers += lane.free
            lane.free.clear()
        await asyncio.gather(*(c.stop() for c in containers), return_exceptions=True)
        if not self.native and self.settings.sandbox_enabled:
            await asyncio.to_thread(_remove_own, self.env, self.owner)


def _remove_own(env: dict, owner: str) -> None:
    try:
        remove_containers(env, owner)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("could not remove sandbox containers: %s", exc)
