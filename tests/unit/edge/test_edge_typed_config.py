"""Typed sensor and camera entries: the plugin's config model, misspelt fields refused by name."""

from datetime import datetime
from pathlib import Path
from typing import ClassVar, Literal

import pytest
from pydantic import Field, ValidationError

from core.errors import ConfigError
from edge.config import AgentConfig, EdgeSettings, load_edge_settings
from edge.drivers.base import SENSOR_GROUP, DriverConfig, Sample, SensorDriver, register_driver
from edge.drivers.modbus import ModbusConfig


class ToyConfig(DriverConfig):
    type: Literal["toy-probe"] = "toy-probe"
    offset_c: float = Field(default=0.0, ge=-5, le=5)


class ToyProbe(SensorDriver):
    """A plugin defined here, outside the packages: it brings its own config model."""

    type_key = "toy-probe"
    config_model: ClassVar[type[DriverConfig]] = ToyConfig

    def read(self, now: datetime) -> list[Sample]:
        return []


MODBUS = {
    "type": "modbus",
    "id": "f1",
    "host": "127.0.0.1",
    "registers": [{"sensor": "t1", "address": 0, "kind": "temperature"}],
}


def _agent(**entries: object) -> dict[str, object]:
    return {"site": "s1", "device": "gw1", **entries}


def test_sensor_entries_are_the_plugins_models() -> None:
    register_driver(SENSOR_GROUP, "toy-probe", ToyProbe)
    cfg = AgentConfig.model_validate(
        _agent(sensors=[MODBUS, {"type": "toy-probe", "id": "p1", "offset_c": 1.5}])
    )
    modbus, toy = cfg.sensors
    assert isinstance(modbus, ModbusConfig) and modbus.host == "127.0.0.1"
    assert isinstance(toy, ToyConfig) and toy.offset_c == 1.5
    # The tree dumps each entry with its own fields (not only the base's).
    assert cfg.model_dump()["sensors"][1]["offset_c"] == 1.5


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({**MODBUS, "registres": []}, ["driver 'f1' (modbus)", "registres", "Extra inputs"]),
        ({"type": "toy-probe", "id": "p1", "ofset_c": 1}, ["ofset_c", "Extra inputs"]),
        ({"type": "toy-probe", "id": "p1", "offset_c": 9}, ["offset_c", "less than or equal"]),
        ({"type": "nosuch", "id": "p1"}, ["unknown driver type 'nosuch'"]),
        ({"id": "p1"}, ["has no 'type'"]),
    ],
)
def test_a_wrong_sensor_entry_is_refused_naming_the_field(
    entry: dict[str, object], words: list[str]
) -> None:
    register_driver(SENSOR_GROUP, "toy-probe", ToyProbe)
    with pytest.raises(ValidationError) as info:
        AgentConfig.model_validate(_agent(sensors=[entry]))
    text = str(info.value)
    assert "sensors.0" in text
    for word in words:
        assert word in text, text


def test_a_misspelt_camera_field_is_refused_by_name() -> None:
    good = {"type": "opencv", "id": "cam1", "source": "rtsp://cam/1"}
    cfg = AgentConfig.model_validate(_agent(cameras=[good]))
    assert cfg.cameras[0].driver.type == "opencv"
    with pytest.raises(ValidationError) as info:
        AgentConfig.model_validate(_agent(cameras=[{**good, "sorce": "rtsp://cam/2"}]))
    assert "cameras.0" in str(info.value) and "sorce" in str(info.value)


def test_the_loader_reports_a_misspelt_field_with_the_file(tmp_path: Path) -> None:
    f = tmp_path / "agent.yaml"
    f.write_text(
        "agent:\n  site: s1\n  device: gw1\n  sensors:\n"
        "    - {type: modbus, id: f1, host: 10.0.0.2, timeout: 3,\n"
        "       registers: [{sensor: t1, address: 0, kind: temperature}]}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_edge_settings(f)
    assert str(f) in str(info.value) and "timeout: Extra inputs" in str(info.value)
    f.write_text(f.read_text().replace("timeout: 3", "timeout_s: 3"))
    settings: EdgeSettings = load_edge_settings(f)
    sensor = settings.edge.sensors[0]
    assert isinstance(sensor, ModbusConfig) and sensor.timeout_s == 3
