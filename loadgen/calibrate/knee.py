"""Where a ramp stops being served: the knee of a per-second time series (pure).

A calibration ramp offers a rising rate; each second records how many operations were offered
(sent), how many were served (delivered, by *receive* time, in the same unit) and the p99
latency of what arrived in that second. A second keeps up when, over a short trailing window,
the served count is at least ``served_min`` of the offered count and its p99 stays under
``latency_max_ms``. The knee is the last second that kept up before the first sustained failure
(``confirm`` failing seconds in a row, or failing to the end); the capacity is the rate offered
in that second.

Seconds offering fewer than ``min_offered`` operations are too noisy to judge and are skipped.
When no second fails, the capacity is at least the highest rate offered (``bounded="above"``:
the ramp did not reach the knee); when the first judged second already fails, it is below the
ramp's start (``bounded="below"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

SERVED_MIN = 0.95
LATENCY_MAX_MS = 250.0
WINDOW_S = 2
CONFIRM_S = 3
MIN_OFFERED = 5.0


@dataclass(frozen=True)
class Knee:
    """The result of :func:`find_knee`; rates in operations per second."""

    capacity: float
    second: int | None  # index of the last second that kept up (None: none did)
    bounded: Literal["knee", "above", "below"]
    reason: str  # what failed first: "served", "latency", or why there is no knee
    plateau: float  # median served rate after the knee (what the server managed when overrun)

    def as_dict(self) -> dict[str, Any]:
        return {
            "capacity": self.capacity,
            "second": self.second,
            "bounded": self.bounded,
            "reason": self.reason,
            "plateau": self.plateau,
        }


def keeps_up(
    offered: Sequence[float],
    served: Sequence[float],
    p99_ms: Sequence[float | None],
    index: int,
    *,
    served_min: float = SERVED_MIN,
    latency_max_ms: float = LATENCY_MAX_MS,
    window: float = WINDOW_S,
) -> tuple[bool, str]:
    """Whether second ``index`` kept up, and if not, why ("served" or "latency")."""
    start = max(0, index - int(window) + 1)
    wanted = sum(offered[start : index + 1])
    got = sum(served[start : index + 1])
    if wanted > 0 and got < served_min * wanted:
        return False, "served"
    latency = p99_ms[index]
    if latency is not None and latency > latency_max_ms:
        return False, "latency"
    if latency is None and offered[index] > 0:
        return False, "served"  # nothing arrived in a second that offered work
    return True, ""


def find_knee(
    offered: Sequence[float],
    served: Sequence[float],
    p99_ms: Sequence[float | None],
    *,
    served_min: float = SERVED_MIN,
    latency_max_ms: float = LATENCY_MAX_MS,
    window: int = WINDOW_S,
    confirm: int = CONFIRM_S,
    min_offered: float = MIN_OFFERED,
) -> Knee:
    """The knee of a ramp; ``offered``, ``served`` and ``p99_ms`` hold one value per second."""
    if not len(offered) == len(served) == len(p99_ms):
        raise ValueError("offered, served and p99_ms need one value per second each")
    judged = [i for i, value in enumerate(offered) if value >= min_offered]
    if not judged:
        return Knee(0.0, None, "below", "nothing offered at a rate worth judging", 0.0)
    limits = {"served_min": served_min, "latency_max_ms": latency_max_ms, "window": window}
    verdicts = [keeps_up(offered, served, p99_ms, i, **limits) for i in judged]
    last_ok: int | None = None
    for position, (ok, reason) in enumerate(verdicts):
        if ok:
            last_ok = judged[position]
            continue
        following = verdicts[position : position + confirm]
        if all(not later_ok for later_ok, _ in following):
            after = [served[i] for i in judged[position:]]
            plateau = _median(after)
            if last_ok is None:
                return Knee(offered[judged[0]], None, "below", reason, plateau)
            return Knee(offered[last_ok], last_ok, "knee", reason, plateau)
    assert last_ok is not None
    best = max(judged, key=lambda i: offered[i])
    return Knee(offered[best], best, "above", "the ramp ended before the knee", 0.0)


def overrun(
    p99_ms: float | None,
    served_per_s: float,
    offered_per_s: float,
    *,
    latency_max_ms: float = LATENCY_MAX_MS,
) -> bool:
    """A progress tick that is clearly past the knee: p99 over four times the bound, or less
    than half of what was offered a second ago served (a ramp is stopped after a few)."""
    if p99_ms is not None and p99_ms > 4 * latency_max_ms:
        return True
    return offered_per_s >= MIN_OFFERED and served_per_s < 0.5 * offered_per_s


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def extended(before: Knee, after: Knee) -> Knee:
    """The answer of a ramp ``after`` that went on from the top of ``before``, which ended below
    the knee (``bounded="above"``): overrun from its first second, the knee lies between the
    two, and the highest rate sustained is ``before``'s top; else ``after``'s own answer."""
    if before.bounded != "above" or after.bounded != "below":
        return after
    reason = f"sustained {before.capacity:,.0f}/s, overrun from {after.capacity:,.0f}/s"
    return Knee(before.capacity, None, "knee", reason, after.plateau)
