"""The cost of the idiomatic profile against equal, per contender (pure: documents in, text out).

Both result documents come from the same scenario run in one invocation (``bench run --profile
equal --profile idiomatic``), one after the other on the same machine. A ratio is printed only
when both runs are complete, valid and not saturated; otherwise the row says why not.
"""

from __future__ import annotations

import math
from statistics import fmean
from typing import Any

from report.text_table import render_table

# (column, where the figure is in a run record)
FIGURES: tuple[tuple[str, str], ...] = (
    ("connect p50 ms", "connect.p50_ms"),
    ("connect p99 ms", "connect.p99_ms"),
    ("ack p50 ms", "overall.ack_p50_ms"),
    ("ack p99 ms", "overall.ack_p99_ms"),
    ("p99 ms", "overall.p99_ms"),
    ("served msg/s", "overall.served_msgs_per_s"),
    ("cpu %", "overall.server_cpu_pct"),
)


def profile_of(document: dict[str, Any]) -> str:
    """The document's profile; results written before profiles existed are ``equal``."""
    return str(document.get("scenario", {}).get("profile", "equal"))


def _figure(run: dict[str, Any], where: str) -> float | None:
    part, key = where.split(".")
    source = run.get("connect", {}).get("summary", {}) if part == "connect" else run.get(part)
    value = (source or {}).get(key)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _trouble(run: dict[str, Any]) -> str | None:
    if run.get("status") != "complete":
        return "partial"
    if not run.get("validity", {}).get("valid", False):
        return "invalid"
    if (run.get("overall") or {}).get("saturated"):
        return "saturated"
    return None


def _means(runs: list[dict[str, Any]]) -> list[float | None]:
    means: list[float | None] = []
    for _, where in FIGURES:
        values = [v for v in (_figure(r, where) for r in runs) if v is not None]
        means.append(fmean(values) if values else None)
    return means


def _text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def render_profile_cost(equal: dict[str, Any], idiomatic: dict[str, Any]) -> str:
    """One table: each contender under both profiles (means over repetitions) and the ratio."""
    rows: list[list[str]] = []
    notes: list[str] = []
    contenders = [r["contender"] for r in equal["runs"]]
    for contender in dict.fromkeys(contenders):
        mine = {
            name: [r for r in doc["runs"] if r["contender"] == contender]
            for name, doc in (("equal", equal), ("idiomatic", idiomatic))
        }
        if not mine["idiomatic"]:
            continue
        means = {name: _means(runs) for name, runs in mine.items()}
        for name in ("equal", "idiomatic"):
            rows.append([contender, name, *(_text(v) for v in means[name])])
        troubles = {t for runs in mine.values() for r in runs if (t := _trouble(r))}
        if troubles:
            notes.append(f"{contender}: no ratio, a run is {', '.join(sorted(troubles))}")
            continue
        ratios = [
            f"x{i / e:.2f}" if e and i is not None else "-"
            for e, i in zip(means["equal"], means["idiomatic"], strict=True)
        ]
        rows.append([contender, "idiomatic/equal", *ratios])
    name = equal["scenario"]["name"]
    lines = [f"{name}: cost of the idiomatic Django profile (same scenario, run after equal)"]
    lines += render_table(["contender", "profile", *(t for t, _ in FIGURES)], rows)
    lines += [f"! {n}" for n in notes]
    return "\n".join(lines)
