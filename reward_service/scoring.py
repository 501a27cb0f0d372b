"""Scoring one item, as it runs inside a worker process: reasoning stripped, verifier called,
any failure turned into a `Verdict` so that one bad item never takes its batch down."""

from reward_service.verifiers import base, get_domain
from reward_service.verifiers.text import final_text

__all__ = ["score_item"]


def score_item(domain: str, response: str, reference: dict, options: dict) -> base.Verdict:
    text = final_text(response)
    if text is None:
        return base.no_answer("<think> was opened but never closed; no final answer to grade")
    try:
        return get_domain(domain).verify(text, reference, options)
    except (RecursionError, MemoryError) as exc:
        return base.timeout(f"check exceeded the worker's limits ({type(exc).__name__})")
    except Exception as exc:  # a verifier bug or odd input: this item's error, not the batch's
        return base.error(f"verifier failed: {type(exc).__name__}: {str(exc)[:300]}")
