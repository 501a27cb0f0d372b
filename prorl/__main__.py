"""`python -m prorl`: the `prorl` command."""

from prorl.cli import main

main()
