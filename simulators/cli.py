"""`bk sim` sub-commands: validate and explain scenarios, run a fleet over MQTT."""

import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import BkError, ConfigError

if TYPE_CHECKING:
    from simulators.scenario import Scenario

app = typer.Typer(help="Simulators: kitchen physics, camera scenes, fleets.", no_args_is_help=True)


def _load(path: Path) -> "Scenario":
    from simulators.scenario import load_scenario

    try:
        return load_scenario(path)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML)")]) -> None:
    """Check a scenario file and summarise it."""
    scn = _load(scenario)
    devices = sum(len(s.devices) for s in scn.sites.values())
    cameras = sum(len(s.cameras) for s in scn.sites.values())
    typer.echo(
        f"{scenario}: OK, {len(scn.sites)} sites, {devices} devices, {cameras} cameras, "
        f"{len(scn.incidents)} incidents, {len(scn.expected_alerts())} expected alerts, "
        f"{scn.start.isoformat()} + {scn.duration}"
    )


@app.command()
def timeline(scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML)")]) -> None:
    """Print the incidents and the alert each should cause, by when."""
    scn = _load(scenario)
    typer.echo(f"{'at (UTC)':<20} {'site':<18} {'fault':<20} {'on':<22} expect")
    for inc in sorted(scn.incidents, key=lambda i: (i.at, i.site)):
        on = inc.device if inc.sensor is None else f"{inc.device}/{inc.sensor}"
        lasting = f" for {inc.duration}" if inc.duration is not None else ""
        if inc.expect_rule is None or inc.expect_within is None:
            expect = "no alert"
        else:
            by = (inc.at + inc.expect_within).strftime("%Y-%m-%d %H:%M:%S")
            expect = f"{inc.expect_rule} by {by}"
        at = inc.at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{at:<20} {inc.site:<18} {inc.kind.value:<20} {on:<22} {expect}{lasting}")


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Scenario file to write (YAML)")],
    kitchens: Annotated[int, typer.Option(min=1, max=100_000, help="Number of kitchens")] = 1000,
    seed: Annotated[int, typer.Option(min=0, help="Seed")] = 0,
    hours: Annotated[float, typer.Option(min=0.01, help="Simulated length, hours")] = 24.0,
    incidents_every: Annotated[int, typer.Option(min=0, help="1 incident per k kitchens")] = 0,
) -> None:
    """Write a scenario of N standard kitchens (10 sensors and a camera each)."""
    import yaml

    from simulators.generate import generate_fleet

    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
    scn = generate_fleet(
        kitchens,
        seed=seed,
        start=start,
        duration=timedelta(hours=hours),
        incidents_every=incidents_every,
    )
    data = scn.model_dump(mode="json", exclude_defaults=True)
    data["duration"] = f"{hours}h"
    out.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    typer.echo(f"wrote {out}: {len(scn.sites)} kitchens, {len(scn.incidents)} incidents")


@app.command()
def run(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario file (YAML); else --kitchens standard ones")
    ] = None,
    kitchens: Annotated[int, typer.Option(min=1, help="Generated fleet size")] = 10,
    speed: Annotated[float, typer.Option(min=0.01, help="Simulated seconds per wall second")] = 1.0,
    duration: Annotated[float, typer.Option(min=0.1, help="Wall seconds to run")] = 60.0,
    step: Annotated[float, typer.Option(min=0.1, help="Simulated seconds per tick")] = 1.0,
    rebase: Annotated[
        bool, typer.Option(help="Move the scenario to --start (off: its own times)")
    ] = True,
    start: Annotated[
        str,
        typer.Option(
            help="模拟开始 / simulated start: local HH:MM (latest day whose run is past; "
            "the same story every run), a date or ISO date-time, or `now` (end at the wall "
            "clock)"
        ),
    ] = "00:00",
    frames: Annotated[bool, typer.Option(help="Also publish camera frames (JPEG)")] = False,
    frame_rate: Annotated[
        float,
        typer.Option(
            min=0.01, help="Most frames per wall second per camera (faster: spaced out in sim time)"
        ),
    ] = 1.0,
    processes: Annotated[
        int, typer.Option(min=0, help="Publisher processes (0: one per 250 kitchens)")
    ] = 0,
    config: Annotated[Path | None, typer.Option(help="Settings YAML (else BK_CONFIG)")] = None,
) -> None:
    """Publish a fleet over MQTT exactly as its edge agents would, at a speed factor."""
    from core.logging_setup import setup_logging
    from core.settings import Settings, load_settings
    from simulators.generate import generate_fleet
    from simulators.runner import FleetRunner, place, scenario_zone
    from simulators.sharded import MAX_AGENTS_PER_PROCESS, run_fleet

    try:
        settings = load_settings(config, cls=Settings)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    setup_logging()
    now = datetime.now(UTC)
    if scenario is not None:
        scn = _load(scenario)
    else:
        scn = generate_fleet(kitchens, start=now - timedelta(days=1), duration=timedelta(days=1))
    if rebase:
        try:
            scn = place(scn, duration, speed, now, start)
        except ConfigError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        local = scn.start.astimezone(scenario_zone(scn))
        typer.echo(f"模拟开始 simulated start {local.isoformat()}, {speed:g}× the wall clock")
    if processes > 1 or len(scn.sites) > MAX_AGENTS_PER_PROCESS:
        try:
            stats = run_fleet(
                scn,
                settings.mqtt,
                wall_s=duration,
                speed=speed,
                step_s=step,
                frames=frames,
                processes=processes if processes > 1 else None,
            )
        except (BkError, OSError) as exc:
            typer.echo(f"sim run failed: {exc}", err=True)
            raise typer.Exit(1) from exc
    else:
        runner = FleetRunner(
            scn, settings.mqtt, speed=speed, step_s=step, frames=frames, frame_wall_fps=frame_rate
        )
        # SIGTERM and Ctrl-C stop the run between ticks: agents go offline cleanly and the
        # figures below still cover what was sent
        previous = {
            sig: signal.signal(sig, lambda *_: runner.stop())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            runner.connect()
            stats = runner.run(duration)
        except (BkError, TimeoutError) as exc:
            typer.echo(f"sim run failed: {exc}", err=True)
            raise typer.Exit(1) from exc
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            runner.close()
    rate = stats.readings / stats.wall_s if stats.wall_s else 0.0
    typer.echo(
        f"{stats.sites} kitchens: {stats.readings} readings in {stats.messages} messages over "
        f"{stats.wall_s:.1f} s wall ({stats.sim_span_s:.0f} s simulated): {rate:.0f} readings/s, "
        f"{stats.frames} frames; "
        f"max lag {stats.max_lag_s:.2f} s; publish errors {stats.publish_errors}; "
        f"{stats.processes} process(es), {stats.cpu_s:.1f} s CPU"
    )


# Further commands are appended below (vision engineer: `bk sim dataset`).


# --- camera scenes data set (vision engineer's block) ---------------------------------
@app.command("dataset")
def dataset_cmd(
    out: Annotated[Path, typer.Option("--out", help="Folder for the YOLO-format data set")],
    n: Annotated[int, typer.Option("--n", help="Frames (train + val); heavy adds n/10")] = 5000,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    check: Annotated[int, typer.Option("--check", help="Frames re-rendered to verify labels")] = 20,
) -> None:
    """Render synthetic kitchen frames with ground truth; report class balance."""
    import json as _json

    from simulators.dataset import export_dataset, verify_sample

    report = export_dataset(out, n, seed)
    problems = verify_sample(out, seed, n, check)
    report["label_check"] = {"frames": check, "problems": problems}
    typer.echo(_json.dumps(report, indent=2))
    if problems:
        raise typer.Exit(1)
