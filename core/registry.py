"""The site registry: which kitchens and devices exist (YAML).

Shared by ingest (unknown sites refused), the API and `bk provision`.
"""

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

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


class SiteInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200, description="Kitchen name")
    category: SiteCategory = Field(default=SiteCategory.SCHOOL_CANTEEN)
    district: str = Field(default="", max_length=100, description="Supervising district")
    timezone: str = Field(default="Asia/Shanghai", description="IANA zone for schedules")
    devices: dict[Id, DeviceInfo] = Field(default_factory=dict)


class SiteRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sites: dict[Id, SiteInfo] = Field(default_factory=dict)

    def knows(self, site: str) -> bool:
        return site in self.sites


def load_registry(path: Path | str) -> SiteRegistry:
    """Read and validate a registry file; ConfigError with a readable report otherwise."""
    return load_yaml_model(path, SiteRegistry, "site registry")
