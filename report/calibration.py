"""The calibration headline: each contender's sustainable load on this machine and their ratio.

Pure: result documents (or a calibration's ``as_dict()``) in, text out. A result whose rate was
stated as a share of calibrated capacity carries ``scenario.traffic.resolved_from``; a result with
an absolute rate carries nothing and gets no headline.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from report.tables import Table, to_html, to_markdown


def rate_source(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """How the run's rate was chosen, when it was a share of calibrated capacity."""
    traffic = document.get("scenario", {}).get("traffic", {})
    source = traffic.get("resolved_from")
    return dict(source) if isinstance(source, Mapping) else None


def _capacities(capacities: Mapping[str, float]) -> str:
    ordered = sorted(capacities.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {value:,.0f} msgs/s" for name, value in ordered)


def headline_text(calibration: Mapping[str, Any]) -> str:
    """One line from a calibration's ``as_dict()`` (or a ``resolved_from``)."""
    capacities: Mapping[str, float] = calibration.get("capacities", {})
    if not capacities or calibration.get("given") or set(capacities) == {"given"}:
        value = next(iter(capacities.values()), 0.0)
        return f"Capacity given on the command line: {value:,.0f} msgs/s (not measured)."
    ratio = calibration.get("ratio")
    where = f"{calibration.get('backend', '?')} backend"
    text = f"Sustainable load on this machine (echo shape, {where}): {_capacities(capacities)}"
    if ratio:
        ordered = sorted(capacities, key=lambda name: -capacities[name])
        text += f"; {ordered[0]} sustains {ratio:.1f}x the load of {ordered[-1]}"
    return text + "."


def rate_note(source: Mapping[str, Any], total_rate: float | None) -> str:
    """What the run's absolute rate is a share of, e.g. for a setup table."""
    fraction = float(source["capacity_fraction"])
    base = float(source["capacity_msgs_per_s"])
    per_op = float(source.get("deliveries_per_operation", 1.0))
    rate = f"{total_rate:,.4g} ops/s" if total_rate is not None else "the rate"
    spread = f", / {per_op:g} deliveries per operation" if per_op != 1.0 else ""
    return (
        f"{rate} = {fraction:.0%} of the calibrated {base:,.0f} msgs/s of {source['basis']}{spread}"
    )


@dataclass(frozen=True)
class Headline:
    """The report's opening: the capacities, their ratio, and each scenario at each load."""

    lines: tuple[str, ...]
    tables: tuple[tuple[str, Table], ...]


def build_headline(documents: Sequence[Mapping[str, Any]]) -> Headline | None:
    """None when no result stated its rate as a share of calibrated capacity."""
    calibrated = [(doc, src) for doc in documents if (src := rate_source(doc)) is not None]
    if not calibrated:
        return None
    first = calibrated[0][1]
    lines = (headline_text(first), f"Measured by: {first.get('method', '?')}.")
    loads: list[tuple[str, str, str]] = []
    for doc, source in calibrated:
        scenario = doc["scenario"]
        total = scenario["traffic"].get("total_rate")
        steps = [
            f"{p['name']}: {total * (p.get('rate_multiplier') or 1.0):,.4g}"
            for p in scenario.get("phases", [])
            if p["kind"] == "steady" and total is not None
        ]
        loads.append((scenario["name"], "; ".join(steps), rate_note(source, total)))
    tables = [("Loads (operations/s offered at each step)",
               Table.of(("scenario", "loads", "how"), loads, numeric_from=9))]  # fmt: skip
    levels = level_table([doc for doc, _ in calibrated])
    if levels is not None:
        tables.append(("Latency at each load, p50 / p99 ms (same loads for every contender)",
                       levels))  # fmt: skip
    return Headline(lines, tuple(tables))


def level_table(documents: Sequence[Mapping[str, Any]]) -> Table | None:
    """Per scenario and steady phase, each contender's p50 / p99, or that it was saturated."""
    contenders: list[str] = []
    rows: list[list[str]] = []
    for doc in documents:
        for run in doc.get("runs", []):
            if run["contender"] not in contenders:
                contenders.append(run["contender"])
    for doc in documents:
        names = [p["name"] for p in doc["scenario"].get("phases", []) if p["kind"] == "steady"]
        for name in names:
            row = [doc["scenario"]["name"], name]
            for contender in contenders:
                row.append(_level_cell(doc, contender, name))
            rows.append(row)
    if not rows:
        return None
    return Table.of(("scenario", "load", *contenders), rows, numeric_from=2)


def _level_cell(doc: Mapping[str, Any], contender: str, phase: str) -> str:
    phases = [
        p
        for run in doc.get("runs", [])
        if run["contender"] == contender
        for p in run.get("phases", [])
        if p["name"] == phase and "summary" in p
    ]
    if not phases:
        return "-"
    summaries = [p["summary"] for p in phases]
    if any(s.get("saturated") for s in summaries):
        served = median([float(s.get("served_ratio") or 0.0) for s in summaries])
        return f"saturated (served {served:.0%})"
    censored = {key for p in phases for key in p.get("censored", [])}
    cells = []
    for key in ("p50_ms", "p99_ms"):
        values = [float(s[key]) for s in summaries if s.get(key) is not None]
        if not values:
            return "no deliveries"
        cells.append(("> " if key in censored else "") + f"{median(values):.3g}")
    return " / ".join(cells)


def headline_markdown(headline: Headline | None) -> list[str]:
    if headline is None:
        return []
    lines = ["## Capacity on this machine", ""]
    for text in headline.lines:
        lines += [text, ""]
    for caption, table in headline.tables:
        lines += [f"**{caption}**", "", to_markdown(table), ""]
    return lines


def headline_html(headline: Headline | None) -> str:
    if headline is None:
        return ""
    parts = ['<section id="capacity">', "<h2>Capacity on this machine</h2>"]
    parts += [f"<p>{html.escape(text)}</p>" for text in headline.lines]
    for caption, table in headline.tables:
        parts.append(f'<h3>{html.escape(caption)}</h3>\n<div class="table-wrap">')
        parts += [to_html(table), "</div>"]
    return "\n".join([*parts, "</section>"])
