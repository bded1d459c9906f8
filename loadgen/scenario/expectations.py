"""Expectations: thresholds such as ``p99_ms < 50`` that make a run fail.

A scenario lists them as strings; each parses into ``(metric, op, value)`` against a fixed list
of metric names, the keys of a contender's summary. Pure: parsing and evaluation only.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

# Every metric an expectation may name, with what it measures. A summary (one contender, one
# phase) is a mapping with these keys; the load generator's merge step produces it.
KNOWN_METRICS: dict[str, str] = {
    "p50_ms": "median delivery latency, from the intended send time (ms)",
    "p90_ms": "90th percentile delivery latency (ms)",
    "p99_ms": "99th percentile delivery latency (ms)",
    "p999_ms": "99.9th percentile delivery latency (ms)",
    "p9999_ms": "99.99th percentile delivery latency (ms)",
    "max_ms": "largest delivery latency (ms)",
    "mean_ms": "mean delivery latency (ms)",
    "ack_p99_ms": "99th percentile latency of acks to the sender (ms)",
    "connect_p99_ms": "99th percentile connect + auth time (ms)",
    "msgs_per_s": "room messages acked per second, by receive time (served)",
    "deliveries_per_s": "deliveries received per second by receive time, every recipient "
    "counted (served)",
    "loss": "expected deliveries lost: missing after the grace period, with evidence of loss "
    "(a dropped connection, or nothing arriving any more) (count)",
    "loss_pct": "lost deliveries as a percentage of expected deliveries",
    "lost": "the same as loss (count)",
    "late": "deliveries that arrived after the deadline, within the grace period (count)",
    "queued": "deliveries still queued at the end of the grace period, not lost (count)",
    "undelivered": "deliveries missing at the end of the grace period, lost or queued (count)",
    "backlog_at_deadline": "deliveries outstanding at the deadline (late + undelivered)",
    "acks_outstanding_at_deadline": "sends not yet acked at the deadline (count)",
    "offered_msgs_per_s": "room messages the plan sent per second",
    "offered_deliveries_per_s": "deliveries the plan expected per second",
    "served_msgs_per_s": "acks received per second, by receive time",
    "served_deliveries_per_s": "deliveries received per second, by receive time",
    "served_ratio": "served over offered rate (deliveries, or msgs when there are none)",
    "saturated": "1 when the contender could not keep up with the offered load, else 0",
    "latency_growth_ms": "growth of the per-second median latency through the window (ms)",
    "queue_s": "median latency in the window's last second (s): how far behind it was",
    "over_range": "deliveries at the latency histogram's 60 s ceiling (count)",
    "duplicates": "deliveries received more than once (count)",
    "out_of_order": "deliveries that arrived after a later one of the same stream (count)",
    "errors": "error replies, error events and client-side failures (count)",
    "connect_errors": "connections that failed to open or authenticate (count)",
    "dropped": "connections that closed during the run (count)",
    "server_errors": "error and warning lines in the servers' logs (count)",
    "server_cpu_pct": "server CPU, percent of one core, averaged over the phase",
    "server_rss_mb": "peak resident memory of the server processes (MiB)",
    "rss_kb_per_conn": "server resident memory per open connection (KiB)",
}

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}

_PATTERN = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def parse_expectation(text: str) -> tuple[str, str, float]:
    """Split ``"p99_ms < 50"`` into ``("p99_ms", "<", 50.0)``; raise ValueError with the reason."""
    match = _PATTERN.match(text)
    if match is None:
        raise ValueError(
            f"cannot parse {text!r}: write METRIC OP NUMBER, for example 'p99_ms < 50'"
        )
    metric = match["metric"]
    if metric not in KNOWN_METRICS:
        known = ", ".join(KNOWN_METRICS)
        raise ValueError(f"unknown metric {metric!r} in {text!r}; known metrics: {known}")
    value = float(match["value"])
    if not math.isfinite(value):
        raise ValueError(f"the value in {text!r} is not a finite number")
    return metric, match["op"], value


class Expectation(BaseModel):
    """One threshold; written and serialized as the string ``"metric op value"``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    op: str
    value: float

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            metric, op, value = parse_expectation(data)
            return {"metric": metric, "op": op, "value": value}
        if isinstance(data, dict | Expectation):
            return data
        raise ValueError("an expectation is a string such as 'p99_ms < 50'")

    @model_validator(mode="after")
    def _known(self) -> Expectation:
        if self.metric not in KNOWN_METRICS:
            raise ValueError(
                f"unknown metric {self.metric!r}; known metrics: {', '.join(KNOWN_METRICS)}"
            )
        if self.op not in OPERATORS:
            raise ValueError(f"unknown operator {self.op!r}; use one of {' '.join(OPERATORS)}")
        return self

    @model_serializer
    def _to_text(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {_number_text(self.value)}"

    def check(self, actual: float) -> bool:
        return OPERATORS[self.op](actual, self.value)


def evaluate(
    expectations: Iterable[Expectation], summary: Mapping[str, float | None]
) -> list[tuple[Expectation, bool, float | None]]:
    """Check each expectation against a summary.

    Returns:
        ``(expectation, passed, actual)`` per expectation, in order. A metric the summary lacks
        (or holds as ``None`` or NaN) fails, with ``actual`` None: a threshold nobody measured
        must not pass silently.
    """
    results: list[tuple[Expectation, bool, float | None]] = []
    for expectation in expectations:
        actual = summary.get(expectation.metric)
        if actual is None or (isinstance(actual, float) and math.isnan(actual)):
            results.append((expectation, False, None))
        else:
            results.append((expectation, expectation.check(float(actual)), float(actual)))
    return results
