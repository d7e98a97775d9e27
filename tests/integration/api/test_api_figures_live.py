"""Figures served from real servers: device statuses in InfluxDB 1.6, the registry and
the alert store (SQLite and PostgreSQL), the API under uvicorn.

One working week (Mon 2 – Fri 6 November 2026, 06:00–14:00 Shanghai, 40 working hours):
kitchen a's agent is online all week; kitchen b's agent is offline Wednesday and
Thursday (a kitchen dark two working days): online 24 of 40 h = 0.6, so its index is
held at 60 (一般) whatever its alerts; kitchen k00000 never reported: 0, not scored well.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core.schemas import DeviceState, DeviceStatus
from core.store import open_store, status_point

MON = datetime(2026, 11, 1, 16, tzinfo=UTC)  # Monday 2 November 00:00 in Shanghai
H = timedelta(hours=1)
D = timedelta(days=1)
WEEK = {"start": MON.isoformat(), "end": (MON + 5 * D).isoformat()}


def _status(site: str, online: bool, ts: datetime) -> Any:
    state = DeviceState.ONLINE if online else DeviceState.OFFLINE
    return status_point(DeviceStatus(site=site, device="agent", state=state, ts=ts))


@pytest.fixture(scope="module")
def api(live_api: Any) -> Any:
    """The seeded API (kitchens a, b and one more, k00000) with the week's statuses."""
    live = live_api(kitchens=1)
    with open_store(live.settings.influx) as store:
        store.write(
            [
                _status("a", True, MON - 2 * H),
                _status("b", True, MON - 2 * H),
                _status("b", False, MON + 2 * D),  # Wednesday 00:00 local
                _status("b", True, MON + 4 * D),  # Friday 00:00 local
            ]
        )
    return live


def _get(api: Any, path: str, who: str = "admin", **params: Any) -> Any:
    r = httpx.get(
        f"{api.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {api.world.tokens[who]}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_online_rate_and_index_of_each_kitchen(api: Any) -> None:
    a = _get(api, "/kitchens/a/figures", **WEEK)
    assert a["coverage"] == 1.0 and a["online_rate"] == pytest.approx(1.0)
    assert a["safety_index"]["index"] == 100.0
    assert (a["safety_index"]["grade"], a["safety_index"]["face"]) == ("优秀", "大笑")
    assert a["safety_index"]["working_days"] == 5
    assert set(a["safety_index"]["components"]) == {
        "online",
        "violations",
        "rectified",
        "ack",
        "cold_chain",
    }

    b = _get(api, "/kitchens/b/figures", **WEEK)
    assert b["online_rate"] == pytest.approx(0.6)  # 24 of 40 working hours
    assert b["online_rate_cameras"] == pytest.approx(0.6)
    # Uncapped: 30·.6 + 70 = 88 (良好) by being dark two days; the cap holds it at 60.
    assert b["safety_index"]["index"] == 60.0 and b["safety_index"]["grade"] == "一般"
    assert b["safety_index"]["capped_by_online"] is True

    dark = _get(api, "/kitchens/k00000/figures", **WEEK)
    assert dark["coverage"] == 0.0 and dark["online_rate"] == 0.0
    assert dark["safety_index"]["index"] == 0.0 and dark["safety_index"]["face"] == "平脸"


def test_scope_figures_and_grade_distribution(api: Any) -> None:
    fleet = _get(api, "/figures", **WEEK)
    assert fleet["kitchens"] == 3 and fleet["connected"] == 2
    # (40 + 24 + 0) h of 3 × 40 h, per device (one camera and one sensor each)
    assert fleet["online_rate"] == pytest.approx(64 / 120)
    assert fleet["grades"] == {"优秀": 1, "良好": 0, "一般": 2, "评定中": 0}
    assert fleet["share_excellent"] == pytest.approx(1 / 3)
    # The supervisor of district x sees a only (b and k00000 are in y).
    x = _get(api, "/figures", who="sup_x", **WEEK)
    assert x["kitchens"] == 1 and x["grades"]["优秀"] == 1


def test_annual_grade_of_the_year_so_far(api: Any) -> None:
    got = _get(api, "/kitchens/a/figures", annual="true", **WEEK)
    # Online from 1 November only: January–October were dark (0), November 100 → C.
    assert got["monthly_indices"]["2026-11"] == 100.0
    assert got["monthly_indices"]["2026-01"] == 0.0
    assert got["annual_grade"] == "C"
