"""The backplane comparison's cells and its words (pure: no I/O).

A cell is one (backplane, contender) pair: "not applicable" with the reason, or its capacity
(the calibration ramp's knee, echo shape, one instance), its figures at the common load (two
instances; deliveries whose receiver is on the other instance than the sender apart) and its
broker's CPU and memory over that run. The words compare backplanes for one contender: which
is faster and by how much, only among backplanes where it kept up; a saturated one is said so
with the rate it served.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from documents.backplanes import Cell
from report.fields import number

NAMES = {"redis": "Redis", "rabbitmq": "RabbitMQ", "postgres": "PostgreSQL", "memory": "memory"}
LATENCY_KEYS = (
    "p50_ms", "p99_ms", "cross_p50_ms", "cross_p99_ms", "cross_deliveries", "deliveries",
    "offered_deliveries_per_s", "served_deliveries_per_s", "served_ratio", "saturated",
    "lost", "late", "queued", "server_cpu_pct", "errors",
)  # fmt: skip


def not_applicable(backend: str, contender: str, reason: str) -> Cell:
    return {"backend": backend, "contender": contender, "applicable": False, "reason": reason}


def measured_window(run: Mapping[str, Any]) -> tuple[float, float]:
    phases = [p for p in run.get("phases", []) if p.get("kind") != "warmup"]
    if not phases:
        return 0.0, 0.0
    return float(phases[0]["start_s"]), float(phases[-1]["end_s"])


def broker_figures(
    run: Mapping[str, Any], backend: str, idle_cpu_pct: float | None
) -> dict[str, Any]:
    """The backplane broker's mean CPU (% of one core) and peak memory (MB) over the measured
    phases of ``run``, from its resource samples (a sample at t covers the second before t)."""
    resources = run.get("resources") or {}
    series = (resources.get("brokers") or {}).get(backend)
    if not series:
        return {"sampled": False, "idle_cpu_pct": idle_cpu_pct}
    start, end = measured_window(run)
    inside = [i for i, t in enumerate(resources.get("t", [])) if start + 0.9 <= t <= end + 0.1]
    cpu = [v for i in inside if (v := number(_at(series["cpu_percent"], i))) is not None]
    mem = [v for i in inside if (v := number(_at(series["rss_bytes"], i))) is not None]
    return {
        "sampled": bool(cpu),
        "cpu_pct": round(sum(cpu) / len(cpu), 1) if cpu else None,
        "memory_mb": round(max(mem) / 2**20, 1) if mem else None,
        "idle_cpu_pct": idle_cpu_pct,
    }


def _at(values: Sequence[Any], i: int) -> Any:
    return values[i] if i < len(values) else None


def latency_figures(run: Mapping[str, Any]) -> dict[str, Any]:
    """The common-load run's figures: the measured phases' summary, its validity, and which
    percentiles are lower bounds (deliveries still missing at the end)."""
    summary = run.get("overall") or {}
    figures = {key: summary.get(key) for key in LATENCY_KEYS}
    figures["valid"] = bool(run.get("validity", {}).get("valid", False))
    figures["censored"] = list(run.get("censored") or [])
    return figures


def cell(
    backend: str,
    contender: str,
    capacity: Mapping[str, Any] | None,
    run: Mapping[str, Any] | None,
    idle_cpu_pct: float | None = None,
    reason: str = "",
) -> Cell:
    """An applicable pair's cell; ``run`` is its record in the common-load result (None when
    that run did not happen: ``reason`` says why)."""
    return {
        "backend": backend,
        "contender": contender,
        "applicable": True,
        "reason": reason,
        "capacity": dict(capacity) if capacity is not None else None,
        "latency": latency_figures(run) if run is not None else None,
        "broker": broker_figures(run, backend, idle_cpu_pct) if run is not None else None,
    }


def kept_up(c: Mapping[str, Any]) -> bool:
    """Measured, valid and not saturated: its latency can be compared."""
    lat = c.get("latency")
    return bool(lat and lat.get("valid") and not lat.get("saturated") and lat.get("p99_ms"))


def _ratio_words(lower: float, higher: float) -> str:
    ratio = higher / lower if lower > 0 else float("inf")
    return f"{ratio:.1f}x" if ratio >= 1.095 else "within 10 %"


def capacity_words(contender: str, cells: Sequence[Mapping[str, Any]]) -> str | None:
    measured = [
        (c["backend"], float(c["capacity"]["msgs_per_s"]), c["capacity"].get("bounded"))
        for c in cells
        if c.get("applicable") and c.get("capacity") and not c["capacity"].get("given")
    ]
    if len(measured) < 2:
        return None
    ranked = sorted(measured, key=lambda x: -x[1])
    best, best_rate, best_bound = ranked[0]
    at_least = {"above": "at least ", "below": "at most "}

    def versus(rate: float, bound: object) -> str:
        if bound == "above":  # a lower bound below the best: how far apart is not known
            return "a lower bound: no ratio"
        ratio = _ratio_words(rate, best_rate)
        return f"at least {ratio} less" if best_bound == "above" else f"{ratio} less"

    rest = "; ".join(
        f"{NAMES.get(b, b)} {at_least.get(str(bound), '')}{rate:,.0f} ({versus(rate, bound)})"
        for b, rate, bound in ranked[1:]
    )
    top = f"{NAMES.get(best, best)}, {at_least.get(str(best_bound), '')}{best_rate:,.0f} msgs/s"
    return f"{contender}: highest capacity on {top}; {rest}."


def latency_words(contender: str, cells: Sequence[Mapping[str, Any]], key: str) -> str | None:
    """Which backplane gave ``contender`` the lowest ``key`` (p99_ms, cross_p99_ms) at the
    common load, and how many times higher the others' were; saturated ones said so."""
    label = "cross-instance p99" if key.startswith("cross") else "p99"
    usable = [(c["backend"], float(c["latency"][key])) for c in cells
              if kept_up(c) and number(c["latency"].get(key)) is not None]  # fmt: skip
    parts: list[str] = []
    if usable:
        ranked = sorted(usable, key=lambda x: x[1])
        best, best_ms = ranked[0]
        parts.append(f"lowest {label} on {NAMES.get(best, best)}, {best_ms:.1f} ms")
        parts += [
            f"{NAMES.get(b, b)} {ms:.1f} ms ({_ratio_words(best_ms, ms)} higher)"
            for b, ms in ranked[1:]
        ]
    for c in cells:
        if c.get("applicable") and not kept_up(c):
            parts.append(f"{NAMES.get(c['backend'], c['backend'])} {state_words(c)}")
    if not parts or (len(usable) < 2 and len(parts) < 2):
        return None
    return f"{contender}: " + "; ".join(parts) + "."


def state_words(c: Mapping[str, Any]) -> str:
    """A cell that cannot be compared, in words: saturated with its served rate, or invalid."""
    lat = c.get("latency") or {}
    if not lat:
        return f"not measured ({c.get('reason') or 'no run'})"
    if not lat.get("valid"):
        return "not a valid run (the load generator was the bottleneck)"
    served, offered = (
        number(lat.get("served_deliveries_per_s")),
        number(lat.get("offered_deliveries_per_s")),
    )
    if served is not None and offered:
        return (
            f"saturated: served {served:,.0f} of {offered:,.0f} deliveries/s "
            f"({100 * served / offered:.0f} %); no latency compared"
        )
    return "saturated; no latency compared"


def verdicts(contenders: Sequence[str], cells: Sequence[Mapping[str, Any]]) -> list[str]:
    """The report's words, per contender: capacity, then p99, then cross-instance p99."""
    out: list[str] = []
    for contender in contenders:
        mine = [c for c in cells if c["contender"] == contender]
        for words in (
            capacity_words(contender, mine),
            latency_words(contender, mine, "p99_ms"),
            latency_words(contender, mine, "cross_p99_ms"),
        ):
            if words:
                out.append(words)
        out += [
            f"{contender} on {NAMES.get(c['backend'], c['backend'])}: not applicable "
            f"({c.get('reason', '')})"
            for c in mine
            if not c.get("applicable")
        ]
    return out
