"""Refrigerated enclosures: cold rooms, reach-in fridges, the sample fridge, freezers.

One thermal node (air plus the stock it is in contact with):

    C dT/dt = (UA + door_UA·open)(T_amb − T) − Q_comp·on

The compressor runs on a thermostat with hysteresis: it cuts in above
`setpoint + hysteresis/2` and out below `setpoint − hysteresis/2`. Without mains or
with a failed compressor it cannot run, and the enclosure warms towards the room
along `T_amb + (T0 − T_amb)·exp(−t·UA/C)`.

Two probes per enclosure (issue 20). The node is what the **air probe** reads. A
**product-simulating probe** (a probe in a buffer: glycol, or a food simulant) follows
the air with the buffer's time constant `product_tau_s`, `dP/dt = (T − P)/τ`, advanced
exactly with the node (`node.follow`). The presets keep their lumped node (air and stock
together, as before); the cold-chain fleet (`simulators.generate`) gives its freezers
and cold rooms a light air node (air, shelves, evaporator) whose air swings during a
defrost or a delivery while the product barely moves.

**Defrost** (`defrosts_per_day` > 0): the compressor stops and a heater on the
evaporator warms the air until it reaches `defrost_peak_c` (termination) or
`defrost_max_s` has passed, then `drip_s` with everything off, then the thermostat
pulls the air down again. A heater stuck on (fault) is an extra load of `defrost_heater_w`
against which the compressor runs on its thermostat. **Stocking**: fresh stock is an
extra heat load (`load_w`, passed in by the device), released while it cools.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from simulators.physics.node import MAX_SWITCHES, follow, relax, thermostat, time_to


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
    product_tau_s: float = Field(
        default=10800.0, gt=0, description="Time constant of the product-simulating probe"
    )
    defrosts_per_day: int = Field(default=0, ge=0, le=12, description="Defrost cycles a day")
    defrost_first_utc: float = Field(
        default=1.0, ge=0, lt=24, description="Hour (UTC) of the first defrost; the rest evenly"
    )
    defrost_drift_s: float = Field(
        default=900.0, ge=0, le=7200, description="Each day's defrosts move by up to ± this"
    )
    defrost_max_s: float = Field(default=1800.0, gt=0, description="Longest heater time")
    defrost_peak_c: float = Field(
        default=-2.0, ge=-30, le=30, description="Air temperature that terminates the heater"
    )
    defrost_heater_w: float = Field(default=1500.0, gt=0, description="Defrost heater power")
    drip_s: float = Field(default=300.0, ge=0, description="Everything off after the heater")
    defrost_ice_s_per_day: float = Field(
        default=0.0,
        ge=0,
        le=7200,
        description="Ice building up (failing drain, worn door seal): each day's defrosts "
        "spend this much longer melting it before the air warms (defrosts grow longer)",
    )
    deliveries_utc: tuple[str, ...] = Field(
        default=(), description="Daily deliveries (door held open, stock put in), HH:MM UTC"
    )
    delivery_open_s: tuple[float, float] = Field(
        default=(180.0, 420.0), description="Door held open for stocking, (shortest, longest) s"
    )
    stock_w: float = Field(
        default=0.0, ge=0, description="Heat load of fresh stock just after a delivery"
    )
    stock_tau_s: float = Field(default=3600.0, gt=0, description="How fast that load fades")


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


class Phase(StrEnum):
    COOLING = "cooling"
    """The thermostat runs the compressor."""
    MELT = "melt"
    """Heater on, its heat going into ice on the evaporator (the air warms unheld)."""
    DEFROST = "defrost"
    DRIP = "drip"


class Refrigerator:
    """State of one refrigerated enclosure, advanced by `step`."""

    def __init__(self, params: RefrigerationParams) -> None:
        self.params = params
        self.temp_c = params.setpoint_c if params.initial_c is None else params.initial_c
        self.compressor_on = self.temp_c > params.setpoint_c
        self.product_c = self.temp_c
        """What the product-simulating probe reads."""
        self._probe = [self.temp_c, 1.0 / params.product_tau_s]
        self.phase = Phase.COOLING
        self.heater_on = False
        self._phase_left_s = 0.0
        self.defrosts = 0
        """Defrosts started so far (for checks on a run)."""

    def start_defrost(self, melt_s: float = 0.0) -> None:
        """Stop the compressor and heat the evaporator (a scheduled defrost).

        `melt_s`: ice built up on the evaporator takes the heater this long to melt
        first, while the air, no longer cooled, warms by itself: a longer defrost.
        """
        self.phase = Phase.MELT if melt_s > 0 else Phase.DEFROST
        self.heater_on = True
        self.compressor_on = False
        self._phase_left_s = melt_s if melt_s > 0 else self.params.defrost_max_s
        self.defrosts += 1

    def step(
        self,
        dt_s: float,
        ambient_c: float,
        *,
        door_open: bool = False,
        powered: bool = True,
        compressor_ok: bool = True,
        door_open_s: float | None = None,
        load_w: float = 0.0,
        heater_stuck: bool = False,
    ) -> None:
        """Advance `dt_s` seconds: exact between thermostat switches, split at each switch.

        `door_open_s` is how much of the step the door stood open (it is integrated
        first); left out, `door_open` says whether it stood open the whole step.
        `load_w` is an extra heat load over the step (fresh stock); `heater_stuck`
        adds the defrost heater's power to it.
        """
        p = self.params
        opened = (dt_s if door_open else 0.0) if door_open_s is None else door_open_s
        opened = min(max(opened, 0.0), dt_s)
        can_run = powered and compressor_ok
        if heater_stuck:
            load_w += p.defrost_heater_w
        if opened > 0:
            self._advance(opened, ambient_c, p.ua_w_per_k + p.door_ua_w_per_k, can_run, load_w)
        if dt_s - opened > 0:
            self._advance(dt_s - opened, ambient_c, p.ua_w_per_k, can_run, load_w)

    def _advance(
        self, dt_s: float, ambient_c: float, ua: float, can_run: bool, load_w: float = 0.0
    ) -> None:
        p = self.params
        if load_w:
            ambient_c += load_w / ua  # a heat load shifts the equilibrium like a warmer room
        if self.phase is not Phase.COOLING:
            dt_s = self._defrost(dt_s, ambient_c, ua, powered=can_run)
            if dt_s <= 0:
                return
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
            probe=self._probe,
        )
        self.product_c = self._probe[0]

    def _defrost(self, dt_s: float, ambient_c: float, ua: float, *, powered: bool) -> float:
        """Advance through the defrost and drip phases; returns the time left for cooling.

        Exact: the step is split where the heater reaches the termination temperature
        or its longest time, and where the drip time ends.
        """
        p = self.params
        k = ua / p.mass_j_per_k
        left = dt_s
        for _ in range(MAX_SWITCHES):
            if self.phase is Phase.COOLING or left <= 0:
                break
            heating = self.phase is Phase.DEFROST and powered
            self.heater_on = heating or (self.phase is Phase.MELT and powered)
            eq = ambient_c + (p.defrost_heater_w / ua if heating else 0.0)
            seg = min(left, self._phase_left_s)
            if heating:
                seg = min(seg, time_to(self.temp_c, eq, k, p.defrost_peak_c))
                if self.temp_c >= p.defrost_peak_c:
                    seg = 0.0
            if seg > 0:
                self._probe[0] = follow(self._probe[0], self.temp_c, eq, k, self._probe[1], seg)
                self.temp_c = relax(self.temp_c, eq, k, seg)
            left -= seg
            self._phase_left_s -= seg
            if self.phase is Phase.DEFROST and (
                self._phase_left_s <= 0 or (heating and self.temp_c >= p.defrost_peak_c - 1e-9)
            ):
                self.phase, self.heater_on, self._phase_left_s = Phase.DRIP, False, p.drip_s
            elif self.phase is Phase.MELT and self._phase_left_s <= 0:
                self.phase, self._phase_left_s = Phase.DEFROST, p.defrost_max_s
            elif self.phase is Phase.DRIP and self._phase_left_s <= 0:
                self.phase = Phase.COOLING
                self.compressor_on = True  # warm after a defrost: the thermostat calls
        self.product_c = self._probe[0]
        return left
