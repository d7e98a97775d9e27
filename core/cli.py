"""The `bk` command: a Typer app whose sub-commands each part registers as an entry point.

Parts declare `[project.entry-points."bk.commands"] name = "part.cli:app"`, so `core`
never imports a part, and a part that fails to import breaks only its own command.
"""

import logging
import sys
from importlib.metadata import entry_points

import typer

from core import __version__

logger = logging.getLogger(__name__)

GROUP = "bk.commands"

app = typer.Typer(
    name="bk",
    help="Bright Kitchen (明厨亮灶): food-safety supervision platform.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit


def _register(root: typer.Typer) -> list[str]:
    broken: list[str] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            sub = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken part must not take the whole CLI down
            broken.append(f"{ep.name}: {exc}")
            continue
        if isinstance(sub, typer.Typer):
            root.add_typer(sub, name=ep.name)
        else:
            broken.append(f"{ep.name}: {ep.value} is not a typer.Typer")
    return broken


def main() -> None:
    broken = _register(app)
    for problem in broken:
        logging.getLogger(__name__).warning("sub-command unavailable: %s", problem)
    if broken and "--debug-cli" in sys.argv:
        sys.exit(1)
    app()
