"""Settings of the centre API: the shared tree plus an `api:` section (`BK_API__...`)."""

import secrets
from pathlib import Path

from pydantic import Field, SecretStr

from api.figures import IndexConfig
from core.settings import Settings, _Section
from recorder.settings import RecorderSection

_RECORDER = RecorderSection.model_fields


class RecordingsSection(_Section):
    """Where the API reads the recorder's index and files (api/recordings.py, read only)."""

    database_url: str = Field(
        default=_RECORDER["database_url"].default,
        description="The recorder's index (same as BK_RECORDER__DATABASE_URL); a SQLite file "
        "that does not exist means no recorder: empty coverage, 404 for playback",
    )
    video_dir: Path = Field(
        default=_RECORDER["video_dir"].default,
        description="The recorder's segment folder (BK_RECORDER__VIDEO_DIR)",
    )
    clips_dir: Path = Field(
        default=_RECORDER["clips_dir"].default,
        description="The recorder's evidence clips and their chain (BK_RECORDER__CLIPS_DIR)",
    )


class ApiSection(_Section):
    host: str = Field(default="127.0.0.1", description="Address `bk api run` listens on")
    port: int = Field(default=8080, ge=1, le=65535, description="Port `bk api run` listens on")
    workers: int = Field(
        default=1, ge=1, le=64, description="uvicorn worker processes (one per core is typical)"
    )
    database_url: str = Field(
        default="sqlite:///var/api/centre.db",
        description="Registry, people and tokens: SQLite file, or postgresql+psycopg://...",
    )
    alerts_url: str = Field(
        default="sqlite:///var/rules/alerts.db",
        description="The rules service's alert store (read for open alerts); same URL "
        "as BK_RULES__STORE_URL",
    )
    evidence_dir: Path = Field(
        default=Path("var/evidence"), description="The vision workers' evidence directory"
    )
    auto_migrate: bool = Field(
        default=True, description="Bring the schema to the newest revision at start-up"
    )
    signing_key: SecretStr | None = Field(
        default=None,
        description="HMAC key for signed evidence links (shared with rules); when absent, "
        "a random key per process (links then die with it)",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8080",
        description="How the outside world reaches this API (QR codes, signed links)",
    )
    token_ttl_s: int = Field(
        default=900, ge=30, le=24 * 3600, description="Lifetime of an access token"
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed logins in a row before the lockout"
    )
    lockout_s: int = Field(
        default=900, ge=1, le=24 * 3600, description="How long an account stays locked"
    )
    login_max_failures_per_client: int = Field(
        default=30,
        ge=1,
        le=100_000,
        description="Failed logins from one address within `lockout_s` before it must wait",
    )
    index: IndexConfig = Field(
        default_factory=IndexConfig,
        description="The 食安指数 formula: component weights, tier weights, allowed "
        "violations per working day, acknowledgement target, cold-chain rules, grade "
        "thresholds (api/figures.py documents the formula)",
    )
    sensor_silent_s: int = Field(
        default=600,
        ge=10,
        le=24 * 3600,
        description="A sensor without its own status counts as offline when its agent is "
        "online but it sent no reading for this long",
    )
    signed_link_ttl_s: int = Field(
        default=3 * 24 * 3600, ge=60, le=7 * 24 * 3600, description="Lifetime of signed links"
    )
    registry_file: Path | None = Field(
        default=None,
        description="The site registry YAML ingest and `bk provision` read; device "
        "enrolment through the API writes it (absent: enrolment is off)",
    )
    broker_dir: Path | None = Field(
        default=None,
        description="`bk provision --out` folder (password files, ACL, account env files)",
    )
    broker_pid_file: Path | None = Field(
        default=None, description="Mosquitto's pid file: told to reload (SIGHUP) after a change"
    )
    state_lookback_s: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description="How far back the live state looks for a sensor's latest reading",
    )

    # -- live view (api/live.py; the broker is the tree's `mqtt` section) --
    live_view: bool = Field(
        default=True,
        description="Connect to the broker for the live camera view (WebSocket tiles, MJPEG)",
    )
    live_hidden_interval_s: float = Field(
        default=5.0,
        ge=0.5,
        le=300,
        description="Hidden or off-screen tiles get at most one frame this often",
    )
    live_link_ttl_s: int = Field(
        default=60,
        ge=5,
        le=3600,
        description="Lifetime of a signed MJPEG link (only to open the stream; it then runs on)",
    )
    live_stream_max_s: int = Field(
        default=3600, ge=10, le=24 * 3600, description="Longest MJPEG stream before it ends"
    )
    live_idle_s: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        description="An MJPEG stream whose camera sent nothing this long ends (the page retries)",
    )
    live_max_cameras: int = Field(
        default=64, ge=1, le=1024, description="Cameras one live-view socket may watch at once"
    )
    recordings: RecordingsSection = Field(
        default_factory=RecordingsSection,
        description="The recorder's index and files, for coverage, playback and alert clips",
    )

    def key(self) -> bytes:
        """The signing key as bytes (see `signing_key`)."""
        if self.signing_key is not None and self.signing_key.get_secret_value():
            return self.signing_key.get_secret_value().encode()
        return _PROCESS_KEY


_PROCESS_KEY = secrets.token_bytes(32)


class ApiSettings(Settings):
    api: ApiSection = Field(default_factory=ApiSection, description="Centre API")
