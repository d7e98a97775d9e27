"""`bk dashboards push`: idempotent create-or-update through grafana-client.

A Grafana server cannot be installed here. The request sequence is checked against a
local HTTP server that keeps what it is sent the way Grafana's HTTP API does (by uid,
404 for what it does not hold) and records every request; the same push runs against
a real Grafana when BK_TEST_GRAFANA_URL and BK_TEST_GRAFANA_TOKEN are set.
"""

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from grafana_client.api import GrafanaApi
from typer.testing import CliRunner

from dashboards.cli import DEFAULT_RULES, app
from dashboards.common import FOLDER_TITLE, FOLDER_UID, Options
from dashboards.export import Inputs, Sources, build_all, datasources_v1, to_dict
from dashboards.push import PushReport, push
from rules.config import load_rules

TOKEN = "glsa_test_token"


@dataclass
class GrafanaState:
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasources: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    auth: set[str] = field(default_factory=set)

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]


def _handler(state: GrafanaState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            n = int(self.headers.get("Content-Length", "0"))
            data: dict[str, Any] = json.loads(self.rfile.read(n) or b"{}")
            return data

        def _record(self) -> list[str]:
            state.requests.append((self.command, self.path))
            state.auth.add(self.headers.get("Authorization", ""))
            return self.path.split("?")[0].strip("/").split("/")

        def do_GET(self) -> None:
            parts = self._record()
            found: dict[str, Any] | None = None
            if parts[:2] == ["api", "folders"]:
                found = state.folders.get(parts[2])
            elif parts[:3] == ["api", "datasources", "uid"]:
                found = state.datasources.get(parts[3])
            elif parts[:3] == ["api", "dashboards", "uid"]:
                found = state.dashboards.get(parts[3])
            if found is None:
                self._reply(404, {"message": "not found"})
            else:
                self._reply(200, found)

        def do_POST(self) -> None:
            parts = self._record()
            body = self._body()
            if parts == ["api", "folders"]:
                state.folders[body["uid"]] = {"uid": body["uid"], "title": body["title"], "id": 1}
                self._reply(200, state.folders[body["uid"]])
            elif parts == ["api", "datasources"]:
                state.datasources[body["uid"]] = {**body, "id": len(state.datasources) + 1}
                self._reply(200, {"message": "Datasource added"})
            elif parts == ["api", "dashboards", "db"]:
                model = body["dashboard"]
                old = state.dashboards.get(model["uid"])
                version = old["dashboard"]["version"] + 1 if old else 1
                state.dashboards[model["uid"]] = {
                    "dashboard": {**model, "id": 7, "version": version},
                    "meta": {"folderUid": body.get("folderUid", "")},
                }
                self._reply(200, {"status": "success", "uid": model["uid"], "version": version})
            else:
                self._reply(404, {"message": "not found"})

        def do_PUT(self) -> None:
            parts = self._record()
            body = self._body()
            if parts[:2] == ["api", "folders"]:
                state.folders[parts[2]]["title"] = body["title"]
                self._reply(200, state.folders[parts[2]])
            elif parts[:3] == ["api", "datasources", "uid"]:
                state.datasources[parts[3]] = {**body, "id": state.datasources[parts[3]]["id"]}
                self._reply(200, {"message": "Datasource updated"})
            else:
                self._reply(404, {"message": "not found"})

    return Handler


@pytest.fixture
def grafana() -> Iterator[tuple[str, GrafanaState]]:
    """A local HTTP server keeping folders, data sources and dashboards by uid."""
    state = GrafanaState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


def _push(url: str, token: str, console: str = "http://localhost:8000") -> PushReport:
    inputs = Inputs(load_rules(DEFAULT_RULES), Options(console_url=console), Sources())
    return push(
        GrafanaApi.from_url(url, credential=token),
        (FOLDER_UID, FOLDER_TITLE),
        datasources_v1(inputs.sources)["datasources"],
        [to_dict(d) for d in build_all(inputs)],
    )


def test_first_push_creates_second_changes_nothing(grafana: tuple[str, GrafanaState]) -> None:
    url, state = grafana
    first = _push(url, TOKEN)
    assert sorted(first.created) == sorted(
        [
            f"folder {FOLDER_UID}",
            "datasource bk-influxdb",
            "datasource bk-prometheus",
            "dashboard bk-district-overview",
            "dashboard bk-kitchen",
            "dashboard bk-cold-chain",
            "dashboard bk-platform-health",
        ]
    )
    assert first.updated == [] and first.unchanged == []
    assert state.auth == {f"Bearer {TOKEN}"}
    assert all(d["meta"]["folderUid"] == FOLDER_UID for d in state.dashboards.values())
    writes_after_first = len(state.writes())
    assert writes_after_first == 7

    second = _push(url, TOKEN)
    assert second.created == [] and second.updated == []
    assert len(second.unchanged) == 7
    assert len(state.writes()) == writes_after_first, "a second push must not write"
    assert {d["dashboard"]["version"] for d in state.dashboards.values()} == {1}


def test_a_changed_dashboard_is_updated_alone(grafana: tuple[str, GrafanaState]) -> None:
    url, state = grafana
    _push(url, TOKEN)
    before = len(state.writes())
    report = _push(url, TOKEN, console="https://console.example.org")
    # Only the dashboards linking to the console change.
    assert sorted(report.updated) == ["dashboard bk-district-overview", "dashboard bk-kitchen"]
    assert state.writes()[before:] == [("POST", "/api/dashboards/db")] * 2
    assert state.dashboards["bk-kitchen"]["dashboard"]["version"] == 2
    text = json.dumps(state.dashboards["bk-kitchen"]["dashboard"])
    assert "https://console.example.org/alerts/" in text


def test_push_command(grafana: tuple[str, GrafanaState]) -> None:
    url, _state = grafana
    result = CliRunner().invoke(app, ["push", "--url", url, "--token", TOKEN])
    assert result.exit_code == 0, result.output
    assert "created: dashboard bk-kitchen" in result.output
    again = CliRunner().invoke(app, ["push", "--url", url, "--token", TOKEN])
    assert again.exit_code == 0, again.output
    assert "created" not in again.output and "updated" not in again.output
    assert again.output.count("unchanged:") == 7


def test_refused_push_is_a_clear_error(grafana: tuple[str, GrafanaState]) -> None:
    url, _state = grafana
    result = CliRunner().invoke(app, ["push", "--url", url + "/nothing-here", "--token", TOKEN])
    assert result.exit_code == 1
    assert "Grafana refused the push" in result.output


def test_unreachable_grafana_is_a_clear_error() -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = CliRunner().invoke(app, ["push", "--url", f"http://127.0.0.1:{port}", "--token", "x"])
    assert result.exit_code == 1
    assert "cannot reach Grafana" in result.output


REAL_URL = os.environ.get("BK_TEST_GRAFANA_URL")
REAL_TOKEN = os.environ.get("BK_TEST_GRAFANA_TOKEN")


@pytest.mark.skipif(
    not (REAL_URL and REAL_TOKEN),
    reason="no Grafana configured: set BK_TEST_GRAFANA_URL and BK_TEST_GRAFANA_TOKEN"
    " (a service-account token with Editor and data-source rights) to push to one",
)
def test_push_to_a_real_grafana() -> None:
    assert REAL_URL and REAL_TOKEN
    _push(REAL_URL, REAL_TOKEN)
    again = _push(REAL_URL, REAL_TOKEN)
    assert again.created == [] and again.updated == []
