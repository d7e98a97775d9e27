"""The demo's simulated people: canteen managers and grid inspectors acting through the API.

They use only the public API (log in, list alerts, upload a photo, post workflow steps),
exactly as the console and the mobile pages do, so the supervision loop (预警 → 整改 →
复核) and the grades move the way they would with people. The policy is fixed by the
order in which alerts appear, so every run tells the same story:

- every 4th alert is left alone (it goes overdue and escalates);
- the others: the kitchen's manager acknowledges, then rectifies with a photo;
- every 2nd acted-on alert is rejected once by the grid inspector ("照片不清楚") and
  rectified again; the inspector then accepts.
"""

import base64
import logging
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import cv2
import httpx
import numpy as np

logger = logging.getLogger(__name__)

PASSWORD = "bright-kitchen-demo"  # noqa: S105 - demo accounts on a demo machine
"""The demo accounts' password (printed at start: a demo, not a deployment)."""


def _photo(site: str, alert_id: str) -> str:
    """A small JPEG standing for the manager's photo of the fixed fault (base64)."""
    img = np.full((120, 160, 3), (60, 160, 60), dtype=np.uint8)
    cv2.putText(img, site[:14], (6, 50), 0, 0.5, (255, 255, 255))
    cv2.putText(img, alert_id[:8], (6, 80), 0, 0.5, (255, 255, 255))
    ok, buf = cv2.imencode(".jpg", img)
    if not ok:
        raise RuntimeError("could not encode the rectification photo")
    return base64.b64encode(buf.tobytes()).decode()


@dataclass
class People:
    """Who acts: `managers[site]` and `inspectors[grid]`, and each kitchen's grid."""

    base_url: str
    managers: dict[str, str]
    inspectors: dict[str, str]
    grid_of: dict[str, str]
    watcher: str
    """An account that sees every kitchen (the district supervisor) to list alerts."""
    every_s: float = 2.0
    steps: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    _order: dict[str, int] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)
    _tried: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    _last_try: dict[tuple[str, str, int], float] = field(default_factory=dict)
    retry_s: float = 20.0
    """A step queued but not yet applied (a busy rules worker) is asked again only after
    this long: the same person does not press the button again every two seconds."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-people", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as http:
            while not self._stop.wait(self.every_s):
                try:
                    self.tick(http)
                except httpx.HTTPError as exc:
                    self.errors += 1
                    logger.warning("simulated people: %s", exc)

    def _token(self, http: httpx.Client, user: str) -> str:
        if user not in self._tokens:
            r = http.post("/auth/login", json={"username": user, "password": PASSWORD})
            r.raise_for_status()
            self._tokens[user] = r.json()["access_token"]
        return self._tokens[user]

    def _call(self, http: httpx.Client, user: str, method: str, url: str, **kw: Any) -> Any:
        for _ in range(2):
            headers = {"Authorization": f"Bearer {self._token(http, user)}"}
            r = http.request(method, url, headers=headers, **kw)
            if r.status_code == 401:  # token expired: log in again
                self._tokens.pop(user, None)
                continue
            r.raise_for_status()
            return r.json()
        raise httpx.HTTPError(f"{user}: refused twice")

    def tick(self, http: httpx.Client) -> None:
        """One look at the open alerts; at most one step per alert."""
        cases = self._call(http, self.watcher, "GET", "/alerts", params={"limit": 1000})
        for case in sorted(cases, key=lambda c: (c["started_at"], c["id"])):
            if case.get("task_state") is None:
                continue
            n = self._order.setdefault(case["id"], len(self._order))
            if n % 4 == 3:
                continue  # left alone: goes overdue
            self._act(http, case, reject_once=n % 2 == 0)

    def _act(self, http: httpx.Client, case: dict[str, Any], *, reject_once: bool) -> None:
        site, alert_id, state = case["site"], case["id"], case["task_state"]
        manager = self.managers.get(site)
        inspector = self.inspectors.get(self.grid_of.get(site, ""))
        key = (alert_id, state, int(case.get("rejections") or 0))
        if self._tried[key] >= 3 or manager is None or inspector is None:
            return  # the same step queued thrice and not applied: leave it
        if time.monotonic() - self._last_try.get(key, -1e9) < self.retry_s:
            return
        self._tried[key] += 1
        self._last_try[key] = time.monotonic()
        base = f"/kitchens/{site}/alerts/{alert_id}"
        if state == "open":
            action, user, body = "ack", manager, {}
        elif state == "rectifying":
            photo = self._call(
                http,
                manager,
                "POST",
                f"{base}/photos",
                json={"jpeg_base64": _photo(site, alert_id)},
            )
            action, user = "rectify", manager
            body = {"comment": "已整改，见照片", "photos": [photo["sha256"]]}
        elif state == "submitted":
            if reject_once and not case.get("rejections"):
                action, user, body = "review_reject", inspector, {"comment": "照片不清楚，请重拍"}
            else:
                action, user, body = "review_accept", inspector, {"comment": "复核通过"}
        else:
            return
        body |= {"action": action, "request_id": f"demo-{uuid.uuid4().hex[:16]}"}
        self._call(http, user, "POST", f"{base}/actions", json=body)
        self.steps[action] += 1
        logger.info("%s: %s on %s (%s)", user, action, alert_id[:8], site)
