"""InfluxDB 2.x / 3.x / Cloud adapter through `influxdb-client` (token, org, bucket).

Writes go through the client library's synchronous write API. Queries are InfluxQL
through the v1-compatibility `/query` endpoint, which 2.x (with a DBRP mapping for
the bucket) and 3.x both answer, so rules and dashboards use one query language.
"""

from typing import Any

import httpx
from influxdb_client import InfluxDBClient, WritePrecision
from influxdb_client.client.exceptions import InfluxDBError
from influxdb_client.client.write_api import SYNCHRONOUS

from core.errors import BackendUnavailable, WriteRejected
from core.settings import InfluxSettings
from core.store.base import Row, TimeSeriesStore, rows_from_influxql


class InfluxV2Store(TimeSeriesStore):
    kind = "v2"

    def __init__(self, settings: InfluxSettings) -> None:
        if settings.token is None or settings.org is None or settings.bucket is None:
            raise ValueError("InfluxDB v2 needs token, org and bucket")
        self.settings = settings
        self.bucket = settings.bucket
        self.org = settings.org
        token = settings.token.get_secret_value()
        self._client = InfluxDBClient(
            url=settings.url, token=token, org=settings.org, timeout=int(settings.timeout_s * 1000)
        )
        self._write = self._client.write_api(write_options=SYNCHRONOUS)
        self._http = httpx.Client(
            base_url=settings.url,
            timeout=settings.timeout_s,
            headers={"Authorization": f"Token {token}"},
        )

    def write_lines(self, body: bytes) -> None:
        if not body:
            return
        try:
            self._write.write(
                bucket=self.bucket, org=self.org, record=body, write_precision=WritePrecision.NS
            )
        except InfluxDBError as exc:
            status = getattr(exc.response, "status", None) if exc.response is not None else None
            if status is not None and 400 <= int(status) < 500:
                raise WriteRejected(f"InfluxDB refused the write: {status} {exc.message}") from exc
            raise BackendUnavailable(f"InfluxDB at {self.settings.url}: {exc.message}") from exc
        except OSError as exc:
            raise BackendUnavailable(f"InfluxDB at {self.settings.url} unreachable: {exc}") from exc

    def query(self, influxql: str) -> list[Row]:
        try:
            response = self._http.post(
                "/query", params={"db": self.bucket, "q": influxql, "epoch": "ns"}
            )
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"InfluxDB at {self.settings.url} unreachable: {exc}") from exc
        if response.status_code >= 500:
            raise BackendUnavailable(f"InfluxDB answered {response.status_code}")
        if response.status_code >= 400:
            raise WriteRejected(f"InfluxQL refused: {response.status_code} {response.text[:300]}")
        data: dict[str, Any] = response.json()
        return rows_from_influxql(data)

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except Exception:  # noqa: BLE001 - the client raises assorted urllib3 errors
            return False

    def close(self) -> None:
        self._write.close()
        self._client.close()
        self._http.close()
