"""The site registry: which kitchens and devices exist (YAML).

Shared by ingest (unknown sites refused), the API and `bk provision`.

Ownership: in a kitchen the edge agent is a gateway. It holds the broker account and
publishes for the cameras (and reads the sensors) registered to it, so a camera or
sensor names its agent (`agent: <agent id>`). A site with exactly one agent needs no
`agent:` lines: everything belongs to that agent. A site with several agents must say
which agent each camera and sensor belongs to (guessing would hand one agent the right
to publish for another's cameras). A site with no agent at all has stand-alone devices,
each with its own account that publishes only for itself.
"""

from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.ids import Id
from core.settings import load_yaml_model


class SiteCategory(StrEnum):
    SCHOOL_CANTEEN = "school_canteen"
    CENTRAL_KITCHEN = "central_kitchen"
    MEAL_DELIVERY = "meal_delivery"
    RESTAURANT = "restaurant"


class DeviceKind(StrEnum):
    AGENT = "agent"
    SENSOR = "sensor"
    CAMERA = "camera"


class DeviceInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DeviceKind = Field(default=DeviceKind.SENSOR, description="What the device is")
    name: str = Field(default="", max_length=200, description="Human name (冷库1, Cold room 1)")
    zone: Id | None = Field(default=None, description="Zone the device watches")
    agent: Id | None = Field(
        default=None,
        description="Agent of the same site that publishes for this camera or sensor "
        "(default: the site's only agent)",
    )
    revoked: bool = Field(
        default=False,
        description="Broker account revoked (`bk provision revoke`): kept for its history, "
        "but it has no account and nobody may publish for it",
    )

    @model_validator(mode="after")
    def _agent_owns_itself(self) -> "DeviceInfo":
        if self.kind is DeviceKind.AGENT and self.agent is not None:
            raise ValueError("an agent publishes for itself: `agent:` is for cameras and sensors")
        return self


class SiteInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200, description="Kitchen name")
    category: SiteCategory = Field(default=SiteCategory.SCHOOL_CANTEEN)
    district: str = Field(default="", max_length=100, description="Supervising district")
    timezone: str = Field(default="Asia/Shanghai", description="IANA zone for schedules")
    language: str | None = Field(
        default=None,
        max_length=16,
        description="Language of this kitchen's notices (zh-CN if absent; a channel's "
        "`language:` overrides it)",
    )
    devices: dict[Id, DeviceInfo] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _owners_exist(self) -> "SiteInfo":
        agents = self.agents()
        for device_id, info in self.devices.items():
            if info.kind is DeviceKind.AGENT:
                continue
            if info.agent is not None:
                owner = self.devices.get(info.agent)
                if owner is None:
                    raise ValueError(
                        f"device {device_id}: agent {info.agent!r} is not a device of this site"
                    )
                if owner.kind is not DeviceKind.AGENT:
                    raise ValueError(
                        f"device {device_id}: {info.agent!r} is a {owner.kind.value}, not an agent"
                    )
            elif len(agents) > 1:
                raise ValueError(
                    f"device {device_id}: this site has {len(agents)} agents "
                    f"({', '.join(agents)}); say which one publishes for it with `agent:`"
                )
        return self

    def agents(self) -> list[str]:
        """Ids of the site's agents, in registry order."""
        return [d for d, info in self.devices.items() if info.kind is DeviceKind.AGENT]

    def owner(self, device: str) -> str:
        """The device whose account publishes for `device` (itself when stand-alone)."""
        info = self.devices[device]
        if info.kind is DeviceKind.AGENT:
            return device
        if info.agent is not None:
            return info.agent
        agents = self.agents()
        return agents[0] if agents else device

    def publishers(self) -> dict[str, list[str]]:
        """Each account-holding device of the site → the cameras and sensors it publishes for.

        Revoked devices hold no account; what they owned stays unpublishable (a revoked
        agent's cameras go dark instead of silently moving to another agent).
        """
        out: dict[str, list[str]] = {}
        for device_id in self.devices:
            owner = self.owner(device_id)
            if owner == device_id and not self.devices[device_id].revoked:
                out.setdefault(device_id, [])
        for device_id, info in self.devices.items():
            owner = self.owner(device_id)
            if owner != device_id and owner in out and not info.revoked:
                out[owner].append(device_id)
        return out


class SiteRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sites: dict[Id, SiteInfo] = Field(default_factory=dict)

    def knows(self, site: str) -> bool:
        return site in self.sites


def load_registry(path: Path | str) -> SiteRegistry:
    """Read and validate a registry file; ConfigError with a readable report otherwise."""
    return load_yaml_model(path, SiteRegistry, "site registry")


REGISTRY_HEADER = (
    "# Site registry: every kitchen and its devices. Ids: [a-z0-9][a-z0-9_-]{0,63}.\n"
    "# Written by `bk provision site|device|revoke` (comments are not kept).\n"
)


def save_registry(registry: SiteRegistry, path: Path | str) -> None:
    """Write the registry as YAML, only what differs from the defaults, atomically.

    Atomic (temporary file, then rename) because provisioning rewrites the registry
    while other readers (ingest, a later `bk provision`) may open it.
    """
    path = Path(path)
    data = registry.model_dump(mode="json", exclude_defaults=True)
    data.setdefault("sites", {})
    text = REGISTRY_HEADER + yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False
    )
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
