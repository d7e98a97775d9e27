"""simulate(): deterministic, source-time ordered, faults visible as the contract says."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from core.schemas import DeviceState, DeviceStatus, Telemetry, decode, encode
from simulators.fleet import simulate, ticks
from simulators.generate import generate_fleet
from simulators.scenario import Scenario

START = datetime(2026, 1, 5, tzinfo=UTC)
T = START + timedelta(hours=1)


def small(
    incidents: list[dict[str, Any]] | None = None, seed: int = 5, hours: float = 2.5, n: int = 1
) -> Scenario:
    scn = generate_fleet(n, seed=seed, start=START, duration=timedelta(hours=hours))
    data = scn.model_dump()
    data["incidents"] = [{"site": "school-0001", "at": T, **i} for i in incidents or []]
    return Scenario.model_validate(data)


def wire(scn: Scenario, **kw: Any) -> list[bytes]:
    return [encode(m) for m in simulate(scn, **kw)]


def readings(scn: Scenario, site: str, device: str, sensor: str) -> list[tuple[datetime, float]]:
    out = []
    for m in simulate(scn):
        if isinstance(m, Telemetry) and m.site == site and m.device == device:
            out += [(r.ts, r.value) for r in m.readings if r.sensor == sensor]
    return out


def test_seeded_runs_are_identical_and_seeds_differ() -> None:
    a = wire(small(seed=5, n=3), until=START + timedelta(hours=1))
    b = wire(small(seed=5, n=3), until=START + timedelta(hours=1))
    c = wire(small(seed=6, n=3), until=START + timedelta(hours=1))
    assert a == b
    assert a != c
    assert len(a) == len(c)


def test_a_device_draws_do_not_depend_on_the_rest_of_the_fleet() -> None:
    one = generate_fleet(1, seed=9, start=START, duration=timedelta(hours=1))
    many = generate_fleet(5, seed=9, start=START, duration=timedelta(hours=1))

    def of_first(scn: Scenario) -> list[bytes]:
        return [encode(m) for m in simulate(scn) if m.site == "school-0001"]

    assert of_first(one) == of_first(many)


def test_stream_shape_ten_sensors_every_ten_seconds_valid_on_the_wire() -> None:
    scn = small(hours=1, n=3)
    msgs = list(simulate(scn, until=START + timedelta(minutes=10)))
    status = [m for m in msgs if isinstance(m, DeviceStatus)]
    assert [(s.site, s.device, s.state) for s in status] == [
        (site, "edge1", DeviceState.ONLINE) for site in sorted(scn.sites)
    ]
    tele = [m for m in msgs if isinstance(m, Telemetry)]
    assert sum(len(m.readings) for m in tele) == 3 * 10 * 60  # 3 kitchens x 10 sensors x 60
    times = [m.readings[0].ts for m in tele]
    assert times == sorted(times) and times[-1] < START + timedelta(minutes=10)
    seqs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for m in tele:
        assert decode(Telemetry, encode(m)) == m  # valid through the real schema
        seqs[(m.site, m.device)] += [r.seq for r in m.readings]
    for seq in seqs.values():
        assert seq == list(range(len(seq)))
    zones = {(m.device, r.sensor): (r.kind.value, r.zone) for m in tele for r in m.readings}
    assert zones[("coldroom1", "t1")] == ("temperature", "cold_room")
    assert zones[("coldroom1", "door")] == ("door", "cold_room")
    assert zones[("coldroom1", "power")] == ("power", "cold_room")
    assert zones[("freezer1", "t1")] == ("temperature", "freezer")
    assert zones[("samplefridge1", "t1")] == ("temperature", "sample_fridge")
    assert zones[("cooling1", "t1")] == ("temperature", "food_cooling")
    assert zones[("disinfect1", "t1")] == ("temperature", "disinfection")
    assert zones[("hotbox1", "t1")] == ("temperature", "hot_holding")
    assert zones[("room1", "rh")] == ("humidity", "kitchen")


def test_network_outage_is_a_gap_between_offline_and_online() -> None:
    scn = small([{"device": "edge1", "kind": "network_outage", "duration": "20m"}], n=2)
    site = [m for m in simulate(scn) if m.site == "school-0001"]
    states = [(m.state, m.ts) for m in site if isinstance(m, DeviceStatus)]
    assert states == [
        (DeviceState.ONLINE, START),
        (DeviceState.OFFLINE, T),
        (DeviceState.ONLINE, T + timedelta(minutes=20)),
    ]
    stamps = [m.readings[0].ts for m in site if isinstance(m, Telemetry)]
    assert not [ts for ts in stamps if T <= ts < T + timedelta(minutes=20)]
    assert any(ts >= T + timedelta(minutes=20) for ts in stamps)
    # Other kitchens are not affected.
    other = [m for m in simulate(scn) if m.site == "central-0002" and isinstance(m, Telemetry)]
    assert any(T <= m.readings[0].ts < T + timedelta(minutes=20) for m in other)


def test_sensor_dropout_leaves_only_that_sensor_out() -> None:
    scn = small([{"device": "coldroom1", "sensor": "t1", "kind": "sensor_dropout",
                  "duration": "30m"}])  # fmt: skip
    t1 = [ts for ts, _ in readings(scn, "school-0001", "coldroom1", "t1")]
    door = [ts for ts, _ in readings(scn, "school-0001", "coldroom1", "door")]
    gap = [ts for ts in t1 if T <= ts < T + timedelta(minutes=30)]
    assert not gap
    assert len([ts for ts in door if T <= ts < T + timedelta(minutes=30)]) == 180


def test_clock_skew_shifts_timestamps_only() -> None:
    plain = small()
    skewed = small([{"device": "edge1", "kind": "clock_skew", "duration": "1h", "magnitude": 90}])
    a = readings(plain, "school-0001", "freezer1", "t1")
    b = readings(skewed, "school-0001", "freezer1", "t1")
    assert [v for _, v in a] == [v for _, v in b]
    shifts = {(tb - ta).total_seconds() for (ta, _), (tb, _) in zip(a, b, strict=True)}
    assert shifts == {0.0, 90.0}
    assert all(
        (tb - ta).total_seconds() == (90.0 if T <= ta < T + timedelta(hours=1) else 0.0)
        for (ta, _), (tb, _) in zip(a, b, strict=True)
    )


def test_sensor_stuck_drift_and_spikes_change_only_the_reported_values() -> None:
    base = readings(small(), "school-0001", "freezer1", "t1")
    in_fault = [i for i, (ts, _) in enumerate(base) if T <= ts < T + timedelta(hours=1)]

    stuck = readings(
        small([{"device": "freezer1", "sensor": "t1", "kind": "sensor_stuck", "duration": "1h"}]),
        "school-0001",
        "freezer1",
        "t1",
    )
    assert len({stuck[i][1] for i in in_fault}) == 1
    assert len({base[i][1] for i in in_fault}) > 10

    drift = readings(
        small([{"device": "freezer1", "sensor": "t1", "kind": "sensor_drift", "duration": "1h",
                "magnitude": 0.6}]),
        "school-0001", "freezer1", "t1",
    )  # fmt: skip
    last = in_fault[-1]
    assert drift[last][1] - base[last][1] == pytest.approx(0.6, abs=0.25)

    spiky = readings(
        small([{"device": "freezer1", "sensor": "t1", "kind": "noise_spikes", "duration": "1h"}]),
        "school-0001",
        "freezer1",
        "t1",
    )
    jumps = [i for i in in_fault if abs(spiky[i][1] - base[i][1]) > 5]
    assert 0.02 * len(in_fault) < len(jumps) < 0.1 * len(in_fault)
    assert all(b - a > 1 for a, b in pairwise(jumps))  # never two in a row


def test_power_cut_shows_on_the_power_sensor() -> None:
    scn = small([{"device": "coldroom1", "kind": "power_cut", "duration": "30m"}])
    power = readings(scn, "school-0001", "coldroom1", "power")
    assert {v for ts, v in power if T < ts < T + timedelta(minutes=30)} == {0.0}
    assert {v for ts, v in power if ts < T or ts >= T + timedelta(minutes=30)} == {1.0}


def test_stagger_spreads_readings_over_the_interval() -> None:
    scn = small(hours=1, n=3)
    per_tick = [
        sum(len(m.readings) for m in t.messages if isinstance(m, Telemetry))
        for t in ticks(scn, until=START + timedelta(minutes=2), step_s=1.0, stagger=True)
    ]
    assert sum(per_tick) == 3 * 10 * 12
    assert max(per_tick) < 3 * 10  # never all at once


def test_step_groups_the_stream_but_does_not_change_readings() -> None:
    scn = small(n=2, hours=1)
    fine = [encode(m) for m in simulate(scn, step_s=10.0) if isinstance(m, Telemetry)]
    coarse = [encode(m) for m in simulate(scn, step_s=60.0) if isinstance(m, Telemetry)]
    assert fine != coarse  # grouped differently across sites…
    assert sorted(fine) == sorted(coarse)  # …but the very same readings
