"""TRL reward functions scored by the prorl service:

    from reward_service.frameworks.trl import ProrlReward
    trainer = GRPOTrainer(..., reward_funcs=[ProrlReward("http://HOST:8000")])

`AsyncProrlReward` is the same as an `async def` (TRL runs those concurrently on its own loop).
The label of each sample is its dataset column `label_column` (by default the first of
solution, ground_truth, answer, label that the dataset has), the domain comes from the label or
its `data_source` column (docs/integrations.md). Completions may be strings or message lists.
A sample whose scoring failed on our side, or whose label is malformed, gets `None`: TRL leaves
it out of the advantages rather than scoring it 0. A batch whose labels are all malformed is a
setup error and raises.
"""

import logging

from reward_service.client import AuthError
from reward_service.frameworks.labels import LabelError, to_item
from reward_service.frameworks.service import Service
from reward_service.schemas import Result

__all__ = ["ProrlReward", "AsyncProrlReward", "completion_text"]

log = logging.getLogger(__name__)
LABEL_COLUMNS = ("solution", "ground_truth", "answer", "label")


def completion_text(completion) -> str:
    """A completion's text: the string, or its messages' text content joined."""
    if isinstance(completion, str):
        return completion
    parts = []
    for message in completion:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
    return "".join(parts)


class ProrlReward:
    """Call with TRL's (prompts, completions, **columns); returns a float or None per completion."""

    def __init__(
        self,
        url: str | list[str] | None = None,
        *,
        label_column: str | None = None,
        data_source_column: str = "data_source",
        default_domain: str = "math",
        data_sources: dict | None = None,
        api_key: str | None = None,
        timeout_s: float | None = None,
        name: str = "prorl",
        **client_options,
    ):
        self.service = Service(url, api_key, **client_options)
        self.label_column, self.data_source_column = label_column, data_source_column
        self.default_domain, self.data_sources, self.timeout_s = default_domain, data_sources, timeout_s
        self.__name__ = name  # TRL logs rewards/<__name__>/mean

    def _items(self, completions: list, columns: dict) -> list[dict | None]:
        column = self.label_column or next((c for c in LABEL_COLUMNS if c in columns), None)
        if column not in columns:
            raise ValueError(
                f"no label column {column or ' / '.join(LABEL_COLUMNS)!r} among the dataset's columns "
                f"{sorted(k for k in columns if k not in ('completion_ids', 'trainer_state'))}: "
                "pass label_column="
            )
        sources = columns.get(self.data_source_column) or [None] * len(completions)
        items, errors = [], []
        for completion, label, source in zip(completions, columns[column], sources):
            try:
                item = to_item(completion_text(completion), label, source, self.default_domain, self.data_sources)
            except LabelError as exc:
                items.append(None)
                errors.append(str(exc))
                continue
            if self.timeout_s is not None:
                item["options"] = {"timeout_s": self.timeout_s}
            items.append(item)
        if errors and len(errors) == len(items):
            raise ValueError(f"every label in this batch is malformed, e.g.: {errors[0]}")
        for error in errors:
            log.error("prorl reward: sample left out (None): %s", error)
        return items

    @staticmethod
    def _rewards(items: list[dict | None], results: list[Result | None]) -> list[float | None]:
        rewards = iter(None if r is None or r.status == "error" else r.reward for r in results)
        return [next(rewards) if item is not None else None for item in items]

    def __call__(self, prompts, completions, **columns) -> list[float | None]:
        """TRL's reward function call: one reward per completion, None where it could not be scored."""
        items = self._items(completions, columns)
        try:
            results = self.service.score_sync([i for i in items if i is not None])
        except AuthError as exc:
            raise ValueError(f"{exc}: pass api_key= or set REWARD_API_KEY") from None
        return self._rewards(items, results)


class AsyncProrlReward(ProrlReward):
    """`ProrlReward` as a coroutine, for TRL's async reward functions."""

    async def __call__(self, prompts, completions, **columns) -> list[float | None]:
        """TRL's async reward function call: one reward per completion, None where it could not be scored."""
        items = self._items(completions, columns)
        try:
            results = await self.service.score([i for i in items if i is not None])
        except AuthError as exc:
            raise ValueError(f"{exc}: pass api_key= or set REWARD_API_KEY") from None
        return self._rewards(items, results)
