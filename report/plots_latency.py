"""Latency plots (matplotlib, Agg): percentile spectra, latency and rate over time,
offered vs delivered throughput. Each returns PNG bytes; one colour per contender."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter

from report import series
from report.fields import Document, Run
from report.palette import colour, label
from report.plotkit import PLAIN, outages, phases, png

_TICKS = [(2.0, "50%"), (10.0, "90%"), (100.0, "99%"), (1000.0, "99.9%"), (10000.0, "99.99%")]


def spectrum(docs: Sequence[Document], kind: str) -> bytes:
    """``kind``: ``delivery`` or ``connect``."""
    fig = Figure(figsize=(9, 4.5))
    ax = fig.subplots()
    for contender, runs in series.contender_runs(docs).items():
        hist = series.merged_histogram(runs, kind)
        if hist.count == 0:
            continue
        xs, ys = series.spectrum_xy(hist)
        ax.plot(xs, ys, color=colour(contender), label=f"{label(contender)} (n={hist.count})")
    ax.set_xscale("log")
    ax.set_xlim(1, series.SPECTRUM_MAX_X)
    ax.set_xticks([x for x, _ in _TICKS], [t for _, t in _TICKS])
    ax.set_xlabel("percentile (the point at 99.99% includes everything up to the maximum)")
    ax.set_ylabel("latency (ms)")
    title = "Delivery latency" if kind == "delivery" else "Connect + auth latency"
    ax.set_title(f"{title} by percentile")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left")
    return png(fig)


def timeline(docs: Sequence[Document]) -> bytes:
    fig = Figure(figsize=(10, 6.5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    first: Run | None = None
    by_contender = series.contender_runs(docs)
    for n, (contender, runs) in enumerate(by_contender.items()):
        width = max(1.0, 3.2 - 0.8 * n)  # later contenders thinner: equal lines stay visible
        for i, run in enumerate(runs):
            first = first or run
            t = series.timeline(run)
            style = {"color": colour(contender), "alpha": 1.0 if i == 0 else 0.45}
            name = label(contender) if i == 0 else None
            top.plot(
                t.seconds,
                series.gaps(t.p99),
                lw=1.6,
                label=f"{name} p99" if name else None,
                **style,
            )
            top.plot(t.seconds, series.gaps(t.p50), lw=1.0, ls="--",
                     label=f"{name} p50" if name else None, **style)  # fmt: skip
            bottom.plot(t.seconds, t.delivered, lw=width, label=name, **style)
    if first is not None:
        phases(top, first)
        phases(bottom, first)
    outages(top, by_contender)
    outages(bottom, by_contender)
    top.set_yscale("log")
    top.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    top.yaxis.set_major_formatter(PLAIN)
    top.yaxis.set_minor_formatter(NullFormatter())
    top.set_ylabel("latency (ms, log)")
    top.set_title("Delivery latency per second: p99 (solid) and p50 (dashed)")
    top.grid(True, which="both", alpha=0.3)
    top.legend(fontsize=8, ncol=2, loc="upper right")
    bottom.set_ylabel("deliveries per second")
    bottom.set_xlabel("seconds since the first phase began")
    bottom.grid(True, alpha=0.3)
    bottom.legend(fontsize=8, loc="lower right")
    return png(fig)


def throughput(docs: Sequence[Document]) -> bytes:
    fig = Figure(figsize=(7, 6))
    ax = fig.subplots()
    top = 0.0
    for n, (contender, runs) in enumerate(series.contender_runs(docs).items()):
        size = max(3.0, 11.0 - 2.5 * n)  # later contenders smaller: equal points stay visible
        for i, run in enumerate(runs):
            points = series.throughput_points(run)
            if not points:
                continue
            xs = [p[1] for p in points]
            ys = [p[2] for p in points]
            top = max(top, *xs, *ys)
            ax.plot(xs, ys, "o-", color=colour(contender), alpha=1.0 if i == 0 else 0.5,
                    markersize=size, label=label(contender) if i == 0 else None)  # fmt: skip
            if i == 0:
                for name, x, y in points:
                    ax.annotate(name, (x, y), fontsize=7, xytext=(4, -10),
                                textcoords="offset points")  # fmt: skip
    limit = top * 1.08 or 1.0
    ax.plot([0, limit], [0, limit], color="#999999", ls=":", lw=1, label="served = offered")
    ax.set_xlim(0, limit)
    ax.set_ylim(0, limit)
    ax.set_xlabel("offered (expected deliveries per second)")
    ax.set_ylabel("served (deliveries per second, by receive time)")
    ax.set_title("Offered vs served throughput, per phase")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return png(fig)
