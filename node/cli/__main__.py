"""`python -m node.cli`: the same as the `gemella` command."""

from .main import main

main()
