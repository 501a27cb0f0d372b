"""prorl: the `prorl` command, which loads each half (the reward service, the trainer) only when
one of its commands runs, so either half installs and runs without the other."""

__all__: list[str] = []
__version__ = "0.1.0"
