"""`bk recorder` sub-commands: run a worker, list gaps, export a window, verify clips."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.registry import load_registry
from core.service import load_or_exit, run_service
from recorder.settings import RecorderSection, RecorderSettings

if TYPE_CHECKING:
    from recorder.playback import Playback

app = typer.Typer(
    help="Recorder (录像): camera video kept for the retention, playback, alert clips.",
    no_args_is_help=True,
)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Settings YAML (or BK_CONFIG)")
]


def _check(settings: RecorderSettings) -> None:
    if settings.recorder.registry_file is not None:
        load_registry(settings.recorder.registry_file)  # fail now, with its report


def _load(config: Path | None) -> RecorderSettings:
    return load_or_exit(config, RecorderSettings, check=_check)


@app.callback()
def _group() -> None:
    """Recorder (录像): camera video kept for the retention, playback, alert clips."""


@app.command()
def run(
    config: ConfigOpt = None,
    validate_config: Annotated[
        bool, typer.Option("--validate-config", help="Check the settings, print them and exit")
    ] = False,
) -> None:
    """Record the owned cameras' frames into segments; cut clips for alerts; enforce retention."""
    from recorder.service import RecorderService

    run_service(
        config, RecorderSettings, RecorderService, validate_config=validate_config, check=_check
    )


@contextmanager
def _playback(config: Path | None) -> Iterator[tuple["Playback", RecorderSection]]:
    """The recorder's index and video as the settings name them, closed after use."""
    from recorder.playback import Playback

    cfg = _load(config).recorder
    pb = Playback(cfg.database_url, cfg.video_dir)
    try:
        yield pb, cfg
    finally:
        pb.close()


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise typer.BadParameter(f"{text}: give a time zone (e.g. +08:00 or Z)")
    return value


@app.command()
def gaps(
    site: str,
    camera: str,
    start: Annotated[str, typer.Argument(help="ISO time with zone")],
    end: Annotated[str, typer.Argument(help="ISO time with zone")],
    config: ConfigOpt = None,
) -> None:
    """Covered and missing intervals of a camera (JSON, ISO times)."""
    with _playback(config) as (pb, cfg):
        cov = pb.coverage(site, camera, _when(start), _when(end), cfg.max_gap_s)

    def iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000).astimezone().isoformat()

    typer.echo(
        json.dumps(
            {
                "covered": [[iso(a), iso(b)] for a, b in cov.covered],
                "missing": [[iso(a), iso(b)] for a, b in cov.missing],
            },
            ensure_ascii=False,
        )
    )


@app.command()
def export(
    site: str,
    camera: str,
    start: Annotated[str, typer.Argument(help="ISO time with zone")],
    end: Annotated[str, typer.Argument(help="ISO time with zone")],
    out: Annotated[Path, typer.Option("--out", "-o", help=".mp4 (H.264) or .mkv (JPEGs)")],
    config: ConfigOpt = None,
) -> None:
    """Write a camera's window to a file: .mp4 transcoded to H.264, .mkv unchanged JPEGs."""
    with _playback(config) as (pb, _cfg):
        if out.suffix == ".mp4":
            with out.open("wb") as f:
                n = 0
                for chunk in pb.mp4(site, camera, _when(start), _when(end)):
                    f.write(chunk)
                    n += len(chunk)
            typer.echo(f"{out}: {n} bytes")
        else:
            frames = pb.mkv(site, camera, _when(start), _when(end), out)
            typer.echo(f"{out}: {frames} frames")


@app.command("verify-clips")
def verify_clips(config: ConfigOpt = None) -> None:
    """Check every evidence clip against its name and the clip chain; exit 1 on a problem."""
    from recorder.clips import ClipStore

    report = ClipStore(_load(config).recorder.clips_dir).verify()
    for problem in report.problems:
        typer.echo(problem, err=True)
    typer.echo(f"{report.records} clip record(s), head {report.head}")
    if not report.ok:
        raise typer.Exit(1)
