"""`bk api` (run, migrate, add-user), `bk registry` (import, export), `bk evidence` (verify)."""

import getpass
import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from core.errors import ConfigError

app = typer.Typer(
    help="Centre API: registry, people, evidence, public pages.", no_args_is_help=True
)
registry_app = typer.Typer(help="Registry of districts, grids, kitchens and devices (YAML).")
evidence_app = typer.Typer(help="Evidence pictures and their hash chain.", no_args_is_help=True)


@evidence_app.callback()
def _evidence_group() -> None:
    """Evidence pictures and their hash chain (a group even with one command)."""


ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Settings YAML (else BK_CONFIG)")]


def _settings(config: Path | None):  # type: ignore[no-untyped-def]
    from api.settings import ApiSettings
    from core.settings import load_settings

    try:
        return load_settings(config, cls=ApiSettings)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@app.command()
def run(
    config: ConfigOpt = None,
    validate_config: Annotated[bool, typer.Option(help="Check settings, then exit")] = False,
) -> None:
    """Serve the API with uvicorn (OpenAPI at /docs)."""
    import uvicorn

    from api.app import create_app
    from core.logging_setup import setup_logging

    settings = _settings(config)
    if validate_config:
        typer.echo("settings OK")
        return
    setup_logging(settings.log_level, settings.log_json)
    if settings.api.workers == 1:
        uvicorn.run(create_app(settings), host=settings.api.host, port=settings.api.port)
        return
    # Worker processes build their own app from the same file and environment; the
    # schema is brought up to date once here, so that they do not race to create it.
    if settings.api.auto_migrate:
        from api.app import close_resources, open_resources

        close_resources(open_resources(settings))
    if config is not None:
        os.environ["BK_CONFIG"] = str(config.resolve())
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.api.host,
        port=settings.api.port,
        workers=settings.api.workers,
    )


@app.command()
def migrate(config: ConfigOpt = None) -> None:
    """Bring the centre database and the alert store to the newest schema revision."""
    from api.db import make_engine
    from api.migrate import ALERTS, CENTRE, current, upgrade

    cfg = _settings(config).api
    engine = make_engine(cfg.database_url)
    upgrade(engine, CENTRE)
    alerts = engine if cfg.alerts_url == cfg.database_url else make_engine(cfg.alerts_url)
    upgrade(alerts, ALERTS)
    typer.echo(f"centre database: {', '.join(current(engine))}")
    if alerts is not engine:
        typer.echo(f"alert store: {', '.join(current(alerts))}")


@app.command("add-user")
def add_user(
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[str, typer.Option(help="admin, district_supervisor, grid_inspector, ...")],
    kitchen: Annotated[str | None, typer.Option(help="Canteen manager/staff: their site")] = None,
    district: Annotated[list[str] | None, typer.Option(help="Supervisor: a district")] = None,
    grid: Annotated[list[str] | None, typer.Option(help="Inspector: a grid")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of stdin (scripts), not the terminal",
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Create an account (the first admin comes from here); asks for the password.

    `--password-stdin` is for provisioning scripts: the password never appears on a
    command line (where `ps` and shell history would show it).
    """
    from pydantic import ValidationError
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from api.migrate import CENTRE, upgrade
    from api.routers.users import create_user
    from api.schemas import UserCreate

    cfg = _settings(config).api
    if password_stdin:
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {username}: ")
    try:
        body = UserCreate(
            username=username,
            password=password,
            role=role,
            kitchen_id=kitchen,
            districts=district or [],
            grids=grid or [],
        )
    except ValidationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    engine = make_engine(cfg.database_url)
    upgrade(engine, CENTRE)
    with Session(engine) as session:
        try:
            user = create_user(session, body)
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"created {user.username} ({user.role}), id {user.id}")


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="Registry YAML (sites.example.yaml works)")],
    config: ConfigOpt = None,
) -> None:
    """Add or update districts, grids, kitchens and devices from a YAML file."""
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from api.migrate import CENTRE, upgrade
    from api.registry import import_registry, load_file

    cfg = _settings(config).api
    try:
        reg = load_file(file)
        engine = make_engine(cfg.database_url)
        upgrade(engine, CENTRE)
        with Session(engine) as session:
            counts = import_registry(session, reg)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(", ".join(f"{v} {k}" for k, v in counts.items()) + f" imported from {file}")


@registry_app.command("export")
def registry_export(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (else stdout)")] = None,
    config: ConfigOpt = None,
) -> None:
    """Write the registry as YAML (its `sites:` section is core/registry.py's format)."""
    from sqlalchemy.orm import Session

    from api.db import make_engine
    from api.migrate import CENTRE, upgrade
    from api.registry import dump_yaml, export_registry

    cfg = _settings(config).api
    engine = make_engine(cfg.database_url)
    upgrade(engine, CENTRE)
    with Session(engine) as session:
        text = dump_yaml(export_registry(session))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


@evidence_app.command("verify")
def evidence_verify(
    store: Annotated[
        Path | None, typer.Option(help="Evidence directory (else the api.evidence_dir setting)")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Recompute the evidence chain: every picture, boxes record and link (exit 1 on damage)."""
    from core.evidence_chain import verify_chain

    root = store if store is not None else _settings(config).api.evidence_dir
    if not root.is_dir():
        typer.echo(f"{root}: no such evidence directory", err=True)
        raise typer.Exit(2)
    report = verify_chain(root)
    for problem in report.problems:
        typer.echo(f"TAMPERED: {problem}")
    state = "intact" if report.ok else f"{len(report.problems)} problem(s)"
    typer.echo(f"{root}: {report.records} records, head {report.head}: {state}")
    if not report.ok:
        raise typer.Exit(1)


logging.getLogger(__name__).addHandler(logging.NullHandler())
