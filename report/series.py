"""The data behind each plot, extracted from results (pure; the plotters only draw it)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from loadgen.measure.stats import LatencyHistogram
from report import fields
from report.fields import Document, Run

# The spectrum's x axis is 1 / (1 - percentile/100), on a log scale up to p99.99.
SPECTRUM_MAX_X = 10_000.0


def gaps(values: Sequence[float | None]) -> list[float]:
    """None as NaN, which matplotlib draws as a gap in the line."""
    return [math.nan if v is None else v for v in values]


def contender_runs(docs: Sequence[Document]) -> dict[str, list[Run]]:
    out: dict[str, list[Run]] = {}
    for doc in docs:
        for contender in fields.contenders(doc):
            out.setdefault(contender, []).extend(fields.runs_of(doc, contender))
    return out


def merged_histogram(runs: Sequence[Run], kind: str) -> LatencyHistogram:
    """``delivery``: the measured phases of every run merged; ``connect``: every connect."""
    parts = []
    for run in runs:
        if kind == "connect":
            text = (run.get("connect") or {}).get("histogram")
            if text:
                parts.append(LatencyHistogram.decode(text))
        else:
            for phase in fields.measured_phases(run):
                text = phase.get("histograms", {}).get(kind)
                if text:
                    parts.append(LatencyHistogram.decode(text))
    return LatencyHistogram.merged(parts)


def spectrum_xy(hist: LatencyHistogram) -> tuple[list[float], list[float]]:
    """x = 1/(1-p), capped at p99.99 (the rest, up to the maximum, drawn at the cap); y = ms."""
    xs: list[float] = []
    ys: list[float] = []
    for percentile, ms in hist.spectrum():
        x = SPECTRUM_MAX_X if percentile >= 99.99 else 1.0 / (1.0 - percentile / 100.0)
        if xs and x == xs[-1] == SPECTRUM_MAX_X:
            ys[-1] = max(ys[-1], ms)
            continue
        xs.append(x)
        ys.append(ms)
    return xs, ys


@dataclass(frozen=True)
class Timeline:
    seconds: list[float]  # the middle of each second
    p50: list[float | None]
    p99: list[float | None]
    delivered: list[float]


def timeline(run: Run) -> Timeline:
    rows = run.get("timeseries_rows", [])
    return Timeline(
        [r["second"] + 0.5 for r in rows],
        [fields.number(r.get("p50_ms")) for r in rows],
        [fields.number(r.get("p99_ms")) for r in rows],
        [float(r["delivered"]) for r in rows],
    )


def phase_spans(run: Run) -> list[tuple[str, str, float, float]]:
    """(name, kind, start, end) of each phase, seconds since the first phase began."""
    return [
        (p["name"], p["kind"], float(p["start_s"]), float(p["end_s"]))
        for p in run.get("phases", [])
    ]


def throughput_points(run: Run) -> list[tuple[str, float, float]]:
    """(phase, offered, served) deliveries per second per phase: the phase's offered and served
    rates (served counted by receive time; results of schema 2), else expected vs received over
    the phase's duration. A saturated phase's name says so."""
    out = []
    for phase in run.get("phases", []):
        summary = phase.get("summary") or {}
        offered = fields.number(summary.get("offered_deliveries_per_s"))
        served = fields.number(summary.get("served_deliveries_per_s"))
        name = phase["name"]
        if (phase.get("saturation") or {}).get("saturated"):
            name += " (saturated)"
        if offered is not None and served is not None:
            out.append((name, offered, served))
            continue
        duration = float(phase["end_s"]) - float(phase["start_s"])
        counts = phase.get("accounting", {})
        if duration > 0 and counts:
            out.append((name, counts["expected"] / duration, counts["received"] / duration))
    return out


def redis_ops(run: Run) -> tuple[list[float], list[float | None]]:
    resources = run.get("resources", {})
    ops = resources.get("redis", {}).get("instantaneous_ops_per_sec", [])
    return [float(t) for t in resources.get("t", [])][: len(ops)], [fields.number(v) for v in ops]
