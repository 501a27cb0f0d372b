"""When the reward client tries again, and which replica it asks: the policy half of
reward_service.client, kept apart so that it reads (and is tested) on its own.

A transient failure (a connection error, a timeout, 502/503/504) is retried up to `max_retries`
times, after `backoff_s` doubling up to `max_backoff_s`, with jitter so that batches that failed
together do not all come back at the same instant. A lone replica that answered with Retry-After
is not asked again sooner (a busy or draining server says when to come back); with several, the
next one may take the batch at once. Replicas are taken round robin, skipping one that failed in
the last `cooldown_s` while another is healthy.
"""

import random
import time
from dataclasses import dataclass

__all__ = ["DEFAULT_RETRIES", "MAX_RETRY_AFTER_S", "RetryPolicy", "Replicas"]

DEFAULT_RETRIES = 6  # with the default backoff, about 20 s of retrying: a replica restarts in that time
MAX_RETRY_AFTER_S = 60.0  # the longest Retry-After honoured; longer is a misconfigured server


@dataclass(frozen=True)
class RetryPolicy:
    """How many times a batch is tried again, and how long to wait before each."""

    max_retries: int = DEFAULT_RETRIES
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def __post_init__(self):
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 (no retries) or more, got {self.max_retries}")
        if self.backoff_s < 0 or self.max_backoff_s < self.backoff_s:
            raise ValueError(f"need 0 <= backoff_s <= max_backoff_s, got {self.backoff_s} and {self.max_backoff_s}")

    @property
    def attempts(self) -> int:
        """Tries in all: the first and the retries."""
        return self.max_retries + 1

    def delay(self, attempt: int, retry_after: float, replicas: int) -> float:
        """Seconds to wait after failed `attempt` (0-based): the jittered backoff, or the server's
        Retry-After when there is no other replica to ask."""
        backoff = min(self.max_backoff_s, self.backoff_s * 2**attempt) * random.uniform(0.5, 1.0)
        return max(backoff, min(MAX_RETRY_AFTER_S, retry_after) if replicas == 1 else 0.0)


class Replicas:
    """Round robin over base URLs, avoiding for `cooldown_s` one that just failed."""

    cooldown_s = 5.0

    def __init__(self, urls: list[str]):
        self.urls = urls
        self._cursor = 0
        self._failed_at: dict[str, float] = {}

    def pick(self) -> str:
        """The next URL not in cooldown; if all are, the one that failed longest ago."""
        now = time.monotonic()
        for _ in self.urls:
            url = self.urls[self._cursor % len(self.urls)]
            self._cursor += 1
            if url not in self._failed_at or now - self._failed_at[url] >= self.cooldown_s:
                return url
        return min(self.urls, key=self._failed_at.__getitem__)

    def failed(self, url: str) -> None:
        """`url` just failed: avoid it for a while."""
        self._failed_at[url] = time.monotonic()

    def answered(self, url: str) -> None:
        """`url` just answered: it is healthy again."""
        self._failed_at.pop(url, None)
