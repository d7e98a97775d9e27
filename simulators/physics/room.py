"""The kitchen room: its air temperature and relative humidity.

Both relax (first order) towards a target: the temperature towards a daily cycle
(warmest mid-afternoon) plus the heat of cooking, the humidity towards a base level
plus the steam of cooking. Cooking happens in the meal-preparation windows.
"""

import math

from pydantic import BaseModel, ConfigDict, Field


class RoomParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mean_c: float = Field(default=22.0, ge=-10, le=45, description="Daily mean air temperature")
    amplitude_c: float = Field(default=2.0, ge=0, le=15, description="Day-night swing (half)")
    peak_hour_utc: float = Field(default=7.0, ge=0, lt=24, description="Warmest hour (UTC)")
    cooking_gain_c: float = Field(default=4.0, ge=0, le=20, description="Warming while cooking")
    rh_base: float = Field(default=55.0, ge=5, le=95, description="Base relative humidity, %")
    steam_gain_rh: float = Field(default=25.0, ge=0, le=60, description="RH added by cooking")
    tau_s: float = Field(default=1800.0, gt=0, description="Time constant of the room air")
    work_hours_utc: tuple[float, float] = Field(
        default=(22.0, 12.0), description="Working hours (doors opened), start/end hour UTC"
    )
    cooking_utc: list[tuple[float, float]] = Field(
        default_factory=lambda: [(22.0, 24.0), (1.5, 4.5), (8.0, 10.5)],
        description="Cooking windows as (start hour, end hour) UTC",
    )


class Room:
    """Room air state; `ambient_c` is what the equipment in the room exchanges heat with."""

    def __init__(self, params: RoomParams, hour_utc: float = 0.0) -> None:
        self.params = params
        self.temp_c = self._target_temp(hour_utc)
        self.rh = self._target_rh(hour_utc)

    def cooking(self, hour_utc: float) -> bool:
        return any(a <= hour_utc < b for a, b in self.params.cooking_utc)

    def _target_temp(self, hour_utc: float) -> float:
        p = self.params
        daily = p.amplitude_c * math.cos(2 * math.pi * (hour_utc - p.peak_hour_utc) / 24)
        return p.mean_c + daily + (p.cooking_gain_c if self.cooking(hour_utc) else 0.0)

    def _target_rh(self, hour_utc: float) -> float:
        p = self.params
        return min(98.0, p.rh_base + (p.steam_gain_rh if self.cooking(hour_utc) else 0.0))

    def step(self, dt_s: float, hour_utc: float) -> None:
        # Exact for a target held over the step (the target moves on the hour scale).
        k = -math.expm1(-dt_s / self.params.tau_s)
        p = self.params
        cooking = self.cooking(hour_utc)
        daily = p.amplitude_c * math.cos(2 * math.pi * (hour_utc - p.peak_hour_utc) / 24)
        target_c = p.mean_c + daily + (p.cooking_gain_c if cooking else 0.0)
        target_rh = min(98.0, p.rh_base + (p.steam_gain_rh if cooking else 0.0))
        self.temp_c += (target_c - self.temp_c) * k
        self.rh += (target_rh - self.rh) * k

    @property
    def ambient_c(self) -> float:
        return self.temp_c
