"""`python -m core` is the same as `bk`."""

from core.cli import main

main()
