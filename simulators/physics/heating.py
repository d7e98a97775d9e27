"""Heated equipment: hot-holding cabinets and disinfection cabinets.

Both are one thermal node `C dT/dt = UA (T_amb − T) + Q_heater·on` with a heater on a
thermostat. A hot-holding cabinet holds its food at or above 60 °C all the time it is
powered. A disinfection cabinet runs cycles: heat up to its hold temperature, hold it
(thermostat) for `hold_s`, then switch off and cool. A cycle that stops early (the
`disinfection_short` fault: door opened, timer misset) holds for less.
"""

import math
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from simulators.physics.node import MAX_SWITCHES, relax, thermostat, time_to


class HotHoldingParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    setpoint_c: float = Field(default=72.0, ge=40, le=120, description="Thermostat set point")
    hysteresis_c: float = Field(default=4.0, gt=0, le=20, description="Thermostat dead band")
    mass_j_per_k: float = Field(default=8.0e4, gt=0, description="Heat capacity (food + pans)")
    ua_w_per_k: float = Field(default=6.0, gt=0, description="Loss conductance to the room")
    heater_w: float = Field(default=1000.0, gt=0, description="Heater power")
    initial_c: float | None = Field(default=None, description="Start temperature (set point)")
    service_utc: tuple[tuple[str, str], ...] = Field(
        default=(),
        description="Switched on and off daily, (on HH:MM, off HH:MM) UTC; empty: always on",
    )
    switch_drift_s: float = Field(
        default=600.0, ge=0, le=3600, description="Staff switch it on/off up to ± this late"
    )


class HotHolding:
    """A hot-holding (bain-marie / heated cabinet) thermal node."""

    def __init__(self, params: HotHoldingParams) -> None:
        self.params = params
        self.temp_c = params.setpoint_c if params.initial_c is None else params.initial_c
        self.heater_on = False

    def step(self, dt_s: float, ambient_c: float, *, powered: bool = True) -> None:
        """Advance `dt_s` seconds: exact between thermostat switches, split at each switch."""
        p = self.params
        half = p.hysteresis_c / 2
        self.temp_c, self.heater_on = thermostat(
            self.temp_c,
            self.heater_on,
            dt_s,
            ambient_c=ambient_c,
            k_per_s=p.ua_w_per_k / p.mass_j_per_k,
            drive_c=p.heater_w / p.ua_w_per_k,
            low_c=p.setpoint_c - half,
            high_c=p.setpoint_c + half,
            can_run=powered,
            heats=True,
        )


class DisinfectionParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str = Field(default="infrared", description="infrared (≥120 °C) or steam (≥100 °C)")
    hold_c: float = Field(default=125.0, ge=60, le=200, description="Thermostat during the hold")
    hysteresis_c: float = Field(default=4.0, gt=0, le=20, description="Dead band during the hold")
    hold_s: float = Field(default=900.0, gt=0, description="Hold time of a full cycle")
    mass_j_per_k: float = Field(default=2.0e4, gt=0, description="Heat capacity (cabinet + ware)")
    ua_w_per_k: float = Field(default=5.0, gt=0, description="Loss conductance to the room")
    heater_w: float = Field(default=2500.0, gt=0, description="Heater power")
    cycles_at: list[str] = Field(
        default_factory=lambda: ["01:30", "05:30", "11:30"],
        description="Daily cycle start times, HH:MM UTC (after each meal service)",
    )


STEAM = DisinfectionParams(method="steam", hold_c=103.0, hysteresis_c=2.0, hold_s=1200.0)
"""Steam cabinet: at least 100 °C for 20 min."""


class CyclePhase(StrEnum):
    IDLE = "idle"
    HEATING = "heating"
    HOLDING = "holding"


class DisinfectionCabinet:
    """A disinfection cabinet's temperature and cycle state."""

    def __init__(self, params: DisinfectionParams, ambient_c: float = 22.0) -> None:
        self.params = params
        self.temp_c = ambient_c
        self.phase = CyclePhase.IDLE
        self.heater_on = False
        self._held_s = 0.0
        self._hold_for_s = params.hold_s

    def start_cycle(self, hold_s: float | None = None) -> None:
        """Start a cycle; `hold_s` shorter than the normal hold is a cycle stopped early."""
        self.phase = CyclePhase.HEATING
        self._held_s = 0.0
        self._hold_for_s = self.params.hold_s if hold_s is None else hold_s

    def step(self, dt_s: float, ambient_c: float, *, powered: bool = True) -> None:
        """Advance `dt_s` seconds, split exactly where the phase or the thermostat changes."""
        p = self.params
        k = p.ua_w_per_k / p.mass_j_per_k
        low = p.hold_c - p.hysteresis_c
        if not powered:
            self.phase = CyclePhase.IDLE
        left = dt_s
        for _ in range(MAX_SWITCHES):
            limit = left
            switch_at: float | None = None
            if self.phase is CyclePhase.HEATING:
                if self.temp_c >= p.hold_c:
                    self.phase = CyclePhase.HOLDING
                    continue
                self.heater_on = True
                switch_at = p.hold_c
            elif self.phase is CyclePhase.HOLDING:
                if self._held_s >= self._hold_for_s:
                    self.phase = CyclePhase.IDLE
                    continue
                if self.temp_c < low:
                    self.heater_on = True
                elif self.temp_c > p.hold_c:
                    self.heater_on = False
                switch_at = p.hold_c if self.heater_on else low
                limit = min(left, self._hold_for_s - self._held_s)
            else:
                self.heater_on = False
            eq = ambient_c + (p.heater_w / p.ua_w_per_k if self.heater_on else 0.0)
            hit = math.inf if switch_at is None else time_to(self.temp_c, eq, k, switch_at)
            seg = min(limit, hit)
            if self.phase is CyclePhase.HOLDING:
                self._held_s += seg
            left -= seg
            if hit <= limit:
                assert switch_at is not None
                self.temp_c = switch_at
                if self.phase is CyclePhase.HOLDING:
                    self.heater_on = not self.heater_on
                # HEATING: the next pass sees hold_c reached and starts the hold.
            else:
                self.temp_c = relax(self.temp_c, eq, k, seg)
            if left <= 0:
                break
        if self.phase is CyclePhase.HOLDING and self._held_s >= self._hold_for_s:
            self.phase = CyclePhase.IDLE  # the hold ended with the step
            self.heater_on = False
