"""A phase's figures, the run's validity and its expectations, for the result document
(pure; schema in docs/results.md, the file itself is owned by :mod:`documents.result`)."""

from __future__ import annotations

import math
from typing import Any

from loadgen.measure.accounting import DeliveryCounts
from loadgen.measure.saturation import Saturation
from loadgen.measure.served import WindowFlow
from loadgen.measure.stats import LatencyHistogram, censored_summary
from loadgen.scenario.expectations import evaluate

# A run is invalid (loadgen_bound) when the load generator fell behind its plan by more than
# this at the 99th percentile of sends, or used more than this share of one core.
LAG_P99_LIMIT_MS = 20.0
LOADGEN_CPU_LIMIT_PCT = 90.0


def phase_summary(
    merged_phase: dict[str, Any],
    *,
    connect: LatencyHistogram,
    connect_errors: int,
    errors: int,
    dropped: int,
    server: dict[str, float],
    flow: WindowFlow,
    saturation: Saturation,
    floor_ms: float,
    acked_sends: bool = True,
) -> tuple[dict[str, Any], list[str]]:
    """The key figures of one phase, under the names expectations use (KNOWN_METRICS), and
    the percentile keys that are lower bounds (undelivered deliveries make them unknowable).

    ``floor_ms``: how long an undelivered message had been waiting, at least, when the grace
    period ended (see :func:`loadgen.measure.stats.censored_summary`). ``acked_sends``: False
    when the sends await no ack (devices' MQTT publishes): none is then outstanding.
    """
    delivery: LatencyHistogram = merged_phase["delivery"]
    latency = delivery.summary()
    counts: DeliveryCounts = merged_phase["accounting"]
    percentiles, censored = censored_summary(delivery, counts.undelivered, floor_ms)
    ack = merged_phase["ack"].summary()
    uncorrected = merged_phase["delivery_uncorrected"].summary()
    sent, acked = merged_phase["sent"], merged_phase["acked"]
    acks_on_time = acked - merged_phase.get("acks_late", 0)
    summary: dict[str, Any] = {
        "p50_ms": latency.p50_ms,
        "p90_ms": latency.p90_ms,
        "p99_ms": latency.p99_ms,
        "p999_ms": latency.p999_ms,
        "p9999_ms": latency.p9999_ms,
        "max_ms": latency.max_ms,
        **percentiles,
        "mean_ms": latency.mean_ms,
        "deliveries": latency.count,
        "uncorrected_p50_ms": uncorrected.p50_ms,
        "uncorrected_p99_ms": uncorrected.p99_ms,
        **_cross_instance(merged_phase.get("delivery_cross")),
        "ack_p50_ms": ack.p50_ms,
        "ack_p99_ms": ack.p99_ms,
        "connect_p99_ms": connect.summary().p99_ms,
        "sent": sent,
        "acked": acked,
        "msgs_per_s": flow.served_msgs_per_s,
        "deliveries_per_s": flow.served_deliveries_per_s,
        "offered_msgs_per_s": flow.offered_msgs_per_s,
        "offered_deliveries_per_s": flow.offered_deliveries_per_s,
        "served_msgs_per_s": flow.served_msgs_per_s,
        "served_deliveries_per_s": flow.served_deliveries_per_s,
        "served_ratio": saturation.served_ratio,
        "saturated": int(saturation.saturated),
        "latency_growth_ms": saturation.latency_growth_ms,
        "queue_s": saturation.queue_s,
        "loss": counts.lost,
        "loss_pct": counts.loss_pct,
        "lost": counts.lost,
        "late": counts.late,
        "queued": counts.queued,
        "undelivered": counts.undelivered,
        "backlog_at_deadline": counts.late + counts.undelivered,
        "acks_outstanding_at_deadline": max(0, sent - acks_on_time) if acked_sends else 0,
        "over_range": delivery.over_range(),
        "expected": counts.expected,
        "received": counts.received,
        "duplicates": counts.duplicates,
        "out_of_order": counts.out_of_order,
        "errors": errors,
        "connect_errors": connect_errors,
        "dropped": dropped,
        **server,
    }
    clean = {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in summary.items()
    }
    return clean, censored


def _cross_instance(histogram: LatencyHistogram | None) -> dict[str, Any]:
    """The deliveries that crossed from their sender's instance to another (several instances
    only): their count and p50/p99, latency from the intended send time like every delivery."""
    if histogram is None or not histogram.count:
        return {}
    cross = histogram.summary()
    return {"cross_deliveries": cross.count, "cross_p50_ms": cross.p50_ms,
            "cross_p99_ms": cross.p99_ms}  # fmt: skip


def validity(lag: LatencyHistogram, cpu: list[dict[str, float]]) -> dict[str, Any]:
    """Whether the load generator kept its schedule; never silently report a bound run."""
    reasons = []
    lag_p99 = lag.summary().p99_ms if lag.count else 0.0
    if lag_p99 > LAG_P99_LIMIT_MS:
        reasons.append(
            f"loadgen_bound: the load generator sent its messages {lag_p99:.1f} ms late at p99 "
            f"(limit {LAG_P99_LIMIT_MS:.0f} ms)"
        )
    for i, worker in enumerate(cpu):
        if worker["cpu_percent"] > LOADGEN_CPU_LIMIT_PCT:
            reasons.append(
                f"loadgen_bound: worker {i} used {worker['cpu_percent']:.0f}% of a core "
                f"(limit {LOADGEN_CPU_LIMIT_PCT:.0f}%)"
            )
    return {
        "valid": not reasons,
        "reasons": reasons,
        "lag_p99_ms": lag_p99,
        "lag_max_ms": lag.summary().max_ms if lag.count else 0.0,
        "loadgen_cpu_percent": [w["cpu_percent"] for w in cpu],
        "limits": {"lag_p99_ms": LAG_P99_LIMIT_MS, "loadgen_cpu_percent": LOADGEN_CPU_LIMIT_PCT},
    }


def check_expectations(expectations: list[Any], summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"expectation": str(e), "passed": passed, "actual": actual}
        for e, passed, actual in evaluate(expectations, summary)
    ]
