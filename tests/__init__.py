"""The test suite (a package, so that `tests.conftest` is ours even where an installed
distribution ships a top-level `tests` package, as verl and openrlhf do)."""
