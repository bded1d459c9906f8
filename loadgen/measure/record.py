"""One contender run's record in the result document (pure: merged samples in, JSON out)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from loadgen.faults.steps import recovery
from loadgen.measure.accounting import DeliveryCounts
from loadgen.measure.phase import check_expectations, phase_summary, validity
from loadgen.measure.saturation import Saturation, classify
from loadgen.measure.served import window_flow
from loadgen.measure.serverlogs import summarize
from loadgen.measure.stats import LatencyHistogram
from loadgen.measure.timeseries import SecondRow
from loadgen.plan.model import PhaseWindow, Plan
from loadgen.run.outcome import RunOutcome
from loadgen.run.worker_result import merge_worker_results
from loadgen.scenario.load import Scenario


def server_figures(resources: dict[str, Any], start_s: float, end_s: float) -> dict[str, float]:
    """Server CPU (percent of one core, all instances) and peak RSS within a window."""
    times = resources.get("t", [])
    servers = {
        name: series
        for name, series in resources.get("processes", {}).items()
        if not name.startswith("loadgen")
    }
    cpu_totals: list[float] = []
    rss_totals: list[float] = []
    per_instance: dict[str, list[float]] = {name: [] for name in servers}
    for i, t in enumerate(times):
        if not start_s <= t <= end_s + 1.0:
            continue
        for name, series in servers.items():
            if i < len(series["cpu_percent"]) and series["cpu_percent"][i] is not None:
                per_instance[name].append(series["cpu_percent"][i])
        cpu = [s["cpu_percent"][i] for s in servers.values() if i < len(s["cpu_percent"])]
        rss = [s["rss_bytes"][i] for s in servers.values() if i < len(s["rss_bytes"])]
        cpu = [v for v in cpu if v is not None]
        rss = [v for v in rss if v is not None]
        if cpu:
            cpu_totals.append(sum(cpu))
        if rss:
            rss_totals.append(sum(rss))
    means = [sum(v) / len(v) for v in per_instance.values() if v]
    return {
        "server_cpu_pct": sum(cpu_totals) / len(cpu_totals) if cpu_totals else math.nan,
        "server_cpu_max_instance_pct": max(means) if means else math.nan,
        "server_rss_mb": max(rss_totals) / 2**20 if rss_totals else math.nan,
    }


def _log_summary(paths: list[Path]) -> dict[str, Any]:
    lines: list[str] = []
    for path in paths:
        try:
            lines.extend(path.read_text(errors="replace").splitlines())
        except OSError:
            continue
    return summarize(lines).as_dict()


def build_run_record(
    scenario: Scenario,
    plan: Plan,
    contender: str,
    repetition: int,
    position: int,
    outcome: RunOutcome,
) -> dict[str, Any]:
    logs = _log_summary(outcome.log_paths)
    record: dict[str, Any] = {
        "contender": contender,
        "repetition": repetition,
        "order": position,
        "status": "partial" if outcome.partial_reasons else "complete",
        "partial_reasons": outcome.partial_reasons,
        "servers": outcome.servers,
        "server_logs": logs,
        "resources": outcome.resources,
    }
    if not outcome.worker_results:
        record.update(phases=[], validity={"valid": False, "reasons": ["no samples"]})
        return record
    merged = merge_worker_results(outcome.worker_results)
    errors = sum(merged["errors"].values())
    connect_errors = sum(merged["connect_errors"].values())
    dropped = sum(merged["dropped"].values())
    server_errors = logs["errors"] + logs["warnings"]
    rows = merged["timeseries"].rows()
    phases = []
    for window, phase in zip(plan.phases, merged["phases"], strict=True):
        summary, censored, judged_saturation = _summarise(
            phase, window, rows, merged, outcome,
            (connect_errors, errors, dropped, server_errors), acked_sends=not plan.devices,
        )  # fmt: skip
        phases.append(
            {
                "name": window.name,
                "kind": window.kind,
                "start_s": window.start_s,
                "end_s": window.end_s,
                "summary": summary,
                "histograms": {
                    k: phase[k].encode()
                    for k in ("delivery", "delivery_uncorrected", "ack", "delivery_cross")
                    if k in phase and (k != "delivery_cross" or phase[k].count)
                },
                "accounting": phase["accounting"].as_dict(),
                "censored": censored,
                "saturation": judged_saturation.as_dict(),
            }
        )
    overall, overall_censored, saturation = _overall(
        plan, merged, outcome, connect_errors, errors, dropped, server_errors
    )
    record.update(
        workers=merged["workers"],
        connections=merged["connections"],
        connected=merged["connected"],
        phases=phases,
        overall=overall,
        censored=overall_censored,
        saturation=saturation.as_dict(),
        grace=merged["grace"],
        expectations=check_expectations(list(scenario.expectations), overall),
        connect={
            "histogram": merged["connect"].encode(),
            "summary": merged["connect"].summary().as_dict(),
            "errors": merged["connect_errors"],
            "rss_kb_per_conn": outcome.rss_per_connection_kb,
        },
        errors=merged["errors"],
        dropped=merged["dropped"],
        reconnected=merged["reconnected"],
        outages=merged["outages"],
        lost_by_second=merged["lost_by_second"],
        fault_events=outcome.fault_events,
        recovery=recovery(outcome.fault_events, merged["outages"]),
        timeseries=merged["timeseries"].to_json(),
        timeseries_rows=[dataclasses.asdict(row) for row in merged["timeseries"].rows()],
        loadgen={
            "cpu": merged["cpu"],
            "lag_histogram": merged["lag"].encode(),
            "rss_kb_per_conn": outcome.loadgen_rss_per_connection_kb,
        },
        validity=validity(merged["lag"], merged["cpu"]),
    )
    return record


def _overall(
    plan: Plan,
    merged: dict[str, Any],
    outcome: RunOutcome,
    connect_errors: int,
    errors: int,
    dropped: int,
    server_errors: int,
) -> tuple[dict[str, Any], list[str], Saturation]:
    """The measured phases (every phase but warm-up) taken together."""
    chosen = [i for i, w in enumerate(plan.phases) if w.kind != "warmup"] or list(
        range(len(plan.phases))
    )
    counts = DeliveryCounts()
    for i in chosen:
        counts += merged["phases"][i]["accounting"]
    combined: dict[str, Any] = {
        key: LatencyHistogram.merged(merged["phases"][i][key] for i in chosen)
        for key in ("delivery", "delivery_uncorrected", "ack")
    }
    combined["delivery_cross"] = LatencyHistogram.merged(
        merged["phases"][i]["delivery_cross"]
        for i in chosen
        if "delivery_cross" in merged["phases"][i]
    )
    for key in ("sent", "acked", "acks_late"):
        combined[key] = sum(merged["phases"][i].get(key, 0) for i in chosen)
    combined["accounting"] = counts
    first, last = plan.phases[chosen[0]], plan.phases[chosen[-1]]
    window = PhaseWindow(-1, "measured", "measured", first.start_s, last.end_s, 1.0, 1.0)
    rows = merged["timeseries"].rows()
    return _summarise(
        combined, window, rows, merged, outcome,
        (connect_errors, errors, dropped, server_errors), acked_sends=not plan.devices,
    )  # fmt: skip


def _summarise(
    phase: dict[str, Any],
    window: PhaseWindow,
    rows: list[SecondRow],
    merged: dict[str, Any],
    outcome: RunOutcome,
    errors: tuple[int, int, int, int],
    acked_sends: bool = True,
) -> tuple[dict[str, Any], list[str], Saturation]:
    """One window's summary, censored keys and saturation: its server figures, its judgement
    (flow, saturation, floor) and the phase figures. ``errors``: connect errors, errors,
    dropped connections and server log errors of the whole run; ``acked_sends``: False when
    the sends await no ack (devices)."""
    connect_errors, request_errors, dropped, server_errors = errors
    figures = server_figures(outcome.resources, window.start_s, window.end_s)
    judged = _judge(phase, window, rows, figures, merged["grace"])
    summary, censored = phase_summary(
        phase, connect=merged["connect"], connect_errors=connect_errors,
        errors=request_errors, dropped=dropped,
        server={**figures, "server_errors": server_errors,
                "rss_kb_per_conn": outcome.rss_per_connection_kb or math.nan},
        **judged, acked_sends=acked_sends,
    )  # fmt: skip
    return summary, censored, judged["saturation"]


def _judge(
    phase: dict[str, Any],
    window: PhaseWindow,
    rows: list[SecondRow],
    figures: dict[str, float],
    grace: dict[str, Any],
) -> dict[str, Any]:
    """Offered and served rates of a window, whether the server kept up, and how long an
    undelivered message had waited at least (for censored percentiles)."""
    counts: DeliveryCounts = phase["accounting"]
    flow = window_flow(
        rows, window, sent=phase["sent"], acked=phase["acked"],
        offered_deliveries=counts.expected + counts.optional,
        received=counts.received + counts.optional_received,
    )  # fmt: skip
    saturation = classify(
        offered_per_s=flow.offered, served_per_s=flow.served, p50s=flow.p50s, unit=flow.unit,
        server_cpu_pct=_finite(figures.get("server_cpu_pct")),
        cpu_per_instance_pct=_finite(figures.get("server_cpu_max_instance_pct")),
        lost_per_s=counts.lost / max(window.duration_s, 1e-9) if flow.unit == "deliveries" else 0,
        served_seconds=flow.seconds, offered_msgs=phase["sent"],
    )  # fmt: skip
    ended = grace.get("ended_at_s")
    floor_ms = 1000.0 * max(0.0, ended - window.end_s) if ended is not None else 0.0
    return {"flow": flow, "saturation": saturation, "floor_ms": floor_ms}


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
