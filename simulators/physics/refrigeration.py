"""Refrigerated enclosures: cold rooms, reach-in fridges, the sample fridge, freezers.

One thermal node (air plus the stock it is in contact with):

    C dT/dt = (UA + door_UA·open)(T_amb − T) − Q_comp·on

The compressor runs on a thermostat with hysteresis: it cuts in above
`setpoint + hysteresis/2` and out below `setpoint − hysteresis/2`. Without mains or
with a failed compressor it cannot run, and the enclosure warms towards the room
along `T_amb + (T0 − T_amb)·exp(−t·UA/C)`.
"""

from pydantic import BaseModel, ConfigDict, Field

from simulators.physics.node import thermostat


class RefrigerationParams(BaseModel):
    """Per-device parameters; the presets below are typical values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    setpoint_c: float = Field(default=3.0, ge=-40, le=20, description="Thermostat set point")
    hysteresis_c: float = Field(default=2.0, gt=0, le=10, description="Thermostat dead band")
    mass_j_per_k: float = Field(default=1.2e6, gt=0, description="Heat capacity C (air + stock)")
    ua_w_per_k: float = Field(default=35.0, gt=0, description="Wall conductance to the room")
    door_ua_w_per_k: float = Field(
        default=300.0, ge=0, description="Extra conductance (air exchange) while the door is open"
    )
    compressor_w: float = Field(default=1500.0, gt=0, description="Cooling capacity")
    initial_c: float | None = Field(default=None, description="Start temperature (set point)")


COLD_ROOM = RefrigerationParams()
"""Walk-in cold room, 0–8 °C band, thermostat 2–4 °C; ~600 W wall load in a 22 °C room."""

SAMPLE_FRIDGE = RefrigerationParams(
    setpoint_c=3.0,
    hysteresis_c=2.0,
    mass_j_per_k=1.5e5,
    ua_w_per_k=4.0,
    door_ua_w_per_k=25.0,
    compressor_w=250.0,
)
"""Reach-in sample-retention fridge (留样柜): 125 g samples kept 48 h at 0–8 °C."""

FREEZER = RefrigerationParams(
    setpoint_c=-20.5,
    hysteresis_c=3.0,
    mass_j_per_k=4.0e5,
    ua_w_per_k=8.0,
    door_ua_w_per_k=60.0,
    compressor_w=800.0,
)
"""Upright/chest freezer held at or below −18 °C (thermostat −22 to −19 °C)."""


class Refrigerator:
    """State of one refrigerated enclosure, advanced by `step`."""

    def __init__(self, params: RefrigerationParams) -> None:
        self.params = params
        self.temp_c = params.setpoint_c if params.initial_c is None else params.initial_c
        self.compressor_on = self.temp_c > params.setpoint_c

    def step(
        self,
        dt_s: float,
        ambient_c: float,
        *,
        door_open: bool = False,
        powered: bool = True,
        compressor_ok: bool = True,
        door_open_s: float | None = None,
    ) -> None:
        """Advance `dt_s` seconds: exact between thermostat switches, split at each switch.

        `door_open_s` is how much of the step the door stood open (it is integrated
        first); left out, `door_open` says whether it stood open the whole step.
        """
        p = self.params
        opened = (dt_s if door_open else 0.0) if door_open_s is None else door_open_s
        opened = min(max(opened, 0.0), dt_s)
        can_run = powered and compressor_ok
        if opened > 0:
            self._advance(opened, ambient_c, p.ua_w_per_k + p.door_ua_w_per_k, can_run)
        if dt_s - opened > 0:
            self._advance(dt_s - opened, ambient_c, p.ua_w_per_k, can_run)

    def _advance(self, dt_s: float, ambient_c: float, ua: float, can_run: bool) -> None:
        p = self.params
        half = p.hysteresis_c / 2
        self.temp_c, self.compressor_on = thermostat(
            self.temp_c,
            self.compressor_on,
            dt_s,
            ambient_c=ambient_c,
            k_per_s=ua / p.mass_j_per_k,
            drive_c=p.compressor_w / ua,
            low_c=p.setpoint_c - half,
            high_c=p.setpoint_c + half,
            can_run=can_run,
            heats=False,
        )
