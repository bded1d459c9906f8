"""Open-loop send times of one sender: Poisson or evenly spaced, through phases and ramps.

The sender's rate is ``base_rate * multiplier(t)``, the multiplier constant in a steady phase
and linear in a ramp. Arrivals are drawn in "operation space" (the integral of the rate,
``cumulative(t)``): a Poisson process adds Exp(1) gaps there, the uniform mode puts one arrival
at every integer plus a random offset. Each point maps back to time by inverting the integral,
which is exact for linear ramps. Pure and deterministic for a given ``random.Random``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of time whose rate multiplier goes linearly from ``start_mul`` to ``end_mul``."""

    start_s: float
    end_s: float
    start_mul: float
    end_mul: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def operations(self, base_rate: float) -> float:
        """Expected operations in the whole segment (the rate's integral)."""
        return base_rate * self.duration_s * (self.start_mul + self.end_mul) / 2

    def time_at(self, ops: float, base_rate: float) -> float:
        """The time at which ``ops`` operations have been done since the segment start."""
        if ops <= 0:
            return self.start_s
        a = self.start_mul
        if a == self.end_mul and a > 0:
            return self.start_s + min(ops / (base_rate * a), self.duration_s)
        k = (self.end_mul - self.start_mul) / (2 * self.duration_s)
        target = ops / base_rate  # solve a*t + k*t^2 = target, in the stable form
        root = math.sqrt(max(a * a + 4 * k * target, 0.0))
        denominator = a + root
        elapsed = 2 * target / denominator if denominator > 0 else self.duration_s
        return self.start_s + min(max(elapsed, 0.0), self.duration_s)


def arrival_times(
    rng: random.Random, base_rate: float, segments: Sequence[Segment], poisson: bool = True
) -> Iterator[tuple[float, int]]:
    """Yield ``(time, segment index)`` of each arrival, in time order.

    Args:
        rng: the sender's own generator (its draws make the schedule reproducible).
        base_rate: operations per second at multiplier 1.
        segments: consecutive, non-overlapping stretches of time.
        poisson: exponential gaps (True) or evenly spaced arrivals with a random phase.
    """
    if base_rate <= 0 or not segments:
        return
    bounds = [0.0]
    for segment in segments:
        bounds.append(bounds[-1] + segment.operations(base_rate))
    total = bounds[-1]
    point = rng.expovariate(1.0) if poisson else rng.random()
    index = 0
    while point < total:
        while point >= bounds[index + 1]:
            index += 1
        segment = segments[index]
        time = segment.time_at(point - bounds[index], base_rate)
        if time < segment.end_s:  # rounding can land a point on the boundary: drop it
            yield time, index
        point += rng.expovariate(1.0) if poisson else 1.0
