"""The simulated clock: simulated time runs `speed` times faster than the wall clock.

`speed=inf` means "as fast as the computer goes" (no sleeping at all). The clock only
maps times; determinism comes from the simulation being driven by simulated time
alone (the wall clock decides when a message is sent, never what it contains).
"""

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta


class SimClock:
    """Maps wall time to simulated time from `sim_start` (at the moment of creation)."""

    def __init__(
        self,
        sim_start: datetime,
        speed: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,  # its result is ignored
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.sim_start = sim_start
        self.speed = speed
        self._monotonic = monotonic
        self._sleep = sleep
        self._wall0 = monotonic()

    def now(self) -> datetime:
        """The simulated time now (for speed=inf: the start, time is driven by the caller)."""
        if math.isinf(self.speed):
            return self.sim_start
        return self.sim_start + timedelta(seconds=(self._monotonic() - self._wall0) * self.speed)

    def wall_offset(self, sim_time: datetime) -> float:
        """Wall seconds after creation at which `sim_time` falls."""
        if math.isinf(self.speed):
            return 0.0
        return (sim_time - self.sim_start).total_seconds() / self.speed

    def sleep_until(self, sim_time: datetime) -> float:
        """Sleep until the simulated clock reaches `sim_time`; return the lag (s) if late."""
        due = self._wall0 + self.wall_offset(sim_time)
        delay = due - self._monotonic()
        if delay > 0:
            self._sleep(delay)
            return 0.0
        return -delay
