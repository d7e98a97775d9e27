"""`bk demo`: a supervised district on this machine, every part of the platform running.

Starts, each as a command of its own (`bk <part> run`, never imported: services are
being changed by others and `core` imports no part):

- the project's own Mosquitto with the accounts, ACL and TLS certificates `bk provision`
  writes (services on a password listener, devices on their own listener and on TLS),
  and InfluxDB;
- ingest, vision, rules (registry, public base URL and signing key: notices carry signed
  links to the alert page), the recorder, and the API with its console, its registry
  imported from the district's generated YAML and demo accounts;
- the simulated district (devtools/demo_district.py: 20 kitchens, 3 streets, 5 grids,
  a fixed simulated start, scripted incidents) with `bk sim run`, and simulated people
  (devtools/demo_people.py) acting on alerts through the API.

Nothing it starts outlives it. Every child runs in its own process group (a Ctrl-C in
the terminal reaches only the demo, which then stops them in order) and is told by the
kernel to die with the demo (PR_SET_PDEATHSIG), so a `kill -9` of the demo leaves no
server behind either. When its output pipe closes (`bk demo | head -5`), it stops the
servers first and exits quietly: it used to fail on the final summary's write before
it had stopped them.
"""

import contextlib
import ctypes
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import httpx
import paho.mqtt.client as mqtt
import typer
from pydantic import SecretStr

from core.errors import BkError
from core.logging_setup import setup_logging
from core.mqtt import MqttClient
from core.provisioning import ACL, PASSWD_DEVICES, PASSWD_SERVICES, provision, read_credentials
from core.registry import SiteRegistry
from core.settings import InfluxSettings, MqttSettings, TlsSettings
from core.store import open_store
from core.tls import ServerTlsFiles
from core.topics import service_status_subscription
from devtools.demo_cameras import ScriptedCameras, camera_sites, vision_rules_env
from devtools.demo_district import (
    DISTRICT,
    centre_registry,
    district_scenario,
    grid_of,
    scenario_yaml,
    sites_registry,
    write_yaml,
)
from devtools.demo_people import PASSWORD, People
from devtools.receivers import WebhookReceiver
from devtools.servers import LocalInfluxDB, LocalMosquitto, free_port
from simulators.scenario import Scenario, load_scenario

logger = logging.getLogger(__name__)

app = typer.Typer(help="Run the whole platform on this machine with a simulated district.")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES = ROOT / "deploy" / "rules" / "demo.yaml"
SERVICES = ("ingest", "vision", "rules", "recorder")
_PR_SET_PDEATHSIG = 1


# -- children that die with the demo ------------------------------------------------------


def _die_with_parent(sig: int, parent: int) -> Callable[[], None]:
    """preexec_fn: the kernel sends `sig` to the child when the demo dies (even SIGKILL).

    The parent may die between fork and prctl: then the child's parent is already
    someone else and it exits at once.
    """

    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


class _DemoMosquitto(LocalMosquitto):
    def _popen_kwargs(self) -> dict[str, Any]:
        return {**super()._popen_kwargs(), "preexec_fn": _die_with_parent(9, os.getpid())}


class _DemoInfluxDB(LocalInfluxDB):
    def _popen_kwargs(self) -> dict[str, Any]:
        return {**super()._popen_kwargs(), "preexec_fn": _die_with_parent(9, os.getpid())}


class Children:
    """The demo's commands: each in its own process group, stopped group by group."""

    def __init__(self, logs: Path, cwd: Path) -> None:
        self.logs, self.cwd = logs, cwd
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.cwd,
            start_new_session=True,
            # SIGTERM: a service stops its own workers cleanly when the demo is killed.
            preexec_fn=_die_with_parent(signal.SIGTERM, os.getpid()),
        )
        log.close()
        self.procs[name] = proc
        return proc

    def stop(self, names: list[str] | None = None, timeout: float = 15.0) -> None:
        """SIGTERM each group, wait, SIGKILL what is left (the whole group)."""
        chosen = [n for n in (names or list(self.procs)) if n in self.procs]
        for name in chosen:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.procs[name].pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name in chosen:
            proc = self.procs.pop(name)
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s: killed", name, timeout)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers of the group, if any
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)


# -- output that survives a closed pipe ---------------------------------------------------


class Output:
    """Lines to stdout; once the reader has gone, the demo is told to stop, and quietly.

    SIGPIPE is ignored by Python, so a closed pipe shows as BrokenPipeError on a write.
    stdout is then pointed at /dev/null so later writes (and the flush at exit) succeed.
    """

    def __init__(self, on_closed: Callable[[], None]) -> None:
        self.closed = False
        self._on_closed = on_closed

    def __call__(self, line: str = "") -> None:
        if self.closed:
            return
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError, OSError):
            self.closed = True
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            self._on_closed()


# -- what the demo watches ------------------------------------------------------------------


class StatusWatch:
    """The services' retained status (online, counters), read over MQTT as the admin."""

    def __init__(self, settings: MqttSettings) -> None:
        self.latest: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.client = MqttClient(settings, persistent=False, on_message=self._on_message)
        self.client.subscribe(service_status_subscription(), qos=1)

    def _on_message(self, msg: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(bytes(msg.payload))
            service = msg.topic.split("/")[3]
        except (ValueError, AttributeError, IndexError):
            return
        if isinstance(body, dict):
            with self._lock:
                self.latest[service] = body

    def online(self) -> set[str]:
        with self._lock:
            return {s for s, b in self.latest.items() if b.get("state") == "online"}

    def counter(self, service: str, name: str) -> int:
        """A counter from a service's status (found wherever it is nested)."""
        with self._lock:
            body = self.latest.get(service, {})

        def find(obj: Any) -> int | None:
            if isinstance(obj, dict):
                if isinstance(obj.get(name), int | float):
                    return int(obj[name])
                for v in obj.values():
                    got = find(v)
                    if got is not None:
                        return got
            return None

        return find(body) or 0


def _count(store: InfluxSettings, query: str) -> int:
    try:
        with open_store(store) as s:
            rows = s.query(query)
    except BkError:
        return -1
    return int(rows[0].get("count", 0)) if rows else 0


def _bk() -> list[str]:
    exe = shutil.which("bk") or str(Path(sys.executable).with_name("bk"))
    return [exe]


def _keep_previous(workdir: Path, say: Callable[[str], None]) -> None:
    """Start from nothing, keeping the last run beside it (`<workdir>.previous`).

    A rules store or broker session left by an earlier run belongs to another timeline
    (its open alerts, its clock) and made the new run's alerts wrong.
    """
    if not workdir.exists():
        return
    previous = workdir.with_name(workdir.name + ".previous")
    if previous.exists():
        shutil.rmtree(previous)
    workdir.rename(previous)
    say(f"the previous run's data is now in {previous}")


def _api_get(url: str, token: str, path: str, **params: Any) -> Any:
    r = httpx.get(
        url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    r.raise_for_status()
    return r.json()


def _login(url: str, user: str) -> str:
    r = httpx.post(f"{url}/auth/login", json={"username": user, "password": PASSWORD}, timeout=10)
    r.raise_for_status()
    return str(r.json()["access_token"])


def _status(url: str) -> int:
    """What a signed link answers, opened without an account (200: it opens the alert)."""
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.HTTPError:
        return -1


def summary(
    url: str, store: InfluxSettings, watch: StatusWatch, people: People, hook: WebhookReceiver
) -> dict[str, Any]:
    """The figures of the final summary (and of the scorecard test), read while all runs."""
    token = _login(url, "district")
    cases = _api_get(url, token, "/alerts", open_only=False, limit=1000)
    figures = _api_get(url, token, "/figures")
    tiers = Counter(f"tier {c['tier']}" if c.get("tier") else "no task" for c in cases)
    link = re.compile(re.escape(url) + r"/console/kitchens/[^\s\"]+\?expires=\d+&sig=[^\s\"&]+")
    links = [
        found[0]
        for _, body, ok in hook.received
        if ok and (found := link.findall(json.dumps(body, ensure_ascii=False)))
    ]
    return {
        "readings_stored": _count(store, "SELECT count(value) FROM reading"),
        "frames_analysed": watch.counter("vision", "frames"),
        "detections_stored": _count(store, "SELECT count(score) FROM detection"),
        "alerts": len(cases),
        "alerts_by_tier": dict(sorted(tiers.items())),
        "alerts_by_rule": dict(sorted(Counter(c["rule"] for c in cases).items())),
        "alert_events_published": _count(store, "SELECT count(summary) FROM alert"),
        "notices_delivered": sum(1 for _, _, ok in hook.received if ok),
        "notices_with_signed_link": len(links),
        "signed_link_answers": _status(links[-1]) if links else None,
        "acknowledged": sum(1 for c in cases if c.get("acked_at")),
        "rectified": sum(1 for c in cases if c.get("task_state") in ("submitted", "closed")),
        "closed": sum(1 for c in cases if c.get("task_state") == "closed"),
        "rejected_once": sum(1 for c in cases if (c.get("rejections") or 0) > 0),
        "overdue": sum(1 for c in cases if c.get("overdue")),
        "people_steps": dict(sorted(people.steps.items())),
        "grades": figures.get("grades", {}),
    }


# -- the command ---------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
def demo(
    duration: Annotated[float, typer.Option(help="Wall seconds to run; 0 runs until Ctrl-C")] = 720,
    speed: Annotated[float, typer.Option(help="Simulated seconds per wall second")] = 120,
    kitchens: Annotated[int, typer.Option(min=1, max=200, help="Kitchens in the district")] = 20,
    hours: Annotated[float, typer.Option(min=0.1, max=24, help="Simulated hours")] = 24,
    scenario: Annotated[
        Path | None, typer.Option(help="Fleet scenario (YAML) instead of the district")
    ] = None,
    workdir: Annotated[Path, typer.Option(help="Where servers and services keep data")] = Path(
        "var/demo"
    ),
    frames: Annotated[bool, typer.Option(help="Simulated cameras publish frames")] = True,
    frame_rate: Annotated[
        float, typer.Option(help="Most frames per wall second per camera")
    ] = 0.25,
    rules: Annotated[Path, typer.Option(help="Rule file for `bk rules run`")] = DEFAULT_RULES,
    start: Annotated[
        str,
        typer.Option(
            help="模拟开始 / simulated start (`bk sim run --start`): local HH:MM on the latest "
            "day whose whole run is past, so every run tells the same story"
        ),
    ] = "00:00",
    port: Annotated[int, typer.Option(help="Console/API port (0: a free one)")] = 0,
    scripted_cameras: Annotated[
        bool, typer.Option(help="A scripted `cam2` (no hat, no mask, rodent, off) in some kitchens")
    ] = True,
    summary_json: Annotated[
        Path | None, typer.Option(help="Also write the final summary here (JSON)")
    ] = None,
) -> None:
    """Start broker, store, services, API and a simulated district; summarise what happened."""
    setup_logging()
    stopping = threading.Event()
    say = Output(stopping.set)

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    def go_on() -> None:
        """Between start-up steps: a stop asked for (signal, closed pipe) ends it here."""
        if stopping.is_set():
            raise KeyboardInterrupt

    workdir = workdir.resolve()
    _keep_previous(workdir, say)
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    children = Children(logs, workdir)
    servers: list[LocalMosquitto | LocalInfluxDB] = []
    people: People | None = None
    cameras: ScriptedCameras | None = None
    watch: StatusWatch | None = None
    final: dict[str, Any] | None = None
    # Stands for the district's group-chat robot: rules push notices to it (signed).
    hook = WebhookReceiver(secret=secrets.token_urlsafe(16))
    try:
        # 1. The district.
        if scenario is None:
            scn = district_scenario(kitchens, hours)
            scenario_file = write_yaml(scenario_yaml(scn), workdir / "scenario.yaml")
        else:
            scn, scenario_file = load_scenario(scenario), scenario.resolve()
        scripted = camera_sites(list(scn.sites)) if frames and scripted_cameras else []
        sites_file = write_yaml(sites_registry(scn, scripted), workdir / "sites.yaml")
        centre_file = write_yaml(centre_registry(scn, scripted), workdir / "registry.yaml")
        say(
            f"[1/7] district: {len(scn.sites)} kitchens, 3 streets, 5 grids, "
            f"{len(scn.incidents)} scripted incidents ({len(scn.expected_alerts())} must alert)"
        )
        go_on()
        # 2. Broker accounts, ACL and TLS, then the servers.
        auth = workdir / "broker"
        registry = SiteRegistry.model_validate(sites_registry(scn, scripted))
        provision(registry, auth, tls_hosts=["127.0.0.1"])
        creds = read_credentials(auth)
        tls = auth / "tls"
        broker = _DemoMosquitto(
            workdir / "mosquitto",
            password_file=auth / PASSWD_SERVICES,
            acl_file=auth / ACL,
            device_password_file=auth / PASSWD_DEVICES,
            tls=ServerTlsFiles(tls / "ca.pem", tls / "server.pem", tls / "server.key"),
        )
        influx = _DemoInfluxDB(workdir / "influxdb")
        servers += [broker, influx]
        broker.start()
        influx.start()
        influx.create_database("bright_kitchen")
        store = InfluxSettings(url=influx.url, database="bright_kitchen")
        say(
            f"[2/7] broker: services mqtt://127.0.0.1:{broker.port}, devices "
            f":{broker.device_port}, TLS mqtts://127.0.0.1:{broker.tls_port} "
            f"({len(creds)} provisioned accounts, CA {tls / 'ca.pem'}); store {influx.url}"
        )
        _check_tls(broker, creds, tls / "ca.pem", next(iter(scn.sites)), say)

        go_on()
        # 3. The centre API: schema, registry, accounts.
        api_port = port or free_port()
        url = f"http://127.0.0.1:{api_port}"
        key = secrets.token_urlsafe(32)
        hook.start()
        channel = {
            "type": "webhook",
            "name": "demo-robot",
            "url": hook.url,
            "secret": hook.secret,
            "roles": ["canteen_manager", "grid_inspector", "district_supervisor"],
            "rate_per_min": 600,
        }
        alerts_url = f"sqlite:///{workdir / 'alerts.db'}"
        base_env = dict(
            os.environ,
            BK_MQTT__HOST="127.0.0.1",
            BK_MQTT__PORT=str(broker.port),
            BK_INFLUX__URL=influx.url,
            BK_INFLUX__DATABASE="bright_kitchen",
            BK_DATA_DIR=str(workdir / "data"),
            BK_API__PORT=str(api_port),
            BK_API__DATABASE_URL=f"sqlite:///{workdir / 'centre.db'}",
            BK_API__ALERTS_URL=alerts_url,
            BK_API__SIGNING_KEY=key,
            BK_API__PUBLIC_BASE_URL=url,
            BK_API__REGISTRY_FILE=str(sites_file),
            BK_API__BROKER_DIR=str(auth),
            BK_API__TOKEN_TTL_S="3600",  # noqa: S106 - a lifetime, not a secret
            BK_RULES__RULE_FILE=str(rules.resolve()),
            BK_RULES__STORE_URL=alerts_url,
            BK_RULES__REGISTRY_FILE=str(sites_file),
            BK_RULES__PUBLIC_BASE_URL=url,
            BK_RULES__SIGNING_KEY=key,
            BK_RULES__CHANNELS=json.dumps([channel]),
            **vision_rules_env(speed),
        )

        def env_for(account: str) -> dict[str, str]:
            return dict(base_env, BK_MQTT__USERNAME=account, BK_MQTT__PASSWORD=creds[account])

        _setup_api(base_env, centre_file, logs)
        children.spawn("api", [*_bk(), "api", "run"], env_for("api"))
        _wait_http(f"{url}/health", 90, children.procs["api"])
        accounts = _create_accounts(url, scn)
        say(f"[3/7] API and console: {url}/console  (OpenAPI: {url}/docs)")

        go_on()
        # 4. Services, each with its own account (the recorder has none of its own yet).
        for name in SERVICES:
            account = name if name in creds else "admin"
            children.spawn(name, [*_bk(), name, "run"], env_for(account))
        watch = StatusWatch(_mqtt(broker.port, "admin", creds["admin"]))
        watch.client.connect(timeout=10)
        deadline = time.monotonic() + 120
        while not stopping.is_set() and time.monotonic() < deadline:
            if set(SERVICES) <= watch.online():
                break
            time.sleep(0.3)
        late = sorted(set(SERVICES) - watch.online())
        say(
            "[4/7] services online: "
            + ", ".join(sorted(watch.online() & set(SERVICES)))
            + (f"; not online after 120 s: {', '.join(late)}" if late else "")
        )

        go_on()
        # 5. Grafana provisioning, for anyone with Grafana.
        grafana = workdir / "grafana"
        subprocess.run(
            [*_bk(), "dashboards", "export", "--out", str(grafana), "--rules", str(rules),
             "--registry", str(sites_file), "--influx-url", influx.url, "--console-url", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=120,
        )  # fmt: skip
        say(f"[5/7] Grafana provisioning exported to {grafana}")

        go_on()
        # 6. The simulated district and its people.
        sim_cmd = [*_bk(), "sim", "run", str(scenario_file), "--speed", str(speed)]
        sim_cmd += ["--duration", str(duration if duration > 0 else 10**7), "--start", start]
        sim_cmd += ["--frames", "--frame-rate", str(frame_rate)] if frames else ["--no-frames"]
        sim = children.spawn("sim", sim_cmd, env_for("admin"))
        people = People(
            url,
            managers=accounts["managers"],
            inspectors=accounts["inspectors"],
            grid_of={s: grid_of(i) for i, s in enumerate(scn.sites)},
            watcher="district",
        )
        people.start()
        if scripted:
            cameras = ScriptedCameras(
                _mqtt(broker.port, "admin", creds["admin"]), list(scn.sites), speed, scripted[0]
            )
            cameras.start()
        site0 = next(iter(scn.sites))
        say(f"[6/7] simulated district running at {speed:g}× ({logs / 'sim.log'})")
        say("")
        say(f"  控制台 console  {url}/console   (password for every demo login: {PASSWORD})")
        say("  district supervisor 区监管员:  district")
        say(f"  grid inspector 网格员:         {accounts['inspectors'][grid_of(0)]}")
        say(f"  canteen manager 食堂负责人:    {accounts['managers'][site0]}  ({site0})")
        say(f"  logs: {logs}")
        say("")

        # 7. Live summary until the end, Ctrl-C, SIGTERM or the reader going away.
        started = time.monotonic()
        next_line = started + 10
        while not stopping.is_set():
            if sim.poll() is not None:
                break
            # The fleet ends by itself once its span is played; on a busy machine it falls
            # behind its clock, so it gets time to finish (its last line says how far).
            if duration > 0 and time.monotonic() - started > 2 * duration + 60:
                break
            if time.monotonic() >= next_line:
                next_line += 10
                readings = _count(store, "SELECT count(value) FROM reading")
                alerts = _count(store, "SELECT count(summary) FROM alert WHERE state = 'firing'")
                say(
                    f"[{time.monotonic() - started:5.0f} s] readings {readings}, frames "
                    f"{watch.counter('vision', 'frames')}, alerts fired {alerts}, steps "
                    f"{dict(people.steps)}"
                )
                for name, p in children.procs.items():
                    if name != "sim" and p.poll() is not None:
                        say(f"service {name} exited with {p.returncode}; see {logs / name}.log")
            stopping.wait(0.5)
        if not say.closed:
            _drain(store, logs / "sim.log", stopping)
            time.sleep(3)  # the last steps applied
            with contextlib.suppress(httpx.HTTPError, BkError, OSError):
                final = summary(url, store, watch, people, hook)
    except KeyboardInterrupt:
        pass
    finally:
        # Servers first: whatever happens to the output, nothing is left running.
        if people is not None:
            people.stop()
        if cameras is not None:
            cameras.stop()
        children.stop(["sim"])
        children.stop()
        if watch is not None:
            watch.client.close()
        for server in reversed(servers):
            server.stop()
        if hook.thread.is_alive():
            hook.stop()
    if final is not None:
        say("[7/7] final summary 汇总:")
        for k, v in final.items():
            say(f"  {k}: {v}")
        if summary_json is not None:
            summary_json.write_text(json.dumps(final, ensure_ascii=False, indent=2))
    say(f"demo stopped; logs and data under {workdir}")


_PUBLISHED = re.compile(r"(\d+) kitchens: (\d+) readings in")


def _drain(store: InfluxSettings, sim_log: Path, stopping: threading.Event) -> None:
    """Wait until ingest has stored every reading the fleet published (its last line says
    how many), or until the count stops moving for 20 s. Stopping ingest with a backlog
    in the broker, then the broker, lost the backlog's readings at the end of a run."""
    found = _PUBLISHED.search(sim_log.read_text(errors="replace")) if sim_log.exists() else None
    if found is None:
        return
    published = int(found[2])
    last, since = -1, time.monotonic()
    while not stopping.is_set() and time.monotonic() - since < 20:
        stored = _count(store, "SELECT count(value) FROM reading")
        if stored >= published:
            return
        if stored != last:
            last, since = stored, time.monotonic()
        time.sleep(1)


def _mqtt(port: int, user: str, password: str) -> MqttSettings:
    return MqttSettings(host="127.0.0.1", port=port, username=user, password=SecretStr(password))


def _check_tls(
    broker: LocalMosquitto, creds: dict[str, str], ca: Path, site: str, say: Callable[[str], None]
) -> None:
    """One device account connects over TLS with the provisioned CA, as an agent would."""
    user = next((u for u in creds if u.startswith(f"{site}.")), None)
    if user is None or broker.tls_port is None:
        return
    settings = MqttSettings(
        host="127.0.0.1",
        port=broker.tls_port,
        username=user,
        password=SecretStr(creds[user]),
        tls=TlsSettings(ca_file=ca),
    )
    client = MqttClient(settings, client_id=user, persistent=False)
    try:
        client.connect(timeout=10)
        say(f"      TLS checked: {user} connected to :{broker.tls_port} with the provisioned CA")
    except (BkError, OSError, TimeoutError) as exc:
        say(f"      TLS check failed for {user}: {exc}")
    finally:
        client.close()


def _setup_api(env: dict[str, str], registry_file: Path, logs: Path) -> None:
    """Schema, the admin account (password on stdin, no terminal) and the registry."""
    with (logs / "api-setup.log").open("ab") as log:
        subprocess.run(
            [*_bk(), "api", "add-user", "admin", "--role", "admin"],
            input=(PASSWORD + "\n").encode(),
            env=env, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=120,
            start_new_session=True,  # no terminal: getpass reads the piped password
        )  # fmt: skip
        subprocess.run(
            [*_bk(), "registry", "import", str(registry_file)],
            env=env, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=120,
        )  # fmt: skip


def _wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BkError(f"{url}: the server exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise BkError(f"{url} did not answer within {timeout:.0f} s")


def _create_accounts(url: str, scn: Scenario) -> dict[str, dict[str, str]]:
    """The demo logins, made by the admin through the API: a district supervisor, one
    inspector per grid, one manager per kitchen (all with the demo password)."""
    token = _login(url, "admin")
    headers = {"Authorization": f"Bearer {token}"}
    managers = {site: f"manager-{site}" for site in scn.sites}
    inspectors = {grid_of(i): f"inspector-{grid_of(i)}" for i in range(min(5, len(scn.sites)))}
    bodies: list[dict[str, Any]] = [
        {"username": "district", "role": "district_supervisor", "districts": [DISTRICT]}
    ]
    bodies += [
        {"username": u, "role": "grid_inspector", "grids": [g]} for g, u in inspectors.items()
    ]
    bodies += [
        {"username": u, "role": "canteen_manager", "kitchen_id": s} for s, u in managers.items()
    ]
    for body in bodies:
        r = httpx.post(
            f"{url}/users", json={**body, "password": PASSWORD}, headers=headers, timeout=30
        )
        r.raise_for_status()
    return {"managers": managers, "inspectors": inspectors}
