"""The scale-out summary as a plain-text table for the terminal (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from report.text_table import cell, render_table

COLUMNS = (
    ("msgs/s", "msgs_per_s", "{:.0f}"),
    ("deliv/s", "deliveries_per_s", "{:.0f}"),
    ("p50 ms", "p50_ms", "{:.2f}"),
    ("p99 ms", "p99_ms", "{:.2f}"),
    ("loss", "loss", "{:g}"),
    ("cpu %", "server_cpu_pct", "{:.0f}"),
)


def render(rows: Sequence[Mapping[str, Any]]) -> str:
    """One line per instance count and contender (``documents.scale.Row``)."""
    headers = ["instances", "contender", *(title for title, _, _ in COLUMNS), "cpus"]
    body = [
        [str(r["instances"]), str(r["contender"])]
        + [cell(fmt, r.get(key)) for _, key, fmt in COLUMNS]
        + [cell("{}", r.get("cpus"))]
        for r in rows
    ]
    return "\n".join(render_table(headers, body))
