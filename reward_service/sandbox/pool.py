"""The warm sandbox pool the service scores code with: per language, `size` containers kept
started; a job takes a free one, runs all of its tests in that one visit, and gives it back.
The runner resets the container after every job; a container that cannot prove it is clean,
that broke, or that has run `recycle_after` jobs is replaced in the background.

When Docker is unreachable or an image is missing, the code domain is unavailable: `failure`
says why and what to run, code items come back `error` at once, the other domains are not
touched, and the pool keeps retrying in the background, so it recovers without a restart.
"""

import asyncio
import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from reward_service.config import Settings
from reward_service.pool import Job
from reward_service.sandbox.containers import (
    Container, Limits, docker_command, native_command, new_owner, remove_containers,
)
from reward_service.sandbox.images import BUILD_HINT, LANGUAGES, docker_env, engine_problem, image_exists, image_tag
from reward_service.verifiers import base, code
from reward_service.verifiers.text import final_text

__all__ = ["SandboxPool", "Trouble"]

log = logging.getLogger(__name__)
_RETRY_S = (1, 2, 5, 10, 30)


@dataclass(frozen=True)
class Trouble:
    """Why a job was not run: `broken` when it broke two containers (maybe the program's doing)."""
    detail: str
    broken: bool = False


class SandboxPool:
    def __init__(self, settings: Settings, native: bool = False, on_replace: Callable[[str], None] | None = None):
        self.settings, self.native = settings, native
        self.size = settings.sandbox_pool_size
        self.env = docker_env(settings.sandbox_docker_host)
        self.limits = Limits(settings.sandbox_memory_mb, settings.sandbox_cpus, settings.sandbox_pids,
                             settings.sandbox_tmpfs_mb)
        self.on_replace = on_replace or (lambda reason: None)
        self.owner = new_owner()
        self.failure: str | None = None  # why code items cannot run now, for /readyz and their detail
        self.starting = True  # until the first check of Docker and the images is done
        self._free: dict[str, asyncio.Queue] = {}
        self._live = dict.fromkeys(LANGUAGES, 0)
        self._tasks: set[asyncio.Task] = set()
        self._closing = False

    @property
    def enabled(self) -> bool:
        return self.settings.sandbox_enabled

    @property
    def ready(self) -> bool:
        return all(n > 0 for n in self._live.values())

    def status(self) -> str:
        if self.ready:
            return "ready"
        return self.failure or "starting"

    def _unavailable(self, language: str) -> bool:
        return self._live[language] == 0 and self.failure is not None and not self.starting

    async def start(self) -> None:
        """Check Docker and the images, clear leftovers, start the containers (in the background)."""
        self._free = {language: asyncio.Queue() for language in LANGUAGES}
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
            await asyncio.sleep(next(delay, _RETRY_S[-1]))
        for language in LANGUAGES:
            for _ in range(self.size):
                self._background(self._add(language))

    def _preflight(self) -> str | None:
        if self.native:
            return None
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
                await asyncio.sleep(next(delay, _RETRY_S[-1]))
                continue
            if self._closing:
                await container.kill()
                return
            self._live[language] += 1
            if self.ready:
                self.failure = None
            self._free[language].put_nowait(container)
            return

    async def _acquire(self, language: str) -> Container | None:
        while True:
            if self._unavailable(language):
                return None
            try:
                return await asyncio.wait_for(self._free[language].get(), 0.5)
            except asyncio.TimeoutError:
                continue

    def _retire(self, container: Container, language: str, reason: str) -> None:
        self._live[language] -= 1
        self.on_replace(reason)
        self._background(self._replace(container, language))

    async def _replace(self, container: Container, language: str) -> None:
        await container.kill()
        await self._add(language)

    async def run(self, jobs: list[Job]) -> list[tuple[base.Verdict, float]]:
        """Score code `jobs`; (verdict, seconds in the sandbox) for each, in order."""
        return list(await asyncio.gather(*(self._score(job) for job in jobs)))

    async def _score(self, job: Job) -> tuple[base.Verdict, float]:
        text = final_text(job.response)
        if text is None:
            return base.no_answer("<think> was opened but never closed; no final answer to grade"), 0.0
        prepared = code.prepare(text, job.reference, self.settings.sandbox_output_limit_mb * 2**20, self.max_memory_mb)
        if isinstance(prepared, base.Verdict):
            return prepared, 0.0
        runner_job, program = prepared
        started = time.perf_counter()
        result, trouble = await self.execute(runner_job)
        elapsed = time.perf_counter() - started
        if result is None and trouble.broken:
            return await self._broken_twice(trouble, program), elapsed
        if result is None:
            return base.error(trouble.detail, program[:2000]), elapsed
        try:
            return code.verdict(result, program), elapsed
        except (KeyError, TypeError, ValueError) as exc:
            return base.error(f"the sandbox sent a malformed result ({exc!r})", program[:2000]), elapsed

    @property
    def max_memory_mb(self) -> int:
        """The most memory a program may ask for: the container's, less what the runner needs."""
        return self.limits.memory_mb - 256

    async def execute(self, runner_job: dict) -> tuple[dict | None, "Trouble | None"]:
        """The runner's result for one job (tried in a second container if the first breaks),
        or None and the trouble: the code domain is unavailable, or the job broke two containers."""
        language = runner_job["language"]
        if self._closing or not self._free:
            return None, Trouble("the sandbox pool is not running")
        timeout = runner_job["compile_time_limit_s"] + runner_job["total_time_limit_s"] + 20
        for attempt in (1, 2):
            container = await self._acquire(language)
            if container is None:
                return None, Trouble(f"code domain unavailable: {self.failure}")
            try:
                result = await container.run(runner_job, timeout)
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
                self._free[language].put_nowait(container)
            return result, None

    async def _broken_twice(self, trouble: "Trouble", program: str) -> base.Verdict:
        """A job that broke two containers: the program's doing (its reward is 0, so that a
        failing program cannot turn its 0 into an `error` that trainers drop), unless the Docker
        engine itself is gone."""
        engine = await self.engine_trouble()
        if engine:
            return base.error(f"sandbox failure: {trouble.detail}; {engine}", program[:2000])
        detail = f"the program broke its sandbox twice (each container was replaced): {trouble.detail}"
        return base.Verdict("incorrect", 0.0, program[:2000], detail, ())

    async def engine_trouble(self) -> str | None:
        """What is wrong with Docker or the images now, if anything."""
        return None if self.native else await asyncio.to_thread(self._preflight)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        containers = []
        for queue in self._free.values():
            while not queue.empty():
                containers.append(queue.get_nowait())
        await asyncio.gather(*(c.stop() for c in containers), return_exceptions=True)
        if not self.native and self.settings.sandbox_enabled:
            await asyncio.to_thread(_remove_own, self.env, self.owner)


def _remove_own(env: dict, owner: str) -> None:
    try:
        remove_containers(env, owner)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("could not remove sandbox containers: %s", exc)
