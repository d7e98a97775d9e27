"""Settings shared by every service: environment (`BK_` prefix, `__` for nesting) over YAML.

Precedence, highest first: constructor arguments, environment variables, the YAML file
named by `BK_CONFIG` (or passed to `load_settings`), defaults. The merge is
pydantic-settings' own (`settings_customise_sources` with a YAML source), so nested
sections combine field by field: `BK_MQTT__PORT` changes the port and keeps the file's
host. Errors name the field and the source so an operator can fix them without reading
code.
"""

import os
import socket
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from core.errors import ConfigError, PayloadError
from core.ids import validate_id


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TlsSettings(_Section):
    ca_file: Path | None = Field(default=None, description="CA bundle that signed the broker")
    cert_file: Path | None = Field(default=None, description="Client certificate (mutual TLS)")
    key_file: Path | None = Field(default=None, description="Client key (mutual TLS)")
    insecure: bool = Field(default=False, description="Skip hostname check (test benches only)")

    @model_validator(mode="after")
    def _pair(self) -> "TlsSettings":
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file must be given together")
        return self


class MqttSettings(_Section):
    host: str = Field(default="127.0.0.1", description="Broker host name or address")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker port")
    username: str | None = Field(default=None, description="Username (per-device credentials)")
    password: SecretStr | None = Field(default=None, description="Password")
    tls: TlsSettings | None = Field(default=None, description="TLS; off when absent")
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keepalive")
    client_id: str | None = Field(default=None, description="Client id; generated when absent")
    session_expiry_s: int = Field(
        default=3600, ge=0, description="Persistent session lifetime (0 = clean session)"
    )
    reconnect_min_s: float = Field(default=0.5, gt=0, description="First reconnect delay")
    reconnect_max_s: float = Field(
        default=4.0,
        gt=0,
        description="Longest reconnect delay: short, so consumers are back (and subscribed) "
        "soon after a broker restart",
    )
    will_delay_s: int = Field(
        default=10,
        ge=0,
        le=3600,
        description="MQTT 5 Will Delay Interval of edge agents: a blip shorter than this never "
        "publishes the offline Last Will",
    )


class InfluxSettings(_Section):
    kind: Literal["v1", "v2"] = Field(
        default="v1", description="v1: InfluxDB 1.x /write+/query; v2: 2.x/3.x/Cloud client"
    )
    url: str = Field(default="http://127.0.0.1:8086", description="Base URL of the server")
    database: str = Field(default="bright_kitchen", description="v1 database")
    username: str | None = Field(default=None, description="v1 user")
    password: SecretStr | None = Field(default=None, description="v1 password")
    token: SecretStr | None = Field(default=None, description="v2 API token")
    org: str | None = Field(default=None, description="v2 organisation")
    bucket: str | None = Field(default=None, description="v2 bucket")
    timeout_s: float = Field(default=10.0, gt=0, description="HTTP timeout per request")

    @model_validator(mode="after")
    def _v2_needs(self) -> "InfluxSettings":
        if self.kind == "v2":
            missing = [n for n in ("token", "org", "bucket") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"influx kind v2 needs {', '.join(missing)}")
        return self


class ServiceSection(_Section):
    """What every long-running service section has: its status heartbeat and /metrics.

    Services subclass it (`ingest:`, `vision:`, `rules:`, `recorder:`), so the health
    knobs are spelt and checked the same everywhere (`core.service` reads them).
    """

    status_interval_s: float = Field(
        default=15.0,
        gt=0,
        le=3600,
        description="How often the retained status (health and counters) is refreshed",
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="Prometheus /metrics port; 0 = off"
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address of the metrics endpoint")


def host_instance(fallback: str) -> str:
    """A stable instance id from the host name (client id and status topic use it)."""
    host = "".join(c if c.isalnum() or c in "-_" else "-" for c in socket.gethostname().lower())
    return (host.strip("-_") or fallback)[:40]


class CameraWorkerSection(ServiceSection):
    """A service whose workers partition the cameras (vision, recorder): `core.partition`.

    Worker i of N owns the cameras whose key `site/camera` has crc32 % N == i; with the
    cameras named (here or by the registry's camera devices) a worker subscribes only to
    its own cameras' frame topics.
    """

    worker_index: int = Field(default=0, ge=0, description="This worker's index (0 .. workers-1)")
    workers: int = Field(
        default=1, ge=1, le=1024, description="Number of workers partitioning the cameras"
    )
    known_cameras: list[str] | None = Field(
        default=None,
        description="Cameras as `site/camera`: each worker subscribes only to the frame "
        "topics of those it owns (no wasted bandwidth); absent: learned from the stream",
    )
    registry_file: Path | None = Field(
        default=None,
        description="Site registry (YAML): its camera devices are known cameras",
    )

    @model_validator(mode="after")
    def _partition(self) -> "CameraWorkerSection":
        if self.worker_index >= self.workers:
            raise ValueError(
                f"worker_index {self.worker_index} must be below workers {self.workers}"
            )
        for entry in self.known_cameras or []:
            site, sep, camera = entry.partition("/")
            if not sep:
                raise ValueError(f"known camera {entry[:80]!r} is not `site/camera`")
            try:
                validate_id(site, "site")
                validate_id(camera, "camera")
            except PayloadError as exc:
                raise ValueError(f"known camera {entry[:80]!r}: {exc.detail}") from exc
        return self


_YAML_FILE: ContextVar[Path | None] = ContextVar("bk_settings_yaml_file", default=None)
"""The YAML file `load_settings` is reading (None: environment and defaults only)."""


class _YamlFileSource(YamlConfigSettingsSource):
    """pydantic-settings' YAML source, reading through `read_yaml_mapping`.

    The stock source silently skips a missing file and accepts a scalar document; an
    operator who names a file must hear that it is missing, malformed or not a mapping.
    """

    def _read_files(self, files: Any, deep_merge: bool = False) -> dict[str, Any]:
        return read_yaml_mapping(Path(files)) if files else {}


class Settings(BaseSettings):
    """The tree every service reads; parts add their own sections in their own modules."""

    model_config = SettingsConfigDict(
        env_prefix="BK_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING, ERROR")
    log_json: bool = Field(default=False, description="One JSON object per log line")
    mqtt: MqttSettings = Field(default_factory=MqttSettings, description="Broker connection")
    influx: InfluxSettings = Field(default_factory=InfluxSettings, description="Time-series store")
    data_dir: Path = Field(default=Path("var"), description="Where services keep local state")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest first: constructor arguments, environment, the YAML file, secrets.
        yaml_file = _YamlFileSource(settings_cls, yaml_file=_YAML_FILE.get())
        return init_settings, env_settings, yaml_file, file_secret_settings


def read_yaml_mapping(path: Path, what: str = "settings file") -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; ConfigError naming `what` otherwise.

    Shared by every loader of YAML configuration (settings, rule files, scenarios).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{what} {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must hold a mapping at the top level")
    return data


M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: Path | str, model: type[M], what: str) -> M:
    """Read a YAML file into a pydantic model; ConfigError with a readable report otherwise."""
    path = Path(path)
    data = read_yaml_mapping(path, what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, f"{what} {path}")) from exc


def format_validation_error(exc: ValidationError, source: str) -> str:
    """A readable, multi-line report of what is wrong, one line per field."""
    lines = [f"invalid settings ({source}):"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  - {loc}: {err['msg']}")
    return "\n".join(lines)


S = TypeVar("S", bound="Settings")


def load_settings(
    path: Path | str | None = None, cls: type[S] | None = None, **overrides: Any
) -> S:
    """Load settings from YAML (path or `BK_CONFIG`) with the environment on top.

    Raises ConfigError with a readable report instead of a pydantic traceback.
    """
    settings_cls: type[Any] = cls if cls is not None else Settings
    file = path if path is not None else os.environ.get("BK_CONFIG")
    source = f"file {file} + environment" if file else "environment"
    token = _YAML_FILE.set(Path(file) if file else None)
    try:
        return settings_cls(**overrides)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from exc
    finally:
        _YAML_FILE.reset(token)
