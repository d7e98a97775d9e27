"""Send the folder, data sources and dashboards to a running Grafana (grafana-client).

Idempotent: each object is read by uid first, created on 404, updated only when what
Grafana holds differs from what we would send, so a second push changes nothing.
"""

import logging
from dataclasses import dataclass, field
from typing import Any

from grafana_client.api import GrafanaApi
from grafana_client.client import GrafanaClientError, GrafanaException

from core.errors import BackendUnavailable

log = logging.getLogger(__name__)

# Fields Grafana adds or manages itself; they never count as a difference.
_DASHBOARD_VOLATILE = ("id", "version")
_DATASOURCE_COMPARED = ("name", "type", "access", "url", "isDefault", "jsonData")


@dataclass
class PushReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _missing(exc: GrafanaClientError) -> bool:
    return bool(exc.status_code == 404)


def _get(call: Any, *args: Any) -> Any | None:
    try:
        return call(*args)
    except GrafanaClientError as exc:
        if _missing(exc):
            return None
        raise


def push(
    api: "GrafanaApi | Any",
    folder: tuple[str, str],
    datasources: list[dict[str, Any]],
    dashboards: list[dict[str, Any]],
) -> PushReport:
    """Create or update `folder` (uid, title), the data sources and the dashboards."""
    report = PushReport()
    uid, title = folder
    try:
        _push_folder(api, uid, title, report)
        for ds in datasources:
            _push_datasource(api, ds, report)
        for model in dashboards:
            _push_dashboard(api, model, uid, report)
    except GrafanaClientError as exc:
        raise BackendUnavailable(f"Grafana refused the push: {exc.message}") from exc
    except GrafanaException as exc:  # 5xx, timeouts
        raise BackendUnavailable(f"Grafana failed: {exc.message}") from exc
    except OSError as exc:  # connection refused, DNS (the HTTP client's errors are OSErrors)
        raise BackendUnavailable(f"cannot reach Grafana: {exc}") from exc
    return report


def _push_folder(api: Any, uid: str, title: str, report: PushReport) -> None:
    current = _get(api.folder.get_folder, uid)
    name = f"folder {uid}"
    if current is None:
        api.folder.create_folder(title, uid=uid)
        report.created.append(name)
    elif current.get("title") != title:
        api.folder.update_folder(uid, title=title, overwrite=True)
        report.updated.append(name)
    else:
        report.unchanged.append(name)


def _push_datasource(api: Any, ds: dict[str, Any], report: PushReport) -> None:
    uid = ds["uid"]
    name = f"datasource {uid}"
    current = _get(api.datasource.get_datasource_by_uid, uid)
    if current is None:
        api.datasource.create_datasource(ds)
        report.created.append(name)
        return
    if any(current.get(k) != ds.get(k) for k in _DATASOURCE_COMPARED if k in ds):
        api.datasource.update_datasource_by_uid(uid, ds)
        report.updated.append(name)
    else:
        report.unchanged.append(name)


def _comparable(model: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in model.items() if k not in _DASHBOARD_VOLATILE}


def _push_dashboard(api: Any, model: dict[str, Any], folder_uid: str, report: PushReport) -> None:
    uid = model["uid"]
    name = f"dashboard {uid}"
    current = _get(api.dashboard.get_dashboard, uid)
    if current is not None:
        same_folder = current.get("meta", {}).get("folderUid") == folder_uid
        held = current.get("dashboard", {})
        # Grafana adds fields of its own (id, version, ...): only what we send counts.
        if same_folder and all(held.get(k) == v for k, v in _comparable(model).items()):
            report.unchanged.append(name)
            return
    body = {"dashboard": {**model, "id": None}, "folderUid": folder_uid, "overwrite": True}
    body["message"] = "bk dashboards push"
    api.dashboard.update_dashboard(body)
    (report.created if current is None else report.updated).append(name)
    log.info("%s %s", "created" if current is None else "updated", name)
