"""Result documents of schema 2 (issue 9) built for report tests: a real schema-1 fixture with
the new fields written in per contender, as ``loadgen`` records them (``docs/results.md``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from tests.report.conftest import ECHO, load


@dataclass(frozen=True)
class Outcome:
    """What one contender's runs recorded. ``served`` below ``offered``, or ``saturated``,
    makes it saturated; ``overall`` overrides any summary key (for example a lower bound)."""

    offered: float = 500.0
    served: float | None = None  # None: kept up (served = offered)
    saturated: bool | None = None  # None: served < 95 % of offered
    queue_s: float = 0.002
    late: int = 0
    lost: int = 0
    queued: int = 0
    bound: str | None = "waiting"
    cpu_per_instance_pct: float = 52.0
    censored: tuple[str, ...] = ()
    overall: dict[str, Any] = field(default_factory=dict)
    grace_ended: str = "drained"
    served_at_end: float | None = None
    repetitions: tuple[int, ...] | None = None  # saturated only in these repetitions


def _apply(run: dict[str, Any], o: Outcome) -> None:
    served = o.offered if o.served is None else o.served
    saturated = o.saturated if o.saturated is not None else served < 0.95 * o.offered
    if o.repetitions is not None and run["repetition"] not in o.repetitions:
        saturated, served = False, o.offered
    overall = run["overall"]
    overall.update(
        offered_msgs_per_s=o.offered, offered_deliveries_per_s=o.offered,
        served_msgs_per_s=served, served_deliveries_per_s=served, msgs_per_s=served,
        deliveries_per_s=served, served_ratio=served / o.offered, saturated=int(saturated),
        queue_s=o.queue_s if saturated else 0.002, late=o.late, lost=o.lost, loss=o.lost,
        queued=o.queued, undelivered=o.lost + o.queued, over_range=0,
        latency_growth_ms=2000.0 if saturated else 0.0,
    )  # fmt: skip
    overall.update(o.overall)
    run["censored"] = list(o.censored)
    run["saturation"] = {
        "saturated": saturated,
        "reasons": [f"served {served:.0f} deliveries/s of {o.offered:.0f}/s"] if saturated else [],
        "unit": "deliveries",
        "offered_per_s": o.offered,
        "served_per_s": served,
        "served_ratio": served / o.offered,
        "latency_growth_ms": overall["latency_growth_ms"],
        "latency_slope_ms_per_s": 100.0 if saturated else 0.0,
        "queue_s": overall["queue_s"],
        "bound": o.bound if saturated else None,
        "server_cpu_pct": o.cpu_per_instance_pct,
        "cpu_per_instance_pct": o.cpu_per_instance_pct,
    }
    run["grace"] = {
        "cap_s": 15.0, "stall_s": 3.0, "used_s": 4.0, "ended": o.grace_ended,
        "outstanding_at_end": o.lost + o.queued, "served_per_s_at_end": o.served_at_end,
    }  # fmt: skip


def schema2(outcomes: dict[str, Outcome], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The echo fixture (sio, channels, channels-daphne; 2 repetitions each) as schema 2; a
    contender not in ``outcomes`` kept up at 500 deliveries/s."""
    doc = copy.deepcopy(base or load(ECHO))
    doc["schema_version"] = 2
    for run in doc["runs"]:
        _apply(run, outcomes.get(run["contender"], Outcome()))
    return doc


# The example: Channels behind Redis saturates at 500 msgs/s offered, served 110/s.
CHANNELS_SATURATED = Outcome(served=110.0, queue_s=6.5, late=2345, bound="waiting")
