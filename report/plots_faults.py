"""Fault plots (matplotlib, Agg): deliveries lost by the second they were planned, with each
contender's outage shaded. Returns PNG bytes; one colour per contender."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from report import faults, series
from report.fields import Document, Run
from report.palette import colour, label
from report.plotkit import outages, phases, png


def lost_by_second(docs: Sequence[Document]) -> bytes:
    by_contender = series.contender_runs(docs)
    fig = Figure(figsize=(10, 4.5))
    ax = fig.subplots()
    width = 0.8 / max(1, len(by_contender))
    first: Run | None = None
    top = 0.0
    for n, (contender, runs) in enumerate(by_contender.items()):
        if not runs:
            continue
        first = first or runs[0]
        lost = faults.lost_per_second(runs)
        top = max(top, *lost.values(), 0.0)
        xs = [s + 0.1 + width * (n + 0.5) for s in lost]
        ax.bar(xs, list(lost.values()), width=width, color=colour(contender),
               label=f"{label(contender)} ({sum(lost.values()):.0f} lost)")  # fmt: skip
    if first is not None:
        end = max((float(p["end_s"]) for r in by_contender.values() for p in
                   (r[0].get("phases", []) if r else [])), default=1.0)  # fmt: skip
        ax.set_xlim(0, end + 1)
        phases(ax, first)
    outages(ax, by_contender)
    ax.set_ylim(0, top * 1.15 or 1.0)
    ax.set_xlabel("second the lost message was planned (since the first phase began)")
    ax.set_ylabel("expected deliveries lost")
    ax.set_title("Deliveries lost by second (outages hatched, faults and restores in red)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return png(fig)
