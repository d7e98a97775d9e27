"""Derived availability of cameras and sensors that publish no status of their own."""

from datetime import UTC, datetime, timedelta

from api.livestate import device_states
from api.models import Device
from api.schemas import DeviceState, SensorReading

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _dev(did: str, kind: str, agent: str | None = None) -> Device:
    spec: dict[str, str] = {"kind": kind}
    if agent:
        spec["agent"] = agent
    return Device(site="a", id=did, kind=kind, name=did, zone=None, spec=spec)


def _reading(device: str, minutes_ago: float) -> SensorReading:
    return SensorReading(
        device=device,
        sensor="t1",
        kind="temperature",
        zone=None,
        value=4.0,
        ts=NOW - timedelta(minutes=minutes_ago),
    )


def _states(
    devices: list[Device],
    own: dict[str, tuple[str, datetime, datetime]],
    readings: list[SensorReading],
) -> dict[str, DeviceState]:
    return {d.id: d for d in device_states(devices, own, readings, NOW, 600)}


ONLINE = ("online", NOW - timedelta(hours=1), NOW - timedelta(seconds=30))
OFFLINE = ("offline", NOW - timedelta(minutes=15), NOW - timedelta(minutes=15))


def test_an_offline_agent_takes_its_sensors_and_cameras_with_it() -> None:
    devices = [_dev("agent", "agent"), _dev("fridge1", "sensor"), _dev("cam1", "camera")]
    got = _states(devices, {"agent": OFFLINE}, [_reading("fridge1", 20)])
    assert got["agent"].state == "offline" and got["agent"].basis == "own"
    for did in ("fridge1", "cam1"):
        assert got[did].state == "offline" and got[did].basis == "agent"
        assert got[did].since == OFFLINE[1]
    assert got["fridge1"].last_seen == NOW - timedelta(minutes=20)


def test_a_sensor_of_an_online_agent_is_online_while_readings_arrive() -> None:
    devices = [_dev("agent", "agent"), _dev("fridge1", "sensor"), _dev("fridge2", "sensor")]
    got = _states(devices, {"agent": ONLINE}, [_reading("fridge1", 2), _reading("fridge2", 11)])
    assert (got["fridge1"].state, got["fridge1"].basis) == ("online", "readings")
    assert got["fridge1"].since is None  # when it came up is not known from readings
    # Ten minutes silent (> 600 s) while its agent is up: offline since its last reading.
    assert (got["fridge2"].state, got["fridge2"].since) == ("offline", NOW - timedelta(minutes=11))


def test_a_sensor_that_never_reported_under_an_online_agent_is_offline() -> None:
    devices = [_dev("agent", "agent"), _dev("fridge1", "sensor")]
    got = _states(devices, {"agent": ONLINE}, [])
    assert got["fridge1"].state == "offline" and got["fridge1"].since is None


def test_own_status_wins_and_cameras_stay_unknown_under_an_online_agent() -> None:
    devices = [_dev("agent", "agent"), _dev("fridge1", "sensor"), _dev("cam1", "camera")]
    got = _states(devices, {"agent": ONLINE, "fridge1": OFFLINE}, [_reading("fridge1", 1)])
    assert (got["fridge1"].state, got["fridge1"].basis) == ("offline", "own")
    assert (got["cam1"].state, got["cam1"].basis) == ("unknown", None)


def test_the_owning_agent_is_the_registered_one_on_a_two_agent_site() -> None:
    devices = [
        _dev("gw1", "agent"),
        _dev("gw2", "agent"),
        _dev("fridge1", "sensor", agent="gw1"),
        _dev("fridge2", "sensor", agent="gw2"),
    ]
    got = _states(devices, {"gw1": OFFLINE, "gw2": ONLINE}, [_reading("fridge2", 1)])
    assert (got["fridge1"].state, got["fridge1"].basis) == ("offline", "agent")
    assert (got["fridge2"].state, got["fridge2"].basis) == ("online", "readings")


def test_nothing_known_is_unknown() -> None:
    devices = [_dev("agent", "agent"), _dev("fridge1", "sensor"), _dev("cam1", "camera")]
    assert {d: s.state for d, s in _states(devices, {}, []).items()} == {
        "agent": "unknown",
        "fridge1": "unknown",
        "cam1": "unknown",
    }
