"""Our service in other frameworks' shapes, on the client side: veRL's `compute_score` (`verl`),
TRL's reward functions (`trl`), and how their labels become our items (`labels`). Light: these
import only the standard library and the client's dependencies (httpx), never the frameworks."""

__all__: list[str] = []
