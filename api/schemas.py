"""Request and response models: separate Create / Update / Public models per resource."""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from api.models import KitchenCategory, Role
from core.ids import Id

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(value: str) -> str:
    """No control characters: PostgreSQL refuses NUL, and no log or page should carry them."""
    if _CONTROL.search(value):
        raise ValueError("contains control characters")
    return value


Text = Annotated[str, AfterValidator(_printable)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- auth -------------------------------------------------------------------------------


class LoginRequest(_In):
    username: Text = Field(min_length=1, max_length=64)
    password: Text = Field(min_length=1, max_length=256)


class TokenPublic(_Out):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_at: datetime


# -- registry ---------------------------------------------------------------------------


class DistrictCreate(_In):
    id: Id
    name: Text = Field(default="", max_length=200, description="区 name, e.g. 海淀区")


class DistrictPublic(_Out):
    id: str
    name: str


class StreetCreate(_In):
    id: Id
    district_id: Id
    name: Text = Field(default="", max_length=200, description="街道/镇 name")


class StreetPublic(_Out):
    id: str
    district_id: str
    name: str


class GridCreate(_In):
    id: Id
    street_id: Id
    name: Text = Field(default="", max_length=200, description="网格 name")


class GridPublic(_Out):
    id: str
    street_id: str
    district_id: str
    name: str


class Contact(_In):
    name: Text = Field(max_length=100)
    role: Text = Field(default="", max_length=100, description="e.g. 食品安全管理员")
    phone: Text = Field(default="", max_length=40)


class WorkingHours(_In):
    days: list[int] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5, 6, 7],
        description="ISO weekdays (1 = Monday)",
        max_length=7,
    )
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM local time")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", description="HH:MM local time")

    @model_validator(mode="after")
    def _days(self) -> "WorkingHours":
        if any(not 1 <= d <= 7 for d in self.days):
            raise ValueError("days are ISO weekdays 1..7")
        return self


class KitchenFields(_In):
    name: Text = Field(default="", max_length=200, description="Kitchen name")
    category: KitchenCategory = Field(default=KitchenCategory.SCHOOL_CANTEEN)
    licence_no: Text = Field(default="", max_length=64, description="食品经营许可证编号")
    licence_expiry: date | None = Field(default=None, description="Licence valid until")
    address: Text = Field(default="", max_length=300)
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    working_hours: list[WorkingHours] = Field(default_factory=list, max_length=14)
    timezone: Text = Field(default="Asia/Shanghai", max_length=64, description="IANA zone")

    @model_validator(mode="after")
    def _zone(self) -> "KitchenFields":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        return self


class KitchenCreate(KitchenFields):
    id: Id = Field(description="Site id, as in MQTT topics")
    district_id: Id | None = None
    grid_id: Id | None = Field(default=None, description="Grid; sets the district too")


class KitchenUpdate(_In):
    name: Text | None = Field(default=None, max_length=200)
    licence_no: Text | None = Field(default=None, max_length=64)
    licence_expiry: date | None = None
    address: Text | None = Field(default=None, max_length=300)
    contacts: list[Contact] | None = Field(default=None, max_length=20)
    working_hours: list[WorkingHours] | None = Field(default=None, max_length=14)


class KitchenPublic(_Out):
    id: str
    name: str
    category: str
    district_id: str | None
    grid_id: str | None
    licence_no: str
    licence_expiry: date | None
    address: str
    contacts: list[dict[str, str]]
    working_hours: list[dict[str, Any]]
    timezone: str
    public_id: str


class DevicePublic(_Out):
    id: str
    kind: str
    name: str
    zone: str | None
    spec: dict[str, Any]


class DeviceEnrol(_In):
    id: Id = Field(description="Device id within the kitchen")
    kind: Literal["agent", "sensor", "camera"] = Field(default="sensor")
    name: Text = Field(default="", max_length=200, description="Human name (冷库1)")
    zone: Id | None = Field(default=None, description="Zone the device watches")
    agent: Id | None = Field(default=None, description="Agent that publishes for it")


class EnrolResult(_Out):
    site: str
    device: str
    username: str | None = Field(description="Broker account (agents and stand-alone devices)")
    password: str | None = Field(description="Its password, shown this once")


# -- people -----------------------------------------------------------------------------


class UserCreate(_In):
    username: Text = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: Text = Field(min_length=10, max_length=256)
    display_name: Text = Field(default="", max_length=200)
    role: Role
    kitchen_id: Id | None = Field(default=None, description="Canteen manager/staff: their kitchen")
    districts: list[Id] = Field(default_factory=list, max_length=100)
    grids: list[Id] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _scope(self) -> "UserCreate":
        kitchen_roles = (Role.CANTEEN_MANAGER, Role.CANTEEN_STAFF)
        if (self.role in kitchen_roles) != (self.kitchen_id is not None):
            raise ValueError("canteen managers and staff, and only they, name their kitchen")
        if self.districts and self.role != Role.DISTRICT_SUPERVISOR:
            raise ValueError("only district supervisors are given districts")
        if self.grids and self.role != Role.GRID_INSPECTOR:
            raise ValueError("only grid inspectors are given grids")
        return self


class UserPublic(_Out):
    id: int
    username: str
    display_name: str
    role: str
    kitchen_id: str | None
    active: bool
    districts: list[str] = Field(default_factory=list)
    grids: list[str] = Field(default_factory=list)


class RevokedPublic(_Out):
    revoked: int


# -- live state -------------------------------------------------------------------------


class DeviceState(_Out):
    id: str
    kind: str
    name: str
    zone: str | None
    state: Literal["online", "offline", "unknown"]
    since: datetime | None = Field(description="When it entered this state (as far as known)")
    last_seen: datetime | None
    basis: Literal["own", "agent", "readings"] | None = Field(
        default=None,
        description="What the state rests on: the device's own status messages, its "
        "agent's (offline agent: its cameras and sensors are offline too), or its readings",
    )


class SensorReading(_Out):
    device: str
    sensor: str
    kind: str | None
    zone: str | None
    value: float
    ts: datetime


class AlertPublic(_Out):
    id: str
    site: str
    rule: str
    subject: str
    severity: str
    state: str
    started_at: datetime
    fired_at: datetime | None
    acked_at: datetime | None
    acked_by: str | None
    summary: str
    value: float | None
    threshold: float | None
    level: int
    evidence: list[str] = Field(description="SHA-256 ids of evidence pictures")


class KitchenState(_Out):
    site: str
    devices: list[DeviceState]
    readings: list[SensorReading]
    open_alerts: list[AlertPublic]
    store_available: bool = Field(description="False when InfluxDB could not be read")
    alerts_available: bool = Field(description="False when the alert store could not be read")


# -- evidence ---------------------------------------------------------------------------


class EvidenceBox(_Out):
    cls: str
    score: float
    x1: float
    y1: float
    x2: float
    y2: float
    track: int | None = None
    zone: str | None = None


class EvidencePublic(_Out):
    sha256: str
    site: str
    camera: str | None
    ts: str | None
    model: str | None
    frame_sha256: str | None
    boxes: list[EvidenceBox]
    image_url: str


class SignedLink(_Out):
    url: str
    expires: int


# -- public page ------------------------------------------------------------------------


class PublicKitchen(_Out):
    public_id: str
    name: str
    category: str
    licence_valid: bool = Field(description="A licence number is on file and not expired")
    licence_expiry: date | None
    grade: str | None = Field(
        default=None, description="食安指数 grade (优秀/良好/一般); not computed yet"
    )
    qr_svg_url: str
    qr_png_url: str


class Health(_Out):
    status: Literal["ok"] = "ok"
    database: bool


# -- the supervision loop (预警 → 整改 → 复核), api/routers/alerts.py ----------------------

WorkflowAction = Literal[
    "ack", "rectify", "review_accept", "review_reject", "false_positive", "comment", "reassign"
]
_Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class StepPublic(_Out):
    """One step of an alert's audit trail: who, in which role, when, what, with which photos."""

    ts: datetime
    action: str = Field(description="fired, ack, rectify, review_accept, ..., overdue, refused")
    state: str = Field(description="The task's state after the step")
    actor: str | None
    role: str | None
    comment: str | None
    photos: list[str] = Field(description="SHA-256 ids of photos (GET /evidence/{sha256})")
    request_id: str | None


class AlertCase(AlertPublic):
    """An alert with its rectification task (absent for alerts older than the loop)."""

    tier: int | None = Field(description="1 at once, 2 rectify by deadline, 3 daily digest")
    task_state: str | None = Field(
        description="open, rectifying, submitted, closed, false_positive"
    )
    deadline: datetime | None
    overdue: bool = Field(description="The deadline passed before a rectification was submitted")
    assignee: str | None
    rejections: int = 0
    steps_fitting: list[str] = Field(
        default_factory=list,
        description="Workflow steps the task's state takes now (the caller's role aside)",
    )


class AlertDetail(AlertCase):
    steps: list[StepPublic]


class ActionIn(_In):
    """A workflow step; `request_id` (the client's) makes a retried POST harmless."""

    request_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{8,64}$")]
    action: WorkflowAction
    comment: str | None = Field(default=None, max_length=2000)
    photos: list[_Sha256] = Field(default_factory=list, max_length=20)
    assignee: str | None = Field(default=None, min_length=1, max_length=128)

    @model_validator(mode="after")
    def _complete(self) -> "ActionIn":
        if self.action == "rectify" and not self.photos:
            raise ValueError("整改须附照片 (a rectification needs at least one photo)")
        if self.action == "review_reject" and not self.comment:
            raise ValueError("退回须说明原因 (a rejection needs a reason)")
        if self.action == "reassign" and not self.assignee:
            raise ValueError("转派须指定人员 (reassign needs an assignee)")
        return self


class ActionQueued(_Out):
    request_id: str
    duplicate: bool = Field(description="This request id was queued before: nothing new queued")
    applied: bool = Field(description="The rules worker has already applied it")


class PhotoIn(_In):
    jpeg_base64: str = Field(max_length=12_000_000, description="The photo, JPEG, base64")


class PhotoStored(_Out):
    sha256: str


class FiguresPublic(_Out):
    """Supervision figures of a set of kitchens over a period (see api/figures.py)."""

    start: datetime
    end: datetime
    kitchens: int
    connected: int | None = Field(
        description="Kitchens online at some moment of the period (null: InfluxDB unavailable)"
    )
    coverage: float | None = Field(description="接入率: connected / registered")
    online_rate: float | None = Field(
        description="在线率 during working hours (null: InfluxDB unavailable)"
    )
    alerts_by_tier: dict[int, int]
    alerts_by_rule: dict[str, int]
    ack_mean_s: float | None
    rectify_due: int
    rectify_on_time: int
    rectify_on_time_rate: float | None = Field(description="整改及时率")
    rectify_mean_s: float | None
    overdue: int
    vision_alerts: int
    false_positives: int
    false_positive_rate: float | None
