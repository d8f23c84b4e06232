"""`python -m orchestration.cli`: the `cleanslate` console script."""

from orchestration.cli import main

main()
