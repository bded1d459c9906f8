"""Did a contender keep up? Served rate, queue growth and what bounds it (pure).

A server is *saturated* when the load offered to it is above the rate it serves: it falls
behind, and its queue (and so every later message's latency) grows through the run. Two
signs, either one enough:

- the served rate, counted by *receive* time over the window, stays below
  ``SERVED_RATIO_MIN`` (95 %) of the offered rate (what the plan sent in the window), less
  what was lost (a dead server delivers nothing: that shortfall is loss, not a queue). The
  served rate is judged only over ``SERVED_SECONDS_MIN`` (3) whole seconds or more: over one or
  two, the sends that fell in the window's partial seconds decide it (a 2 s smoke window of a
  mostly idle scenario read "served 0 of 20/s" with every message delivered in milliseconds),
  and only when the window offered ``SERVED_MSGS_MIN`` (40) messages or more: over fewer, one
  message whose deliveries land just past the window's end moves the ratio by more than the
  5 % margin (a fanout at 0.675 msgs/s, 7 messages in 10 s, read "served 86 %" and
  "saturated" with nothing late or lost);
- the per-second median latency grows through the window: the least-squares line through
  the per-second p50 rises by more than ``GROWTH_MIN_MS`` (100 ms) and by more than
  ``GROWTH_MIN_FRACTION`` of the window's median p50. A constant high latency is slow, not
  saturated; a rising one is a queue.

What bounds a saturated server comes from its CPU samples: ``cpu`` when its busiest instance
used at least ``CPU_BOUND_PCT`` of a core, else ``waiting`` (it had CPU to spare and waited on
something else: its backplane's round trips, a lock, I/O).

Late is not lost: saturation says nothing about loss, which only the delivery accounting
decides (see :mod:`loadgen.measure.accounting`). The judgement is put into words in one place,
:mod:`report.saturation`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

SERVED_RATIO_MIN = 0.95
SERVED_SECONDS_MIN = 3
SERVED_MSGS_MIN = 40
GROWTH_MIN_MS = 100.0
GROWTH_MIN_FRACTION = 0.5
CPU_BOUND_PCT = 85.0

Bound = Literal["cpu", "waiting"]


@dataclass(frozen=True, slots=True)
class Saturation:
    """The evidence and the verdict for one window (a phase, or the measured run)."""

    saturated: bool
    reasons: tuple[str, ...]
    unit: str  # "deliveries" or "msgs": what the rates count
    offered_per_s: float
    served_per_s: float
    served_ratio: float
    latency_growth_ms: float
    latency_slope_ms_per_s: float
    queue_s: float | None  # median latency of the window's last second with deliveries
    bound: Bound | None
    server_cpu_pct: float | None  # all instances, percent of one core
    cpu_per_instance_pct: float | None  # the busiest instance

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in data.items()}  # fmt: skip


def served_ratio(offered: float, served: float) -> float:
    """Served over offered; 1.0 when nothing was offered."""
    return served / offered if offered > 0 else 1.0


def latency_trend(p50s: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """``(slope ms/s, growth ms over the span)`` of a least-squares line through
    ``(second, p50 ms)`` points; ``(0, 0)`` with fewer than three points."""
    if len(p50s) < 3:
        return 0.0, 0.0
    n = len(p50s)
    mx = sum(t for t, _ in p50s) / n
    my = sum(v for _, v in p50s) / n
    sxx = sum((t - mx) ** 2 for t, _ in p50s)
    if sxx == 0:
        return 0.0, 0.0
    slope = sum((t - mx) * (v - my) for t, v in p50s) / sxx
    span = p50s[-1][0] - p50s[0][0] + 1.0
    return slope, slope * span


def classify(
    *,
    offered_per_s: float,
    served_per_s: float,
    p50s: Sequence[tuple[float, float]],
    unit: str,
    server_cpu_pct: float | None = None,
    cpu_per_instance_pct: float | None = None,
    lost_per_s: float = 0.0,
    served_seconds: int | None = None,
    offered_msgs: int | None = None,
) -> Saturation:
    """Judge one window from its rates and its per-second median latencies; ``served_seconds``:
    the whole seconds the served rate was counted over (0 or None: from the window's counts);
    ``offered_msgs``: the messages sent in the window (None: enough to judge)."""
    ratio = served_ratio(offered_per_s, served_per_s)
    kept = served_ratio(max(0.0, offered_per_s - lost_per_s), served_per_s)
    slope, growth = latency_trend(p50s)
    ordered = sorted(v for _, v in p50s)
    typical = ordered[len(ordered) // 2] if ordered else 0.0
    reasons: list[str] = []
    judged = (not served_seconds or served_seconds >= SERVED_SECONDS_MIN) and (
        offered_msgs is None or offered_msgs >= SERVED_MSGS_MIN
    )
    if judged and kept < SERVED_RATIO_MIN:
        reasons.append(
            f"served {served_per_s:,.0f} {unit}/s of {offered_per_s:,.0f}/s offered "
            f"({ratio:.0%}, below {SERVED_RATIO_MIN:.0%})"
        )
    if growth > GROWTH_MIN_MS and growth > GROWTH_MIN_FRACTION * typical:
        reasons.append(
            f"median latency grew by {growth:,.0f} ms through the window "
            f"({slope:,.1f} ms per second)"
        )
    queue = p50s[-1][1] / 1000 if p50s else None
    saturated = bool(reasons)
    bound: Bound | None = None
    if saturated and cpu_per_instance_pct is not None and math.isfinite(cpu_per_instance_pct):
        bound = "cpu" if cpu_per_instance_pct >= CPU_BOUND_PCT else "waiting"
    return Saturation(
        saturated=saturated, reasons=tuple(reasons), unit=unit, offered_per_s=offered_per_s,
        served_per_s=served_per_s, served_ratio=ratio, latency_growth_ms=growth,
        latency_slope_ms_per_s=slope, queue_s=queue, bound=bound, server_cpu_pct=server_cpu_pct,
        cpu_per_instance_pct=cpu_per_instance_pct,
    )  # fmt: skip


def window_seconds(start_s: float, end_s: float) -> range:
    """The whole seconds of a per-second series that lie inside ``[start_s, end_s)``."""
    first = math.ceil(start_s - 1e-9)
    last = math.floor(end_s + 1e-9)
    return range(first, max(first, last))
