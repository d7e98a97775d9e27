import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import SecretStr

from core.errors import BackendUnavailable, WriteRejected
from core.schemas import Reading, SensorKind, Telemetry
from core.settings import InfluxSettings
from core.store import open_store, reading_points, to_line_protocol
from core.store.influx_v1 import InfluxV1Store
from core.store.influx_v2 import InfluxV2Store
from devtools.servers import LocalInfluxDB


def _telemetry(site: str, n: int, start: datetime) -> Telemetry:
    return Telemetry(
        site=site,
        device="fridge1",
        readings=[
            Reading(
                sensor="t1",
                kind=SensorKind.TEMPERATURE,
                value=2.0 + i / 10,
                unit="degC",
                ts=start + timedelta(seconds=10 * i),
                seq=i,
            )
            for i in range(n)
        ],
    )


def test_v1_writes_and_reads_back_with_influxql(
    influx_settings: InfluxSettings, site_id: str
) -> None:
    start = datetime.now(UTC).replace(microsecond=123456) - timedelta(hours=1)
    with open_store(influx_settings) as store:
        assert isinstance(store, InfluxV1Store) and store.ping()
        msg = _telemetry(site_id, 50, start)
        store.write(reading_points(msg))
        store.write(reading_points(msg))  # redelivery: same series + timestamp, no duplicate
        rows = store.query(f"SELECT count(value) FROM reading WHERE site = '{site_id}'")
        assert rows[0]["count"] == 50
        rows = store.query(
            f"SELECT value, seq FROM reading WHERE site = '{site_id}' "
            "GROUP BY sensor ORDER BY time LIMIT 2"
        )
        assert [r["seq"] for r in rows] == [0, 1]
        assert rows[1]["value"] == pytest.approx(2.1)
        assert rows[0]["sensor"] == "t1"
        assert rows[0]["time"] == int(start.timestamp()) * 10**9 + 123456000


def test_v1_keeps_readings_that_share_a_source_timestamp(
    influx_settings: InfluxSettings, site_id: str
) -> None:
    """An agent's clock stepped back 90 s (an NTP correction after it ran ahead): its
    next readings repeat timestamps it already used. Every reading is stored, each once,
    also when the whole batch is delivered again."""
    start = datetime.now(UTC).replace(microsecond=810000) - timedelta(hours=1)
    ahead = _telemetry(site_id, 20, start + timedelta(seconds=90))  # seq 0..19, 90 s ahead
    back = _telemetry(site_id, 20, start + timedelta(seconds=200))  # stamps of seq 11.. again
    back = back.model_copy(
        update={"readings": [r.model_copy(update={"seq": r.seq + 20}) for r in back.readings]}
    )
    shared = {r.ts for r in ahead.readings} & {r.ts for r in back.readings}
    assert len(shared) == 9
    with open_store(influx_settings) as store:
        for msg in (ahead, back, ahead, back):  # the second round: redelivery
            store.write(reading_points(msg))
        rows = store.query(
            f"SELECT count(value) AS n, count(distinct(seq)) AS d FROM reading "
            f"WHERE site = '{site_id}'"
        )
    assert (rows[0]["n"], rows[0]["d"]) == (40, 40)


def test_v1_rejects_bad_line_protocol(influx_settings: InfluxSettings) -> None:
    with open_store(influx_settings) as store, pytest.raises(WriteRejected, match="400"):
        store.write_lines(b"this is not line protocol")


def test_v1_unreachable_server_is_backend_unavailable(
    influxdb_factory: Callable[[], LocalInfluxDB],
) -> None:
    server = influxdb_factory()
    settings = InfluxSettings(url=server.url, database="x", timeout_s=2)
    store = open_store(settings)
    store.ensure_database()
    server.stop()
    assert not store.ping()
    with pytest.raises(BackendUnavailable, match="unreachable"):
        store.write_lines(b"m v=1 1")


class _Capture(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        _Capture.bodies.append(self.rfile.read(length))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def capture_server() -> Iterator[str]:
    """A loopback HTTP server that records request bodies (the v2 write endpoint's view)."""
    _Capture.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_v2_line_protocol_matches_v1_byte_for_byte(capture_server: str, site_id: str) -> None:
    msg = _telemetry(site_id, 20, datetime(2026, 1, 1, tzinfo=UTC))
    points = reading_points(msg)
    v2 = InfluxV2Store(
        InfluxSettings(kind="v2", url=capture_server, token=SecretStr("t"), org="o", bucket="b")
    )
    v2.write(points)
    v2.close()
    assert _Capture.bodies == [to_line_protocol(points)]


V2_ENV = (
    "BK_TEST_INFLUX_V2_URL",
    "BK_TEST_INFLUX_V2_TOKEN",
    "BK_TEST_INFLUX_V2_ORG",
    "BK_TEST_INFLUX_V2_BUCKET",
)


@pytest.mark.skipif(
    not all(os.environ.get(k) for k in V2_ENV),
    reason="no InfluxDB 2.x/3.x server here: set " + ", ".join(V2_ENV) + " to run",
)
def test_v2_writes_and_reads_back_on_a_real_server(site_id: str) -> None:
    settings = InfluxSettings(
        kind="v2",
        url=os.environ["BK_TEST_INFLUX_V2_URL"],
        token=SecretStr(os.environ["BK_TEST_INFLUX_V2_TOKEN"]),
        org=os.environ["BK_TEST_INFLUX_V2_ORG"],
        bucket=os.environ["BK_TEST_INFLUX_V2_BUCKET"],
    )
    with open_store(settings) as store:
        assert store.ping()
        store.write(
            reading_points(_telemetry(site_id, 10, datetime.now(UTC) - timedelta(minutes=5)))
        )
        rows = store.query(f"SELECT count(value) FROM reading WHERE site = '{site_id}'")
        assert rows[0]["count"] == 10
