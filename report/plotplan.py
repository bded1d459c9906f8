"""Which plots a scenario's results support, and their file names (pure; drawn by the plotters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from report import fields
from report.fields import Document

PlotKind = Literal[
    "spectrum-delivery", "spectrum-connect", "timeline", "throughput", "resources", "redis"
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
    return [PlotSpec(k, f"{slug}-{k}.png", CAPTIONS[k]) for k in kinds]
