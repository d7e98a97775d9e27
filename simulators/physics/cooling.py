"""Cooked food cooling after cooking: Newton's law of cooling, probed at the core.

    dT/dt = −(T − T_env)/τ      ⇒   T(t) = T_env + (T0 − T_env)·exp(−t/τ)

A batch starts at `start_c` (just out of the pot) in the cooling area at `env_c`. With
the defaults (75 °C into a 5 °C cooling room, τ = 45 min) the core reaches 21 °C after
~66 min and 8 °C after ~142 min. The `slow_cooling` fault (pans stacked, lid on, food
left in deep containers) multiplies τ, by 3 by default: 21 °C only after ~3.7 h.
Between batches the probe hangs in the cooling area and reads its air (τ_probe 5 min).
"""

import math

from pydantic import BaseModel, ConfigDict, Field

from simulators.physics.node import relax


class FoodCoolingParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    env_c: float = Field(default=5.0, ge=-10, le=40, description="Cooling area temperature")
    start_c: float = Field(default=75.0, ge=40, le=100, description="Core temperature at start")
    tau_s: float = Field(default=2700.0, gt=0, description="Cooling time constant of a batch")
    probe_tau_s: float = Field(default=300.0, gt=0, description="Probe in air between batches")
    batches_at: list[str] = Field(
        default_factory=lambda: ["02:00", "08:00"],
        description="Daily batch start times, HH:MM UTC",
    )
    batch_s: float = Field(default=6 * 3600.0, gt=0, description="How long a batch is probed")


def newton_closed_form(t0_c: float, env_c: float, tau_s: float, t_s: float) -> float:
    """Exact solution of Newton's law, for checking the integration."""
    return env_c + (t0_c - env_c) * math.exp(-t_s / tau_s)


class FoodCooling:
    """Core-probe temperature of the batch being cooled (or of the air between batches)."""

    def __init__(self, params: FoodCoolingParams) -> None:
        self.params = params
        self.temp_c = params.env_c
        self.in_batch = False
        self._tau_s = params.tau_s
        self._left_s = 0.0

    def start_batch(self, slow_factor: float = 1.0) -> None:
        """A new batch at `start_c`; `slow_factor` > 1 is the slow_cooling fault."""
        p = self.params
        self.temp_c = p.start_c
        self.in_batch = True
        self._tau_s = p.tau_s * slow_factor
        self._left_s = p.batch_s

    def step(self, dt_s: float) -> None:
        """Advance `dt_s` seconds (exact; split where the probed batch ends)."""
        p = self.params
        left = dt_s
        if self.in_batch:
            seg = min(left, self._left_s)
            self.temp_c = relax(self.temp_c, p.env_c, 1.0 / self._tau_s, seg)
            self._left_s -= seg
            left -= seg
            if self._left_s <= 0:
                self.in_batch = False
        if left > 0:
            self.temp_c = relax(self.temp_c, p.env_c, 1.0 / p.probe_tau_s, left)
