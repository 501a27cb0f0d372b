"""prorl GRPO trainer (the ProRL recipe); it calls the reward service for every reward."""

__all__: list[str] = []
