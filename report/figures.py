"""Key figures per scenario x contender, aggregated over repetitions (pure).

Each figure is the median of the repetitions' figures (``run.overall``: the measured phases
taken together), with the lowest and highest repetition beside it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from report import fields
from report.fields import Document

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Metric:
    key: str  # the summary key (``run.overall``), or ``rss_kb_per_conn`` from ``run.connect``
    label: str
    unit: str
    better: Better
    fmt: str = "{:.2f}"


METRICS = (
    Metric("p50_ms", "p50", "ms", "lower"),
    Metric("p90_ms", "p90", "ms", "lower"),
    Metric("p99_ms", "p99", "ms", "lower"),
    Metric("p999_ms", "p99.9", "ms", "lower"),
    Metric("max_ms", "max", "ms", "lower", "{:.1f}"),
    Metric("msgs_per_s", "msgs/s", "", "higher", "{:.0f}"),
    Metric("deliveries_per_s", "deliveries/s", "", "higher", "{:.0f}"),
    Metric("loss", "loss", "", "lower", "{:.0f}"),
    Metric("loss_pct", "loss", "%", "lower", "{:.3f}"),
    Metric("errors", "errors", "", "lower", "{:.0f}"),
    Metric("server_cpu_pct", "CPU", "%", "lower", "{:.0f}"),
    Metric("server_rss_mb", "RSS", "MB", "lower", "{:.0f}"),
    Metric("rss_kb_per_conn", "memory per connection", "KB", "lower", "{:.1f}"),
    Metric("connect_p99_ms", "connect p99", "ms", "lower", "{:.1f}"),
)
METRIC = {m.key: m for m in METRICS}


@dataclass(frozen=True)
class Spread:
    """The median of the repetitions, and the lowest and highest of them."""

    median: float
    low: float
    high: float
    n: int

    def overlaps(self, other: Spread) -> bool:
        return self.low <= other.high and other.low <= self.high


def spread(values: Iterable[float | None]) -> Spread | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    return Spread(statistics.median(present), min(present), max(present), len(present))


@dataclass(frozen=True)
class ContenderFigures:
    contender: str
    runs: int
    valid_runs: int
    figures: dict[str, Spread]

    def get(self, key: str) -> Spread | None:
        return self.figures.get(key)


def run_figure(run: fields.Run, key: str) -> float | None:
    if key == "rss_kb_per_conn":
        return fields.connect_rss_kb(run)
    return fields.overall(run, key)


def contender_figures(docs: Sequence[Document]) -> list[ContenderFigures]:
    """Figures of every contender over the runs of ``docs`` (results of one scenario)."""
    order: list[str] = []
    for doc in docs:
        order.extend(c for c in fields.contenders(doc) if c not in order)
    out = []
    for contender in order:
        runs = [r for doc in docs for r in fields.runs_of(doc, contender)]
        figures = {m.key: s for m in METRICS if (s := spread(run_figure(r, m.key) for r in runs))}
        valid = sum(fields.is_valid(r) for r in runs)
        out.append(ContenderFigures(contender, len(runs), valid, figures))
    return out


def format_value(key: str, value: float | None) -> str:
    if value is None:
        return "-"
    return METRIC[key].fmt.format(value) if key in METRIC else f"{value:.3g}"


def format_spread(key: str, s: Spread | None) -> str:
    """``median`` alone for one repetition or no spread, else ``median (low-high)``."""
    if s is None:
        return "-"
    text = format_value(key, s.median)
    low, high = format_value(key, s.low), format_value(key, s.high)
    if s.n > 1 and low != high:
        text += f" ({low}-{high})"
    return text


def rounded(data: Any) -> Any:
    """Floats to 6 significant digits, recursively (stable, readable JSON output)."""
    if isinstance(data, float):
        return float(f"{data:.6g}")
    if isinstance(data, dict):
        return {k: rounded(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [rounded(v) for v in data]
    return data
