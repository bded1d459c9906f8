"""Which plotter draws which planned plot (matplotlib, Agg)."""

from __future__ import annotations

from collections.abc import Sequence

from report.fields import Document
from report.plotplan import PlotSpec
from report.plots_capacity import knee, scale_plot
from report.plots_faults import lost_by_second
from report.plots_latency import spectrum, throughput, timeline
from report.plots_resources import redis, resources


def draw(spec: PlotSpec, docs: Sequence[Document]) -> bytes:
    """PNG bytes of one planned plot, from the documents of its section."""
    if spec.kind == "spectrum-delivery":
        return spectrum(docs, "delivery")
    if spec.kind == "spectrum-connect":
        return spectrum(docs, "connect")
    if spec.kind == "timeline":
        return timeline(docs)
    if spec.kind == "throughput":
        return throughput(docs)
    if spec.kind == "resources":
        return resources(docs)
    if spec.kind == "redis":
        return redis(docs)
    if spec.kind == "lost-by-second":
        return lost_by_second(docs)
    if spec.kind == "knee":
        return knee(docs[0])
    return scale_plot(docs[0])
