"""Offered and served rates of a window, from the per-second series (pure).

*Offered* is what the plan put into the window: messages sent, deliveries expected (every
member of the room at send time, churn's optional ones included). *Served* is what came back
within the window, counted by the second it was *received*, so a saturated server shows the
rate it really served (110/s when 500/s were offered), never more than it delivered and never
the offered rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loadgen.measure.saturation import window_seconds
from loadgen.measure.timeseries import SecondRow
from loadgen.plan.model import PhaseWindow


@dataclass(frozen=True, slots=True)
class WindowFlow:
    offered_msgs_per_s: float
    offered_deliveries_per_s: float
    served_msgs_per_s: float
    served_deliveries_per_s: float
    p50s: tuple[tuple[float, float], ...]  # (second, median latency ms) of each second
    seconds: int = 0  # whole seconds the served rates were counted over (0: from the counts)

    @property
    def unit(self) -> str:
        """What the window's rates are judged on: deliveries, or messages when none."""
        return "deliveries" if self.offered_deliveries_per_s > 0 else "msgs"

    @property
    def offered(self) -> float:
        if self.unit == "deliveries":
            return self.offered_deliveries_per_s
        return self.offered_msgs_per_s

    @property
    def served(self) -> float:
        if self.unit == "deliveries":
            return self.served_deliveries_per_s
        return self.served_msgs_per_s


def window_flow(
    rows: Sequence[SecondRow],
    window: PhaseWindow,
    *,
    sent: int,
    acked: int,
    offered_deliveries: int,
    received: int,
) -> WindowFlow:
    """Rates of ``window``: offered from the plan's counts, served from the receive-time rows
    of the whole seconds inside it (the counts over the duration when it holds none)."""
    duration = max(window.duration_s, 1e-9)
    seconds = window_seconds(window.start_s, window.end_s)
    inside = [r for r in rows if r.second in seconds]
    n = len(seconds) if rows else 0
    if n:
        served_d = sum(r.delivered for r in inside) / n
        served_m = sum(r.acked for r in inside) / n
    else:
        served_d, served_m = received / duration, acked / duration
    return WindowFlow(
        offered_msgs_per_s=sent / duration,
        offered_deliveries_per_s=offered_deliveries / duration,
        served_msgs_per_s=served_m,
        served_deliveries_per_s=served_d,
        p50s=tuple((float(r.second), r.p50_ms) for r in inside if r.p50_ms is not None),
        seconds=n,
    )
