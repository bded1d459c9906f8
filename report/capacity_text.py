"""The plain-text summary ``bench capacity`` prints (pure: a capacity document in, text out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from report.capacity_matrix import matrix_rows
from report.text_table import cell, render_table

COLUMNS = (
    ("contender", "contender", "{}"),
    ("step", "index", "{}"),
    ("load", "load", "{:g}"),
    ("outcome", "outcome", "{}"),
    ("p50 ms", "p50_ms", "{:.2f}"),
    ("p99 ms", "p99_ms", "{:.2f}"),
    ("msgs/s", "msgs_per_s", "{:.1f}"),
    ("served", "served_ratio", "{:.1%}"),
    ("loss", "loss", "{}"),
    ("valid", "valid", "{}"),
    ("servers", "server", "{}"),
)
# Devices' publishes get no ack, so a devices search shows the deliveries served instead.
DELIVERIES = ("del/s", "served_deliveries_per_s", "{:.0f}")


def render(document: Mapping[str, Any]) -> str:
    """The printed summary: every step, each contender's maximum, the ratio."""
    search = document["search"]
    unit = search["unit"]
    columns: tuple[tuple[str, str, str], ...] = COLUMNS
    if (document.get("scenario") or {}).get("devices"):  # publishes are not acked
        columns = tuple(DELIVERIES if c[1] == "msgs_per_s" else c for c in COLUMNS)
    headers = [f"load {unit}" if key == "load" else title for title, key, _ in columns]
    rows: list[list[str]] = []
    disturbed = 0
    for name, entry in document["contenders"].items():
        for step in entry["steps"]:
            row = {**step, "contender": name}
            if step.get("disturbed"):
                row["outcome"] = f"{step.get('outcome')} *"
                disturbed += 1
            rows.append([cell(fmt, row.get(key)) for _, key, fmt in columns])
    slo = ", ".join(document["slo"])
    lines = [
        f"capacity of {document['scenario']['name']} by {search['dimension']}  "
        f"(SLO: {slo}; {document['status']})",
        *render_table(headers, rows),
        "",
    ]
    if disturbed:
        lines += [
            f"* disturbed ({disturbed} step{'s' if disturbed != 1 else ''}): other processes took "
            "CPU while it ran; it did not vote and was run again",
            "",
        ]
    lines += _maxima_lines(document["contenders"])
    if document.get("comparison"):
        lines.append(document["comparison"])
    matrix = matrix_rows(dict(document))
    if matrix is not None:  # several ASGI servers: the framework x server view
        lines += [
            "",
            "maximum sustainable load by framework and ASGI server",
            *render_table(*matrix),
        ]
    return "\n".join(lines)


def _maxima_lines(contenders: Mapping[str, Mapping[str, Any]]) -> Sequence[str]:
    lines = []
    for name, entry in contenders.items():
        took = entry.get("search_s")
        when = f" [{len(entry['steps'])} steps, {took:.0f} s]" if took is not None else ""
        lines.append(f"{name}: maximum sustainable load {entry['maximum']['text']}{when}")
    return lines
