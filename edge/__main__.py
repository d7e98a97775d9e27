"""`python -m edge run --config agent.yaml [--validate-config]`: the edge agent's command line.

Defined once, here; `bk edge …` forwards its arguments to it (edge/cli.py). It needs no
Typer: a small kitchen box running the agent for months should not carry `bk`'s help
machinery and every part's command line (about 30 MB of RSS). Exit codes: 0, or 2 on a
configuration or start-up error.
"""

import argparse
import sys
from pathlib import Path

from core.errors import BkError
from edge import runner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="Run the edge agent until SIGTERM/SIGINT")
    run.add_argument("--config", "-c", type=Path, required=True, help="agent.yaml")
    run.add_argument("--validate-config", action="store_true", help="Check the config and exit")
    args = parser.parse_args(argv)
    try:
        if args.validate_config:
            sys.stdout.write(runner.validate(args.config) + "\n")
        else:
            runner.run(args.config)
    except BkError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
