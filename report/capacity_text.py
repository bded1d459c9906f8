"""The plain-text summary ``bench capacity`` prints (pure: a capacity document in, text out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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


def _cell(fmt: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def render(document: Mapping[str, Any]) -> str:
    """The printed summary: every step, each contender's maximum, the ratio."""
    search = document["search"]
    unit = search["unit"]
    headers = [f"load {unit}" if key == "load" else title for title, key, _ in COLUMNS]
    rows: list[list[str]] = []
    for name, entry in document["contenders"].items():
        for step in entry["steps"]:
            row = {**step, "contender": name}
            rows.append([_cell(fmt, row.get(key)) for _, key, fmt in COLUMNS])
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    slo = ", ".join(document["slo"])
    lines = [
        f"capacity of {document['scenario']['name']} by {search['dimension']}  "
        f"(SLO: {slo}; {document['status']})",
        "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)),
        *("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows),
        "",
    ]
    lines += _maxima_lines(document["contenders"])
    if document.get("comparison"):
        lines.append(document["comparison"])
    return "\n".join(lines)


def _maxima_lines(contenders: Mapping[str, Mapping[str, Any]]) -> Sequence[str]:
    lines = []
    for name, entry in contenders.items():
        took = entry.get("search_s")
        when = f" [{len(entry['steps'])} steps, {took:.0f} s]" if took is not None else ""
        lines.append(f"{name}: maximum sustainable load {entry['maximum']['text']}{when}")
    return lines
