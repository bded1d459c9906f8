"""The robustness section: each hostile-client probe's figures, contenders side by side (pure)."""

from __future__ import annotations

from typing import Any

PROBE_TITLES = {
    "slow_consumer": "Slow consumer (members that stop reading)",
    "disconnect_churn": "Abrupt disconnect churn (ghost presence)",
    "half_open_flood": "Half-open connection flood",
    "malformed_storm": "Malformed-frame storm",
}


def _cell(value: Any) -> str:
    if value is None:
        return "never"
    return str(value)


def render_markdown(doc: dict[str, Any]) -> str:
    """A Markdown section: one table per probe, one column per contender."""
    contenders: dict[str, dict[str, Any]] = doc["contenders"]
    order = doc.get("scenario", {}).get("contenders", [])
    names = [n for n in order if n in contenders] + [n for n in contenders if n not in order]
    lines = ["## Robustness", ""]
    limits = ", ".join(f"{k} {v}" for k, v in sorted(doc.get("settings", {}).items()))
    if limits:
        lines += [f"Limits in force: {limits}.", ""]
    for probe, title in PROBE_TITLES.items():
        figures = [contenders[name].get(probe) for name in names]
        if not any(figures):
            continue
        lines += [f"### {title}", "", "| figure | " + " | ".join(names) + " |"]
        lines.append("|---|" + "---|" * len(names))
        keys = list(dict.fromkeys(k for f in figures if f for k in f))
        for key in keys:
            cells = [_cell(f.get(key)) if f else "-" for f in figures]
            lines.append(f"| {key.replace('_', ' ')} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)
