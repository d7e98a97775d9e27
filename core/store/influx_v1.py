"""InfluxDB 1.x adapter over its HTTP API (`/write`, `/query`, `/ping`).

The Debian `influxdb` 1.6 package answers only these (no `/api/v2`), and the same
endpoints exist on 1.8+, 2.x (compatibility API) and 3.x, so this is also the most
portable path for InfluxQL queries.
"""

from typing import Any

import httpx

from core.errors import BackendUnavailable, WriteRejected
from core.settings import InfluxSettings
from core.store.base import Row, TimeSeriesStore, rows_from_influxql


class InfluxV1Store(TimeSeriesStore):
    kind = "v1"

    def __init__(self, settings: InfluxSettings) -> None:
        self.settings = settings
        self.database = settings.database
        auth: tuple[str, str] | None = None
        if settings.username:
            auth = (
                settings.username,
                settings.password.get_secret_value() if settings.password else "",
            )
        self._http = httpx.Client(base_url=settings.url, timeout=settings.timeout_s, auth=auth)

    def _post(
        self, path: str, params: dict[str, str], content: bytes | None = None
    ) -> httpx.Response:
        try:
            response = self._http.post(path, params=params, content=content)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"InfluxDB at {self.settings.url} unreachable: {exc}") from exc
        if response.status_code >= 500:
            raise BackendUnavailable(
                f"InfluxDB at {self.settings.url} answered {response.status_code}: "
                f"{response.text[:200]}"
            )
        if response.status_code >= 400:
            raise WriteRejected(
                f"InfluxDB refused {path}: {response.status_code} {response.text[:300]}"
            )
        return response

    def write_lines(self, body: bytes) -> None:
        if body:
            self._post("/write", {"db": self.database, "precision": "ns"}, body)

    def query(self, influxql: str) -> list[Row]:
        response = self._post("/query", {"db": self.database, "q": influxql, "epoch": "ns"})
        data: dict[str, Any] = response.json()
        return rows_from_influxql(data)

    def ping(self) -> bool:
        try:
            return self._http.get("/ping").status_code == 204
        except httpx.HTTPError:
            return False

    def ensure_database(self) -> None:
        if not self.database.replace("_", "").replace("-", "").isalnum():
            raise WriteRejected(f"database name {self.database!r} is not a plain identifier")
        self._post("/query", {"q": f'CREATE DATABASE "{self.database}"'})

    def close(self) -> None:
        self._http.close()
