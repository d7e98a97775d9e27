"""The faults a scenario can inject, and what each one does.

Device faults change the physics (compressor_failure, door_left_open, power_cut,
disinfection_short, slow_cooling, defrost_heater_stuck: the evaporator's defrost heater
stays on); sensor faults change what a sensor reports
(sensor_stuck, sensor_drift, noise_spikes, sensor_dropout); site faults hit the
kitchen's edge agent (network_outage: no telemetry, agent status offline; clock_skew:
the agent stamps readings `magnitude` seconds off).
"""

from enum import StrEnum


class FaultKind(StrEnum):
    COMPRESSOR_FAILURE = "compressor_failure"
    DOOR_LEFT_OPEN = "door_left_open"
    POWER_CUT = "power_cut"
    SENSOR_STUCK = "sensor_stuck"
    SENSOR_DRIFT = "sensor_drift"
    NOISE_SPIKES = "noise_spikes"
    SENSOR_DROPOUT = "sensor_dropout"
    NETWORK_OUTAGE = "network_outage"
    CLOCK_SKEW = "clock_skew"
    DISINFECTION_SHORT = "disinfection_short"
    SLOW_COOLING = "slow_cooling"
    DEFROST_HEATER_STUCK = "defrost_heater_stuck"


SITE_FAULTS = frozenset({FaultKind.NETWORK_OUTAGE, FaultKind.CLOCK_SKEW})
SENSOR_FAULTS = frozenset(
    {
        FaultKind.SENSOR_STUCK,
        FaultKind.SENSOR_DRIFT,
        FaultKind.NOISE_SPIKES,
        FaultKind.SENSOR_DROPOUT,
    }
)
INSTANT_FAULTS = frozenset({FaultKind.DISINFECTION_SHORT, FaultKind.SLOW_COOLING})
"""Faults that start something at `at` (a short cycle, a slow batch) rather than last."""

DEFAULT_MAGNITUDE: dict[FaultKind, float] = {
    FaultKind.SENSOR_DRIFT: 0.2,  # °C (or %) per hour
    FaultKind.NOISE_SPIKES: 12.0,  # size of a single-sample spike
    FaultKind.CLOCK_SKEW: 90.0,  # seconds ahead (negative: behind)
    FaultKind.DISINFECTION_SHORT: 180.0,  # seconds of hold before the cycle stops
    FaultKind.SLOW_COOLING: 3.0,  # τ multiplier
}

SPIKE_PROBABILITY = 0.05
"""Chance that a reading under noise_spikes is a spike (never two in a row)."""
