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
    Metric("offered_msgs_per_s", "offered msgs/s", "", "higher", "{:.0f}"),
    Metric("offered_deliveries_per_s", "offered deliveries/s", "", "higher", "{:.0f}"),
    Metric("late", "late", "", "lower", "{:.0f}"),
    Metric("lost", "lost", "", "lower", "{:.0f}"),
    Metric("queued", "queued", "", "lower", "{:.0f}"),
    Metric("queue_s", "queue", "s", "lower", "{:.2f}"),
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
    # Keys whose figure is a lower bound in at least one repetition (then so is the median).
    censored: frozenset[str] = frozenset()
    # The saturation judgement of each repetition that has one (results of schema 2).
    saturations: tuple[dict[str, Any], ...] = ()
    # The grace period of each repetition (results of schema 2).
    graces: tuple[dict[str, Any], ...] = ()

    def get(self, key: str) -> Spread | None:
        return self.figures.get(key)

    @property
    def saturated(self) -> int:
        """How many repetitions were saturated (0: kept up, or not judged)."""
        return sum(bool(s.get("saturated")) for s in self.saturations)

    @property
    def kept_up(self) -> bool:
        """No repetition saturated (results of schema 1 are not judged: they count as kept up)."""
        return self.saturated == 0


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
        censored = frozenset(k for r in runs for k in fields.censored(r) if k in figures)
        saturations = tuple(j for r in runs if (j := fields.saturation(r)) is not None)
        graces = tuple(g for r in runs if (g := fields.grace(r)))
        out.append(
            ContenderFigures(contender, len(runs), valid, figures, censored, saturations, graces)
        )
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


def format_bound(key: str, value: float) -> str:
    """A lower bound with its unit: ``> 6.5 s``, ``> 850.00 ms``, never a bare number that
    reads as the value itself."""
    if METRIC[key].unit == "ms" and value >= 1000:
        return f"> {value / 1000:.1f} s"
    unit = METRIC[key].unit
    return f"> {format_value(key, value)}" + (f" {unit}" if unit else "")


def format_figure(f: ContenderFigures, key: str) -> str:
    """A table cell: :func:`format_spread`, or ``> X s (low-high)`` when the figure is a lower
    bound (undelivered deliveries made it unknowable)."""
    s = f.get(key)
    if s is None or key not in f.censored:
        return format_spread(key, s)
    text = format_bound(key, s.median)
    low, high = format_bound(key, s.low)[2:], format_bound(key, s.high)[2:]
    if s.n > 1 and low != high:
        text += f" ({low} to {high})"
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
