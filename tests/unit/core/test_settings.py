from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import Settings, load_settings


def test_defaults_without_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BK_CONFIG", raising=False)
    s: Settings = load_settings()
    assert s.mqtt.port == 1883 and s.influx.kind == "v1"


def test_environment_beats_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "bk.yaml"
    f.write_text("mqtt:\n  host: broker.local\n  port: 8883\ninflux:\n  database: kitchens\n")
    monkeypatch.setenv("BK_MQTT__PORT", "1999")
    s: Settings = load_settings(f)
    assert s.mqtt.host == "broker.local"
    assert s.mqtt.port == 1999
    assert s.influx.database == "kitchens"


def test_bad_values_name_the_field(tmp_path: Path) -> None:
    f = tmp_path / "bk.yaml"
    f.write_text("mqtt:\n  port: 99999\n  colour: blue\n")
    with pytest.raises(ConfigError) as info:
        load_settings(f)
    text = str(info.value)
    assert "mqtt.port: Input should be less than or equal to 65535" in text
    assert "mqtt.colour: Extra inputs are not permitted" in text
    assert str(f) in text


def test_bad_environment_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BK_MQTT__PORT", "not-a-port")
    with pytest.raises(ConfigError, match=r"mqtt\.port"):
        load_settings()


def test_v2_needs_token_org_bucket(tmp_path: Path) -> None:
    f = tmp_path / "bk.yaml"
    f.write_text("influx:\n  kind: v2\n  token: x\n")
    with pytest.raises(ConfigError, match="needs org, bucket"):
        load_settings(f)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read settings file"):
        load_settings(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("mqtt: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("42\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(scalar)


def test_settings_class_is_extendable(tmp_path: Path) -> None:
    class IngestSettings(Settings):
        batch_size: int = 500

    f = tmp_path / "bk.yaml"
    f.write_text("batch_size: 50\n")
    assert load_settings(f, cls=IngestSettings).batch_size == 50
