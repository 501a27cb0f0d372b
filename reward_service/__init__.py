"""prorl reward service: verifiable rewards for RL on language models, scored over HTTP in batches."""

__all__: list[str] = []
__version__ = "0.1.0"
