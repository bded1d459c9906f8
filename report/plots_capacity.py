"""Capacity and scale-out plots (matplotlib, Agg): latency against offered load (the knee,
with each contender's interval shaded), throughput and latency against the instance count.
Each returns PNG bytes."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from report import capacity, scale, series
from report.fields import Document, number
from report.palette import colour, label
from report.plotkit import PLAIN, png

MARKERS = {"pass": "o", "fail": "X", "unknown": "^"}


def knee(doc: Document) -> bytes:
    fig = Figure(figsize=(10, 6))
    ax = fig.subplots()
    unit = capacity.unit(doc)
    for contender in capacity.contenders(doc):
        c = colour(contender)
        points = capacity.knee_points(doc, contender)
        loads, p50, p99 = capacity.knee_line(points)
        ax.plot(loads, p99, color=c, lw=1.8, label=f"{label(contender)} p99")
        ax.plot(loads, p50, color=c, lw=1.0, ls="--", label=f"{label(contender)} p50")
        for p in points:
            hollow = p.outcome == "unknown"
            for value, size in ((p.p99, 8), (p.p50, 5)):
                if value is None:
                    continue
                ax.plot([p.load], [value], MARKERS.get(p.outcome, "o"), ms=size,
                        mfc="none" if hollow else c, mec=c, mew=1.4)  # fmt: skip
            if p.p99 is None:  # nothing measured: marked on the load axis
                ax.plot([p.load], [0.02], "^", ms=8, mfc="none", mec=c,
                        transform=ax.get_xaxis_transform())  # fmt: skip
        best = number(capacity.maximum(doc, contender).get("load"))
        low, high = capacity.interval(capacity.maximum(doc, contender))
        if low is not None and high is not None:  # where the limit lies: pass .. fail
            ax.axvspan(low, high, color=c, alpha=0.15, lw=0)
        if best is not None:
            ax.axvline(best, color=c, ls=":", lw=1.4)
            ax.text(best, 0.02, f" max {best:g}", color=c, rotation=90, va="bottom", fontsize=8,
                    transform=ax.get_xaxis_transform())  # fmt: skip
    limit = capacity.slo_limit(doc)
    if limit is not None:
        ax.axhline(limit, color="#c0392b", ls=":", lw=1.2, label=f"SLO: p99 < {limit:g} ms")
    for outcome, text in (("pass", "step passed"), ("fail", "step failed"),
                          ("unknown", "load generator bound (not counted)")):  # fmt: skip
        ax.plot([], [], MARKERS[outcome], color="#555555",
                mfc="none" if outcome == "unknown" else "#555555", label=text)  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(PLAIN)
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"offered load ({unit}, log)")
    ax.set_ylabel("delivery latency (ms, log)")
    ax.set_title("Latency against offered load: " + ", ".join(doc.get("slo", [])))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    return png(fig)


def scale_plot(doc: Document) -> bytes:
    fig = Figure(figsize=(9, 6.5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    counts: set[int] = set()
    for n, contender in enumerate(scale.contenders(doc)):
        c = colour(contender)
        width = max(1.0, 3.2 - 0.8 * n)  # later contenders thinner: equal lines stay visible
        xs, delivered = scale.series(doc, contender, "deliveries_per_s")
        _, p50 = scale.series(doc, contender, "p50_ms")
        _, p99 = scale.series(doc, contender, "p99_ms")
        counts.update(xs)
        top.plot(xs, series.gaps(delivered), "o-", color=c, lw=width, ms=3 + 2 * width,
                 label=label(contender))  # fmt: skip
        bottom.plot(xs, series.gaps(p99), "o-", color=c, label=f"{label(contender)} p99")
        bottom.plot(xs, series.gaps(p50), "o--", color=c, lw=1, ms=4,
                    label=f"{label(contender)} p50")  # fmt: skip
    top.set_ylabel("deliveries per second")
    top.set_title("Throughput and latency by number of server instances")
    top.set_ylim(bottom=0)
    bottom.set_ylabel("delivery latency (ms)")
    bottom.set_ylim(bottom=0)
    bottom.set_xlabel("server instances per contender")
    bottom.set_xticks(sorted(counts))
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    return png(fig)
