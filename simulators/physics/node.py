"""Exact advance of one thermal node over a step, split where a thermostat switches.

Every model here is `dT/dt = k·(T_eq − T)` while its inputs (ambient, heater or
compressor state, door) stay constant, whose solution over `t` seconds is
`T_eq + (T − T_eq)·exp(−k·t)`. Advancing with that closed form instead of an explicit
Euler step makes the result independent of the step length, except where an input
changes inside a step: a thermostat switch is found exactly (`time_to`) and the step
is split there, so a coarse step (60 s for a week-long fleet run) keeps the dead band
and the cycle period of the default 2 s step. Inputs that change on the simulated
clock (a door, the room's daily cycle, faults) are still sampled once per step.
"""

import math

MAX_SWITCHES = 10_000
"""Guard against a thermostat chattering forever inside one step (never reached here)."""


def relax(temp_c: float, eq_c: float, k_per_s: float, t_s: float) -> float:
    """Temperature after `t_s` seconds relaxing towards `eq_c` at rate `k_per_s`."""
    return eq_c + (temp_c - eq_c) * math.exp(-k_per_s * t_s)


def follow(
    probe_c: float, temp_c: float, eq_c: float, k_per_s: float, a_per_s: float, t_s: float
) -> float:
    """A buffered probe after `t_s` seconds, following a node that relaxes towards `eq_c`.

    The probe obeys `dP/dt = a·(T − P)` (a = 1/τ of its buffer) while the node follows
    `T(t) = eq + (T0 − eq)·exp(−k·t)`; the closed form is
    `P(t) = eq + B·exp(−k·t) + (P0 − eq − B)·exp(−a·t)` with `B = (T0 − eq)·a/(a − k)`
    (and the limit `(T0 − eq)·a·t·exp(−a·t)` when a = k). Exact, like the node itself.
    """
    d0 = temp_c - eq_c
    ea = math.exp(-a_per_s * t_s)
    if abs(a_per_s - k_per_s) < 1e-12:
        return eq_c + (probe_c - eq_c) * ea + d0 * a_per_s * t_s * ea
    b = d0 * a_per_s / (a_per_s - k_per_s)
    return eq_c + b * math.exp(-k_per_s * t_s) + (probe_c - eq_c - b) * ea


def time_to(temp_c: float, eq_c: float, k_per_s: float, target_c: float) -> float:
    """Seconds until the node reaches `target_c` on its way to `eq_c` (inf: never)."""
    if target_c == temp_c:
        return 0.0
    if (eq_c - temp_c) * (target_c - temp_c) <= 0 or abs(target_c - temp_c) >= abs(eq_c - temp_c):
        return math.inf  # moving away from it, or it lies at or beyond the equilibrium
    return math.log((temp_c - eq_c) / (target_c - eq_c)) / k_per_s


def thermostat(
    temp_c: float,
    on: bool,
    dt_s: float,
    *,
    ambient_c: float,
    k_per_s: float,
    drive_c: float,
    low_c: float,
    high_c: float,
    can_run: bool,
    heats: bool,
    probe: list[float] | None = None,
) -> tuple[float, bool]:
    """Advance a node held in [low_c, high_c] by a heater (`heats`) or a cooler.

    While running, the equilibrium is `ambient_c ± drive_c` (power over conductance);
    the heater switches on below `low_c` and off above `high_c`, a cooler the other
    way round. Returns the temperature and the on state after `dt_s`. `probe`, if
    given, is `[temperature, 1/τ]` of a buffered probe that follows the node; its
    temperature is advanced in place, exactly, segment by segment (`follow`).
    """
    left = dt_s
    for _ in range(MAX_SWITCHES):
        if not can_run:
            on = False
        elif temp_c < low_c:
            on = heats
        elif temp_c > high_c:
            on = not heats
        eq = ambient_c + ((drive_c if heats else -drive_c) if on else 0.0)
        switch_at = (
            ((high_c if heats else low_c) if on else (low_c if heats else high_c))
            if can_run
            else None
        )
        hit = math.inf if switch_at is None else time_to(temp_c, eq, k_per_s, switch_at)
        if hit >= left:
            if probe is not None:
                probe[0] = follow(probe[0], temp_c, eq, k_per_s, probe[1], left)
            return relax(temp_c, eq, k_per_s, left), on
        assert switch_at is not None
        if probe is not None:
            probe[0] = follow(probe[0], temp_c, eq, k_per_s, probe[1], hit)
        temp_c, on = switch_at, not on
        left -= hit
    return temp_c, on
