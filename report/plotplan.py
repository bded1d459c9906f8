"""Which plots a scenario's results support, and their file names (pure; drawn by the plotters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from report import fields
from report.fields import Document

PlotKind = Literal[
    "spectrum-delivery",
    "spectrum-connect",
    "timeline",
    "throughput",
    "resources",
    "redis",
    "lost-by-second",
    "knee",
    "scale",
]


@dataclass(frozen=True)
class PlotSpec:
    kind: PlotKind
    filename: str
    caption: str


CAPTIONS: dict[PlotKind, str] = {
    "spectrum-delivery": "Delivery latency by percentile (every recipient, from the planned "
    "send time; all repetitions merged)",
    "spectrum-connect": "Connect + auth latency by percentile",
    "timeline": "Delivery latency p50/p99 and delivered messages per second over time "
    "(phases shaded; one line per repetition)",
    "throughput": "Offered vs delivered deliveries per second (one point per phase and "
    "repetition; the diagonal is 'everything delivered')",
    "resources": "Server CPU and memory over time (all instances of a contender summed), and "
    "memory per connection where measured",
    "redis": "Redis operations per second over time",
    "lost-by-second": "Deliveries lost, by the second their message was planned (mean of the "
    "repetitions); each contender's outage shaded in its colour, from the fault to when every "
    "client was back, fault and restore marked by red lines",
    "knee": "Latency against offered load (the knee): p99 (solid) and p50 (dashed) of every "
    "step of the capacity search; filled circles passed, crosses failed, hollow "
    "triangles are steps the load generator could not drive (never counted); the SLO's p99 "
    "limit dotted, each contender's maximum sustainable load as a vertical line and the "
    "interval up to its lowest failing load shaded",
    "scale": "Throughput and latency against the number of server instances per contender",
}


def _runs(docs: Sequence[Document]) -> list[fields.Run]:
    return [r for d in docs for c in fields.contenders(d) for r in fields.runs_of(d, c)]


def plot_plan(docs: Sequence[Document], slug: str) -> list[PlotSpec]:
    runs = _runs(docs)
    kinds: list[PlotKind] = []
    if any(p.get("histograms", {}).get("delivery") for r in runs for p in r.get("phases", [])):
        kinds.append("spectrum-delivery")
    if any((r.get("connect") or {}).get("histogram") for r in runs):
        kinds.append("spectrum-connect")
    if any(r.get("timeseries_rows") for r in runs):
        kinds.append("timeline")
    if any(r.get("phases") for r in runs):
        kinds.append("throughput")
    if any(fields.server_processes(r) for r in runs):
        kinds.append("resources")
    if any(fields.backend(d) == "redis" for d in docs) and any(
        any(v is not None for v in r.get("resources", {}).get("redis", {}).get(
            "instantaneous_ops_per_sec", []))
        for r in runs
    ):  # fmt: skip
        kinds.append("redis")
    faults = any(r.get("fault_events") for r in runs)
    if faults or any(r.get("lost_by_second") for r in runs):
        kinds.append("lost-by-second")
    return [PlotSpec(k, f"{slug}-{k}.png", _caption(k, faults)) for k in kinds]


def _caption(kind: PlotKind, faults: bool) -> str:
    if faults and kind in ("timeline", "resources", "redis"):
        return CAPTIONS[kind] + (
            "; each contender's outage hatched in its colour, from the fault to when every "
            "client was back (first repetition), fault and restore marked by red lines"
        )
    return CAPTIONS[kind]
