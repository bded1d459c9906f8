"""A worker's samples as JSON, and the exact merge of several workers' samples (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from loadgen.measure.accounting import DeliveryCounts
from loadgen.measure.stats import LatencyHistogram
from loadgen.measure.timeseries import TimeSeries

if TYPE_CHECKING:
    from loadgen.run.driver import Driver

_COUNT_FIELDS = tuple(f.name for f in fields(DeliveryCounts))


def encode_samples(
    task: dict[str, Any], driver: Driver, partial_reason: str | None
) -> dict[str, Any]:
    samples = driver.samples
    report, lost_by_second = driver.accounting()
    phases = []
    for i, counts in enumerate(report.phases):
        phases.append(
            {
                "delivery": samples.delivery[i].encode(),
                "delivery_uncorrected": samples.delivery_uncorrected[i].encode(),
                "delivery_cross": samples.delivery_cross[i].encode(),
                "ack": samples.ack[i].encode(),
                "sent": samples.sent[i],
                "acked": samples.acked[i],
                "acks_late": samples.acks_late[i],
                "accounting": {name: getattr(counts, name) for name in _COUNT_FIELDS},
            }
        )
    return {
        "worker": task.get("worker", 0),
        "connections": len(driver.mine),
        "connected": samples.connected,
        "partial_reason": partial_reason,
        "phases": phases,
        "connect": {"histogram": samples.connect.encode(), "errors": dict(samples.connect_errors)},
        "errors": dict(samples.errors),
        "dropped": dict(samples.dropped),
        "reconnected": samples.reconnected,
        "outages": driver.connections.outages,
        "lost_by_second": {str(k): v for k, v in sorted(lost_by_second.items())},
        "timeseries": samples.timeseries.to_json(),
        "lag": samples.lag.encode(),
        "cpu": driver.cpu(),
        "grace": driver.grace.as_dict(),
    }


def merge_worker_results(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge workers losslessly: histograms merge, counters add, time series add per second."""
    if not parts:
        raise ValueError("no worker results to merge")
    n_phases = len(parts[0]["phases"])
    phases = []
    for i in range(n_phases):
        merged: dict[str, Any] = {}
        for key in ("delivery", "delivery_uncorrected", "ack"):
            merged[key] = LatencyHistogram.merged(
                LatencyHistogram.decode(p["phases"][i][key]) for p in parts
            )
        merged["delivery_cross"] = LatencyHistogram.merged(  # absent from older workers
            LatencyHistogram.decode(p["phases"][i]["delivery_cross"])
            for p in parts
            if "delivery_cross" in p["phases"][i]
        )
        merged["sent"] = sum(p["phases"][i]["sent"] for p in parts)
        merged["acked"] = sum(p["phases"][i]["acked"] for p in parts)
        merged["acks_late"] = sum(p["phases"][i].get("acks_late", 0) for p in parts)
        counts = DeliveryCounts()
        for p in parts:
            counts += DeliveryCounts(**p["phases"][i]["accounting"])
        merged["accounting"] = counts
        phases.append(merged)
    series = TimeSeries()
    for p in parts:
        series.merge(TimeSeries.from_json(p["timeseries"]))
    return {
        "workers": len(parts),
        "connections": sum(p["connections"] for p in parts),
        "connected": sum(p["connected"] for p in parts),
        "partial_reasons": sorted({p["partial_reason"] for p in parts if p["partial_reason"]}),
        "phases": phases,
        "connect": LatencyHistogram.merged(
            LatencyHistogram.decode(p["connect"]["histogram"]) for p in parts
        ),
        "connect_errors": _add(p["connect"]["errors"] for p in parts),
        "errors": _add(p["errors"] for p in parts),
        "dropped": _add(p["dropped"] for p in parts),
        "reconnected": sum(p.get("reconnected", 0) for p in parts),
        "outages": sorted(
            (o for p in parts for o in p.get("outages", [])), key=lambda o: (o[1], o[0])
        ),
        "lost_by_second": _add(p.get("lost_by_second", {}) for p in parts),
        "timeseries": series,
        "lag": LatencyHistogram.merged(LatencyHistogram.decode(p["lag"]) for p in parts),
        "cpu": [p["cpu"] for p in parts],
        "grace": merge_grace([p["grace"] for p in parts if p.get("grace")]),
    }


# How a grace period ended, the one that says most about the run first.
_ENDINGS = ("cap", "stalled", "stopped", "drained", "none")


def merge_grace(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The workers' grace periods as one: the longest, the earliest end (a lower bound for
    what never arrived), outstanding and served rates added, the most telling ending."""
    if not parts:
        return {
            "ended": "none", "cap_s": 0.0, "stall_s": 0.0, "used_s": 0.0, "ended_at_s": None,
            "outstanding_at_end": 0, "served_per_s_at_end": 0.0,
        }  # fmt: skip
    ends = [p["ended_at_s"] for p in parts if p.get("ended_at_s") is not None]
    return {
        "cap_s": parts[0]["cap_s"],
        "stall_s": parts[0]["stall_s"],
        "used_s": max(p["used_s"] for p in parts),
        "ended": min((p["ended"] for p in parts), key=_ENDINGS.index),
        "ended_at_s": min(ends) if ends else None,
        "outstanding_at_end": sum(p["outstanding_at_end"] for p in parts),
        "served_per_s_at_end": sum(p["served_per_s_at_end"] for p in parts),
        "workers": [p["ended"] for p in parts],
    }


def _add(counters: Any) -> dict[str, int]:
    total: Counter[str] = Counter()
    for c in counters:
        total.update(c)
    return dict(total)
