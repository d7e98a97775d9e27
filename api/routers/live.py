"""Live camera view: one WebSocket per page for the tiles, an MJPEG stream for one camera.

Frames come from the frame hub (api/live.py) exactly as the camera published them.

WebSocket `/ws/live` (not an API route, so not in the route table the authorization
matrix is generated from: tests/integration/api/test_api_live.py checks it instead):

1. the client's first message is `{"type": "auth", "token": "<bearer token>"}` (a token
   in the URL would end up in access logs); anything else, or a token that is unknown,
   expired or revoked, closes the socket with code 4401;
2. `{"type": "watch", "cameras": [{"site": "a", "camera": "cam1", "visible": true}, ...]}`
   sets the whole list of cameras wanted; the server answers
   `{"type": "watching", "cameras": ["a/cam1"], "refused": [...]}`, where a camera outside
   the caller's scope and one that does not exist are refused alike (ids cannot be
   probed). Visible tiles get every frame, hidden ones one frame every
   `api.live_hidden_interval_s`;
3. frames arrive as binary messages: 2 bytes big-endian header length, a UTF-8 JSON
   header `{"site", "camera", "seq", "ts"}` (ts: capture time, epoch ms), then the JPEG.

The token is checked again every `RECHECK_S`: a socket outlives neither its token nor a
change of the caller's scope by more than that.

MJPEG: `<img>` cannot send a bearer header, so the console asks
`POST /kitchens/{site}/cameras/{camera}/live-link` for a short-lived signed URL of
`/signed/kitchens/{site}/cameras/{camera}/mjpeg`; scripts with a token can read
`GET /kitchens/{site}/cameras/{camera}/mjpeg` directly.
"""

import asyncio
import contextlib
import json
import logging
import struct
import time
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, WebSocket, WebSocketDisconnect, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.deps import ResourcesDep, SessionDep
from api.live import CameraKey, FrameHub, LiveFrame, Viewer
from api.models import Device, Kitchen
from api.resources import Resources
from api.scoping import NOT_FOUND, Access, Caller, authenticate, rule
from core.ids import ID_PATTERN
from core.signing import sign_path

logger = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

ID_RE = rf"^{ID_PATTERN}$"
Camera = Annotated[str, Path(pattern=ID_RE, description="Camera id within the kitchen")]
BOUNDARY = "bkframe"
AUTH_TIMEOUT_S = 10.0
RECHECK_S = 30.0
# Close codes of the live socket (4000-4999: the application's own).
CLOSE_AUTH = 4401
CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAVAILABLE = 1013  # "try again later": the live view is switched off

_MJPEG: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {f"multipart/x-mixed-replace; boundary={BOUNDARY}": {}},
        "description": "The camera's JPEG frames as published, one part each",
    },
    503: {"description": "The live view is switched off"},
}


def stream_path(site: str, camera: str) -> str:
    """The path of one camera's MJPEG stream for a signed link."""
    return f"/signed/kitchens/{site}/cameras/{camera}/mjpeg"


class LiveLink(BaseModel):
    url: str = Field(description="Absolute signed URL of the MJPEG stream (public base URL)")
    path: str = Field(description="The same, relative to this API (for pages it serves)")
    expires: int = Field(description="Epoch seconds after which the link opens nothing")


def _hub(res: Resources) -> FrameHub:
    if res.live is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "实时画面未开启 (live view off)")
    return res.live


def _check_camera(session: Session, site: str, camera: str) -> None:
    found = session.scalar(
        select(Device.id).where(Device.site == site, Device.id == camera, Device.kind == "camera")
    )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)


def visible_cameras(
    session: Session, caller: Caller, wanted: Iterable[CameraKey]
) -> set[CameraKey]:
    """The cameras of `wanted` that exist and that `caller` may see (Caller.kitchens())."""
    want = set(wanted)
    if not want:
        return set()
    rows = session.execute(
        select(Device.site, Device.id)
        .join(Kitchen, Kitchen.id == Device.site)
        .where(
            Device.kind == "camera",
            Device.site.in_({s for s, _ in want}),
            Device.id.in_({c for _, c in want}),
            caller.kitchens(),
        )
    ).all()
    return {(str(s), str(c)) for s, c in rows} & want


def _part(frame: LiveFrame) -> bytes:
    head = (
        f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame.jpeg)}\r\n"
        f"X-Frame-Seq: {frame.seq}\r\nX-Frame-Ts: {frame.ts_ms}\r\n\r\n"
    ).encode()
    return head + frame.jpeg + b"\r\n"


async def _mjpeg(
    hub: FrameHub, key: CameraKey, max_s: float, idle_s: float
) -> AsyncIterator[bytes]:
    """Parts until the client leaves, the camera is silent `idle_s`, or `max_s` passes.

    Without a broker connection the stream ends at once (the page retries): an open
    stream that can never carry a frame would only hold a connection.
    """
    if not hub.connected:
        return
    viewer = Viewer()
    hub.watch(viewer, key)
    try:
        end = time.monotonic() + max_s
        while (left := end - time.monotonic()) > 0:
            try:
                frame = await asyncio.wait_for(viewer.next(), min(idle_s, left))
            except TimeoutError:
                break
            if frame is None:
                break
            yield _part(frame)
    finally:
        hub.unwatch(viewer, key)
        viewer.close()


def _stream(res: Resources, site: str, camera: str) -> StreamingResponse:
    hub = _hub(res)
    cfg = res.settings
    return StreamingResponse(
        _mjpeg(hub, (site, camera), cfg.live_stream_max_s, cfg.live_idle_s),
        media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/kitchens/{site}/cameras/{camera}/mjpeg",
    response_class=StreamingResponse,
    **rule(Access.KITCHEN_READ, _MJPEG),
)
def get_mjpeg(
    site: str, camera: Camera, session: SessionDep, res: ResourcesDep
) -> StreamingResponse:
    """One camera's live MJPEG stream (multipart/x-mixed-replace), frames as published."""
    _check_camera(session, site, camera)
    return _stream(res, site, camera)


@router.post(
    "/kitchens/{site}/cameras/{camera}/live-link",
    response_model=LiveLink,
    **rule(Access.KITCHEN_READ, {503: {"description": "The live view is switched off"}}),
)
def post_live_link(site: str, camera: Camera, session: SessionDep, res: ResourcesDep) -> LiveLink:
    """A short-lived signed URL of the camera's MJPEG stream, for an `<img>` element."""
    _check_camera(session, site, camera)
    _hub(res)
    path = stream_path(site, camera)
    expires, sig = sign_path(res.settings.key(), path, res.settings.live_link_ttl_s)
    query = f"?expires={expires}&sig={sig}"
    base = res.settings.public_base_url.rstrip("/")
    return LiveLink(url=f"{base}{path}{query}", path=f"{path}{query}", expires=expires)


@router.get(
    "/signed/kitchens/{site}/cameras/{camera}/mjpeg",
    response_class=StreamingResponse,
    **rule(Access.SIGNED, _MJPEG),
)
def get_signed_mjpeg(
    site: Annotated[str, Path(pattern=ID_RE)],
    camera: Camera,
    session: SessionDep,
    res: ResourcesDep,
    expires: Annotated[int, Query(description="Expiry, epoch seconds")] = 0,
    sig: Annotated[str, Query(max_length=128, description="HMAC-SHA256, hex")] = "",
) -> StreamingResponse:
    """The MJPEG stream for the holder of a signed link to exactly this camera."""
    _check_camera(session, site, camera)
    return _stream(res, site, camera)


@router.get("/live/stats", **rule(Access.ADMIN))
def get_live_stats(res: ResourcesDep) -> dict[str, int]:
    """The frame hub's counters: frames in, bad frames, cameras watched, viewers, connected."""
    return res.live.stats() if res.live is not None else {}


# -- the tiles' WebSocket ---------------------------------------------------------------


class _Auth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=512)


class _Wanted(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str = Field(pattern=ID_RE)
    camera: str = Field(pattern=ID_RE)
    visible: bool = True


class _Watch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["watch"]
    cameras: list[_Wanted] = Field(max_length=1024)


def _authenticate(res: Resources, token: str) -> Caller | None:
    with Session(res.engine) as session:
        return authenticate(session, token, datetime.now(UTC))


def _filter(res: Resources, caller: Caller, wanted: Iterable[CameraKey]) -> set[CameraKey]:
    with Session(res.engine) as session:
        return visible_cameras(session, caller, wanted)


class _LiveSocket:
    """One page's socket: its caller, its viewer and the cameras it watches."""

    def __init__(self, ws: WebSocket, res: Resources, hub: FrameHub, caller: Caller) -> None:
        self.ws = ws
        self.res = res
        self.hub = hub
        self.caller = caller
        self.viewer = Viewer()
        self.watching: set[CameraKey] = set()
        self.token = ""

    async def receive(self) -> None:
        while True:
            try:
                msg = _Watch.model_validate_json(await self.ws.receive_text())
            except (ValidationError, KeyError):  # KeyError: a binary message
                await self.ws.close(CLOSE_BAD_MESSAGE, "bad message")
                return
            wanted = {(c.site, c.camera): c.visible for c in msg.cameras}
            if len(wanted) > self.res.settings.live_max_cameras:
                await self.ws.close(CLOSE_BAD_MESSAGE, "too many cameras")
                return
            allowed = await run_in_threadpool(_filter, self.res, self.caller, wanted)
            self._apply(allowed, wanted)
            refused = sorted(set(wanted) - allowed)
            await self.ws.send_json(
                {
                    "type": "watching",
                    "cameras": [f"{s}/{c}" for s, c in sorted(allowed)],
                    "refused": [f"{s}/{c}" for s, c in refused],
                }
            )

    def _apply(self, allowed: set[CameraKey], visible: dict[CameraKey, bool]) -> None:
        self.hub.unwatch_all(self.viewer, self.watching - allowed)
        slow = self.res.settings.live_hidden_interval_s
        for key in sorted(allowed):
            self.hub.watch(self.viewer, key, 0.0 if visible.get(key, True) else slow)
        self.watching = allowed

    async def send(self) -> None:
        while True:
            frame = await self.viewer.next()
            if frame is None:
                await self.ws.close(1001, "server shutting down")
                return
            head = json.dumps(
                {"site": frame.site, "camera": frame.camera, "seq": frame.seq, "ts": frame.ts_ms},
                separators=(",", ":"),
            ).encode()
            await self.ws.send_bytes(struct.pack(">H", len(head)) + head + frame.jpeg)

    async def recheck(self) -> None:
        """Close when the token dies; drop cameras the caller may no longer see."""
        while True:
            await asyncio.sleep(RECHECK_S)
            caller = await run_in_threadpool(_authenticate, self.res, self.token)
            if caller is None or caller.user_id != self.caller.user_id:
                await self.ws.close(CLOSE_AUTH, "token expired or revoked")
                return
            self.caller = caller
            allowed = await run_in_threadpool(_filter, self.res, caller, self.watching)
            if allowed != self.watching:
                self._apply(allowed, {})

    def close(self) -> None:
        self.hub.unwatch_all(self.viewer, self.watching)
        self.watching = set()
        self.viewer.close()


async def _first_message(ws: WebSocket) -> str | None:
    """The bearer token of the auth message, or None (wrong message, silence, bad JSON)."""
    try:
        text = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT_S)
        return _Auth.model_validate_json(text).token
    except (TimeoutError, ValidationError, KeyError):
        return None


@router.websocket("/ws/live")
async def live_socket(websocket: WebSocket) -> None:
    """Live tiles of the cameras the caller may see (protocol in the module docstring)."""
    res: Resources = websocket.app.state.resources
    await websocket.accept()
    if res.live is None:
        await websocket.close(CLOSE_UNAVAILABLE, "live view off")
        return
    try:
        token = await _first_message(websocket)
    except WebSocketDisconnect:
        return
    caller = None if token is None else await run_in_threadpool(_authenticate, res, token)
    if caller is None or token is None:
        await websocket.close(CLOSE_AUTH, "sign in first")
        return
    sock = _LiveSocket(websocket, res, res.live, caller)
    sock.token = token
    await websocket.send_json(
        {
            "type": "ready",
            "user": caller.username,
            "hidden_interval_s": res.settings.live_hidden_interval_s,
        }
    )
    tasks = [
        asyncio.create_task(sock.receive()),
        asyncio.create_task(sock.send()),
        asyncio.create_task(sock.recheck()),
    ]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(
                exc, WebSocketDisconnect | RuntimeError | OSError
            ):
                logger.error("live socket of %s failed: %r", caller.username, exc)
    finally:
        sock.close()
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await websocket.close()
