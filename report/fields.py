"""Reading a result document (``docs/results.md``): small, pure accessors, nothing derived.

Everything else in :mod:`report` reads results through these functions, so a change of the
result schema is absorbed here.
"""

from __future__ import annotations

import math
from typing import Any

from documents import capacity, result, robustness, scale

Document = dict[str, Any]
Run = dict[str, Any]

# The ``kind`` of the documents a report reads: results of ``bench run``, capacity searches of
# ``bench capacity`` (``docs/capacity.md``), scale-out summaries of ``bench scale`` and probe
# figures of ``bench robustness``; each is owned by its module in :mod:`documents`.
RESULT_KIND = result.KIND
CAPACITY_KIND = capacity.KIND
SCALE_KIND = scale.KIND
ROBUSTNESS_KIND = robustness.KIND

# Metrics whose per-second values (``timeseries_rows``, ``resources``) serve as samples for
# statistics. Deliveries per second are not among them: every run replays the same plan, so
# their second-to-second variation is the plan's (Poisson arrivals), the same in every run,
# not measurement noise; their per-repetition figures are the samples.
PER_SECOND = ("p50_ms", "p99_ms", "server_cpu_pct", "server_rss_mb")


def scenario_name(doc: Document) -> str:
    return str(doc["scenario"]["name"])


def kind(doc: Document) -> str:
    return str(doc.get("kind", RESULT_KIND))


def transport(doc: Document) -> str:
    """``websocket`` or ``polling`` (older results without the setting were all WebSocket)."""
    settings = doc.get("settings") or {}
    connections = (doc.get("scenario") or {}).get("connections") or {}
    return str(settings.get("transport") or connections.get("transport") or "websocket")


def backend(doc: Document) -> str:
    return str(doc["scenario"].get("backend", {}).get("kind", "memory"))


def contenders(doc: Document) -> list[str]:
    """Contenders in the order they first ran."""
    seen: list[str] = []
    for run in doc.get("runs", []):
        if run["contender"] not in seen:
            seen.append(run["contender"])
    return seen


def runs_of(doc: Document, contender: str) -> list[Run]:
    """The contender's runs that produced samples, in repetition order."""
    runs = [r for r in doc.get("runs", []) if r["contender"] == contender and r.get("overall")]
    return sorted(runs, key=lambda r: r["repetition"])


def number(value: Any) -> float | None:
    """A finite float, or None for missing, null and non-finite values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def overall(run: Run, metric: str) -> float | None:
    """A figure of the measured phases taken together (``run.overall``)."""
    return number((run.get("overall") or {}).get(metric))


def measured_phases(run: Run) -> list[dict[str, Any]]:
    phases = run.get("phases", [])
    return [p for p in phases if p["kind"] != "warmup"] or list(phases)


def measured_window(run: Run) -> tuple[float, float]:
    """(start, end) in seconds since the first phase began, of the measured phases."""
    phases = measured_phases(run)
    if not phases:
        return 0.0, 0.0
    return float(phases[0]["start_s"]), float(phases[-1]["end_s"])


def server_processes(run: Run) -> dict[str, dict[str, list[float | None]]]:
    procs = run.get("resources", {}).get("processes", {})
    return {name: s for name, s in procs.items() if not name.startswith("loadgen")}


def server_totals(run: Run) -> tuple[list[float], list[float | None], list[float | None]]:
    """(t, CPU percent of one core, RSS MB) per sample, summed over the server instances."""
    times = [float(t) for t in run.get("resources", {}).get("t", [])]
    procs = server_processes(run)
    cpu: list[float | None] = []
    rss: list[float | None] = []
    for i in range(len(times)):
        c = [v for s in procs.values() if (v := _at(s.get("cpu_percent", []), i)) is not None]
        m = [v for s in procs.values() if (v := _at(s.get("rss_bytes", []), i)) is not None]
        cpu.append(sum(c) if c else None)
        rss.append(sum(m) / 2**20 if m else None)
    return times, cpu, rss


def _at(values: list[float | None], i: int) -> float | None:
    return number(values[i]) if i < len(values) else None


def per_second(run: Run, metric: str) -> list[float]:
    """One value per whole second inside the measured phases: a metric of
    :data:`PER_SECOND`, or ``deliveries_per_s``."""
    start, end = measured_window(run)
    if metric in ("server_cpu_pct", "server_rss_mb"):
        times, cpu, rss = server_totals(run)
        values = cpu if metric == "server_cpu_pct" else rss
        # A sample at t covers the second before it: keep those wholly inside the window.
        return [
            v
            for t, v in zip(times, values, strict=True)
            if start + 0.9 <= t <= end + 0.1 and v is not None
        ]
    key = {"deliveries_per_s": "delivered"}.get(metric, metric)
    out = []
    for row in run.get("timeseries_rows", []):
        if row["second"] >= start and row["second"] + 1 <= end:
            value = number(row.get(key))
            if value is not None:
                out.append(value)
    return out


def connect_rss_kb(run: Run) -> float | None:
    return number((run.get("connect") or {}).get("rss_kb_per_conn"))


def is_valid(run: Run) -> bool:
    return bool(run.get("validity", {}).get("valid", False)) and run.get("status") == "complete"


def injected_delays(doc: Document) -> dict[str, float]:
    """Per-contender artificial delays (``BENCH_DELAY_MS_<CONTENDER>``) the run was made with."""
    return dict(doc.get("settings", {}).get("injected_delay_ms") or {})


def fault_events(run: Run) -> list[dict[str, Any]]:
    """``{t, planned_t, action, instance}`` of every fault step carried out, in time order."""
    return sorted(run.get("fault_events") or [], key=lambda e: float(e["t"]))


def recovery(run: Run) -> list[dict[str, Any]]:
    """Per fault that takes something down: ``{fault, at_s, dropped, reconnected, never_back,
    all_back_after_s}`` (``all_back_after_s`` counts from ``at_s``)."""
    return list(run.get("recovery") or [])


def lost_by_second(run: Run) -> dict[int, int]:
    """Expected deliveries lost, by the second (since the first phase began) they were planned."""
    return {int(k): int(v) for k, v in (run.get("lost_by_second") or {}).items()}


def errors_total(run: Run) -> int:
    return sum(int(v) for v in (run.get("errors") or {}).values())


def schema_version(doc: Document) -> int:
    version = doc.get("schema_version", 1)
    return version if isinstance(version, int) else 1


def saturation(run: Run) -> dict[str, Any] | None:
    """The run's saturation judgement (``docs/results.md``), or None when it was not judged
    (results of schema 1)."""
    sat = run.get("saturation")
    return sat if isinstance(sat, dict) and "saturated" in sat else None


def censored(run: Run) -> frozenset[str]:
    """Keys of ``overall`` that hold a lower bound, not a value: percentiles that undelivered
    deliveries make unknowable, and the maximum when samples were above the histogram's range."""
    keys = {str(k) for k in run.get("censored") or []}
    if (overall(run, "over_range") or 0) > 0:
        keys.add("max_ms")
    return frozenset(keys)


def grace(run: Run) -> dict[str, Any]:
    """The grace period after the deadline (empty for results of schema 1)."""
    value = run.get("grace")
    return value if isinstance(value, dict) else {}
