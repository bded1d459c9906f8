"""Resource plots (matplotlib, Agg): server CPU and RSS over time, memory per connection,
Redis operations per second. Each returns PNG bytes; one colour per contender."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from report import fields, series
from report.fields import Document
from report.figures import spread
from report.palette import colour, label
from report.plotkit import outages, phases, png


def resources(docs: Sequence[Document]) -> bytes:
    by_contender = series.contender_runs(docs)
    per_conn = {
        c: s for c, runs in by_contender.items()
        if (s := spread(fields.connect_rss_kb(r) for r in runs))
    }  # fmt: skip
    fig = Figure(figsize=(10, 6.5 if not per_conn else 9))
    axes = fig.subplots(3 if per_conn else 2, 1)
    cpu_ax, rss_ax = axes[0], axes[1]
    rss_ax.sharex(cpu_ax)
    first: fields.Run | None = None
    for contender, runs in by_contender.items():
        for i, run in enumerate(runs):
            first = first or run
            t, cpu, rss = fields.server_totals(run)
            style = {"color": colour(contender), "alpha": 1.0 if i == 0 else 0.45}
            name = label(contender) if i == 0 else None
            cpu_ax.plot(t, series.gaps(cpu), label=name, **style)
            rss_ax.plot(t, series.gaps(rss), label=name, **style)
    if first is not None:
        phases(cpu_ax, first)
        phases(rss_ax, first)
    outages(cpu_ax, by_contender)
    outages(rss_ax, by_contender)
    cpu_ax.set_ylabel("server CPU (% of one core)")
    cpu_ax.set_title("Server CPU and memory (all instances), one line per repetition")
    rss_ax.set_ylabel("server RSS (MB)")
    rss_ax.set_xlabel("seconds since the first phase began")
    for ax in (cpu_ax, rss_ax):
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    if per_conn:
        ax = axes[2]
        names = list(per_conn)
        medians = [per_conn[c].median for c in names]
        errors = [
            [per_conn[c].median - per_conn[c].low for c in names],
            [per_conn[c].high - per_conn[c].median for c in names],
        ]
        ax.barh([label(c) for c in names], medians, xerr=errors,
                color=[colour(c) for c in names], capsize=4)  # fmt: skip
        ax.set_xlabel("server memory per connection (KB; median, lowest-highest repetition)")
        ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return png(fig)


def redis(docs: Sequence[Document]) -> bytes:
    fig = Figure(figsize=(10, 4))
    ax = fig.subplots()
    first: fields.Run | None = None
    by_contender = series.contender_runs(docs)
    for contender, runs in by_contender.items():
        for i, run in enumerate(runs):
            first = first or run
            t, ops = series.redis_ops(run)
            ax.plot(t, series.gaps(ops), color=colour(contender), alpha=1.0 if i == 0 else 0.45,
                    label=label(contender) if i == 0 else None)  # fmt: skip
    if first is not None:
        phases(ax, first)
    outages(ax, by_contender)
    ax.set_ylabel("Redis operations per second")
    ax.set_xlabel("seconds since the first phase began")
    ax.set_title("Redis load (INFO instantaneous_ops_per_sec)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return png(fig)
