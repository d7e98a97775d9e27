"""Lumped thermal models of kitchen equipment, advanced step by step.

Each model is one heat balance `C dT/dt = UA (T_amb - T) + door_UA·open·(T_amb - T)
± Q_machine`, with parameters per device (thermal mass, wall conductance, compressor or
heater power, thermostat set point and hysteresis). No random walks: the only
randomness in a simulation is when doors open and the sensors' own noise, both drawn
from a per-device seeded generator elsewhere.
"""

from simulators.physics.cooling import FoodCooling, FoodCoolingParams
from simulators.physics.heating import (
    DisinfectionCabinet,
    DisinfectionParams,
    HotHolding,
    HotHoldingParams,
)
from simulators.physics.refrigeration import RefrigerationParams, Refrigerator
from simulators.physics.room import Room, RoomParams

PHYSICS_DT_S = 2.0
"""The default step (s). Far below every time constant here (minutes to hours). Each
model follows its exact solution within a step and splits the step at a thermostat
switch, so a coarser step (60 s) stays close to it: tests/unit/simulators/test_sim_step.py."""

__all__ = [
    "PHYSICS_DT_S",
    "DisinfectionCabinet",
    "DisinfectionParams",
    "FoodCooling",
    "FoodCoolingParams",
    "HotHolding",
    "HotHoldingParams",
    "RefrigerationParams",
    "Refrigerator",
    "Room",
    "RoomParams",
]
