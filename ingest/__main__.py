"""`python -m ingest` is `bk ingest run`."""

from ingest.cli import main

if __name__ == "__main__":
    main()
