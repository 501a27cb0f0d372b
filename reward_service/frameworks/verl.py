"""veRL's custom reward function, scored by the prorl service:

    reward.custom_reward_function.path=pkg://reward_service.frameworks.verl
    reward.custom_reward_function.name=compute_score          # or compute_score_async
    +reward.custom_reward_function.reward_kwargs.url=http://HOST:8000   # or PRORL_REWARD_URL

veRL calls it once per sample with the row's `data_source` and `reward_model.ground_truth` (the
label: docs/integrations.md). It returns {"score", "acc", "prorl_status"}. When the service cannot
score a sample (after the client's retries), it raises: veRL then stops instead of learning from
a made-up 0. Other reward_kwargs: api_key, default_domain, data_sources (a data_source -> domain
table over labels.DATA_SOURCES), timeout_s (per item, on the server).
"""

import functools

from reward_service.frameworks.labels import to_item
from reward_service.frameworks.service import Service
from reward_service.schemas import Result

__all__ = ["compute_score", "compute_score_async"]

_VERL_PASSES = {"reward_router_address", "reward_model_tokenizer"}  # what veRL adds with a reward model router


@functools.lru_cache(maxsize=16)
def _service(url, api_key) -> Service:
    return Service(url, api_key)


def _request(
    data_source,
    solution_str,
    ground_truth,
    url=None,
    api_key=None,
    default_domain="math",
    data_sources=None,
    timeout_s=None,
    **others,
) -> tuple[Service, dict]:
    unknown = set(others) - _VERL_PASSES
    if unknown:
        raise TypeError(
            f"unknown reward_kwargs {sorted(unknown)}: this compute_score takes url, api_key, "
            "default_domain, data_sources, timeout_s"
        )
    item = to_item(solution_str, ground_truth, data_source, default_domain, data_sources)
    if timeout_s is not None:
        item["options"] = {"timeout_s": timeout_s}
    return _service(url if url is None or isinstance(url, str) else tuple(url), api_key), item


def _score(result: Result | None, data_source) -> dict:
    if result is None or result.status == "error":
        why = "see the log above" if result is None else result.detail
        raise RuntimeError(
            f"prorl reward service could not score a {data_source!r} sample ({why}); "
            "not returning 0 for it: check the service"
        )
    return {"score": result.reward, "acc": float(result.status == "correct"), "prorl_status": result.status}


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> dict:
    """veRL's `custom_reward_function`: score, acc and our status for one sample."""
    service, item = _request(data_source, solution_str, ground_truth, **kwargs)
    [result] = service.score_sync([item])
    return _score(result, data_source)


async def compute_score_async(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> dict:
    """`compute_score` for veRL's async reward loop."""
    service, item = _request(data_source, solution_str, ground_truth, **kwargs)
    [result] = await service.score([item])
    return _score(result, data_source)
