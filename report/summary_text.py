"""The plain-text summary ``bench run`` prints (pure: a result document in, text out)."""

from __future__ import annotations

from typing import Any

from report.saturation import run_saturation_sentence
from report.text_table import cell, render_table

COLUMNS = (
    ("contender", "contender", "{}"),
    ("rep", "repetition", "{}"),
    ("offered/s", "offered_deliveries_per_s", "{:.0f}"),
    ("served/s", "deliveries_per_s", "{:.0f}"),
    ("p50 ms", "p50_ms", "{:.2f}"),
    ("p99 ms", "p99_ms", "{:.2f}"),
    ("p99.9 ms", "p999_ms", "{:.2f}"),
    ("max ms", "max_ms", "{:.1f}"),
    ("late", "late", "{}"),
    ("lost", "loss", "{}"),
    ("queued", "queued", "{}"),
    ("errors", "errors", "{}"),
    ("cpu %", "server_cpu_pct", "{:.0f}"),
    ("rss MB", "server_rss_mb", "{:.0f}"),
    ("valid", "valid", "{}"),
)


def render_summary(document: dict[str, Any]) -> str:
    rows = []
    notes: list[str] = []
    for run in document["runs"]:
        overall = dict(run.get("overall") or {})
        overall["contender"] = run["contender"]
        overall["repetition"] = run["repetition"] + 1
        valid = run.get("validity", {}).get("valid", False)
        overall["valid"] = "yes" if valid and run["status"] == "complete" else "NO"
        # A censored percentile is a lower bound: undelivered messages make it unknowable.
        censored = set(run.get("censored") or ())
        overall["valid"] += " SATURATED" if overall.get("saturated") else ""
        rows.append([cell(fmt, overall.get(key), key in censored) for _, key, fmt in COLUMNS])
        label = f"{run['contender']}#{run['repetition'] + 1}"
        if saturated := run_saturation_sentence(run["contender"], run):
            notes.append(f"{label}: {saturated}")
        notes.extend(f"{label}: {r}" for r in run.get("validity", {}).get("reasons", []))
        notes.extend(
            f"{label}: expectation failed: {e['expectation']} (actual {e['actual']})"
            for e in run.get("expectations", [])
            if not e["passed"]
        )
        logs = run.get("server_logs", {})
        if logs.get("errors") or logs.get("warnings"):
            top = next(iter(logs.get("groups", {})), "")
            notes.append(
                f"{label}: server logged {logs['errors']} errors, {logs['warnings']} warnings "
                f"(most frequent: {top})"
            )
    note = document["settings"].get("backend_note", "")
    if (profile := document["scenario"].get("profile", "equal")) != "equal":
        note += f"; profile {profile} (docs/idiomatic.md)"
    lines = [f"{document['scenario']['name']}  ({document['status']}; {note})"]
    lines += render_table([title for title, _, _ in COLUMNS], rows)
    lines += [f"! {r}" for r in document.get("partial_reasons", [])]
    lines += [f"! {n}" for n in notes]
    return "\n".join(lines)
