"""Capacity search, pure: the SLO, the scenario of one step, and a step's verdict.

- :func:`parse_slo` reads ``"p99_ms<50,loss==0"`` into expectations, naming a bad part.
- :func:`scenario_at` turns the scenario into the one run at a given load: the message rate
  (``rate``) or the connection count (``connections``) set, the phases replaced by a short
  warm-up and one steady phase at that load, one repetition, the SLO as its expectations.
- :func:`judge_step` reads one step's result document into a :class:`StepRecord`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import ValidationError

from loadgen.capacity_search import Outcome
from loadgen.expectations import Expectation, evaluate, parse_expectation
from loadgen.scenario import Scenario, dump

Dimension = Literal["rate", "connections"]
DIMENSIONS: tuple[Dimension, ...] = ("rate", "connections")
LOADGEN_BOUND = "loadgen_bound"
# The key figures every step keeps (the full record stays in the step's result file).
FIGURES = ("p50_ms", "p99_ms", "msgs_per_s", "deliveries_per_s", "loss", "errors")


class SloError(ValueError):
    """An SLO string that cannot be used; the message names the bad part."""


def parse_slo(text: str) -> tuple[Expectation, ...]:
    """``"p99_ms<50,loss==0"`` -> expectations; :class:`SloError` names the part that is wrong."""
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise SloError("the SLO is empty: give thresholds such as 'p99_ms<50,loss==0'")
    slo: list[Expectation] = []
    for index, part in enumerate(parts, start=1):
        if not part:
            raise SloError(f"SLO part {index} of {text!r} is empty (a stray comma?)")
        try:
            metric, op, value = parse_expectation(part)
        except ValueError as exc:
            raise SloError(f"SLO part {index} {part!r}: {exc}") from None
        slo.append(Expectation(metric=metric, op=op, value=value))
    return tuple(slo)


def unit_of(scenario: Scenario, dimension: Dimension) -> str:
    """How a load reads: offered messages (or operations) per second, or connections."""
    if dimension == "connections":
        return "connections"
    mix = scenario.traffic.mix
    return "msgs/s" if mix.history == mix.presence == mix.churn == 0 else "ops/s"


def base_load(scenario: Scenario, dimension: Dimension) -> float:
    """The load the scenario file itself asks for (the default start of a search)."""
    if dimension == "connections":
        return float(scenario.connections.count)
    return scenario.sender_rate * scenario.senders


def load_limits(dimension: Dimension) -> tuple[float, float]:
    """The smallest and largest load a scenario can express in this dimension."""
    return (1.0, 1_000_000.0) if dimension == "connections" else (1e-3, 1e9)


def scenario_at(
    base: Scenario,
    dimension: Dimension,
    load: float,
    *,
    warmup_s: float,
    steady_s: float,
    slo: tuple[Expectation, ...],
) -> Scenario:
    """The scenario of one step. Raises ValueError when the load cannot be expressed.

    ``rate``: ``traffic.total_rate`` is the load (operations per second at multiplier 1),
    spread over the same senders. ``connections``: the count is the load; rooms, a fixed
    sender count and the connect ramp grow in proportion (rooms keep their size, each sender
    its rate, connections open at the same pace).
    """
    data = dump(base)
    if data.get("faults"):
        raise ValueError(
            f"cannot search the capacity of {base.name!r}: it injects faults, and a capacity "
            "step measures a steady load (use a scenario without faults)"
        )
    traffic = data["traffic"]
    if dimension == "rate":
        traffic["total_rate"] = float(load)
        traffic["rate_per_connection"] = None
    else:
        count = int(load)
        factor = count / base.connections.count
        data["connections"]["count"] = count
        data["connections"]["ramp_up_s"] = base.connections.ramp_up_s * factor
        data["rooms"]["members_per_room"] = min(base.rooms.members_per_room, count)
        data["rooms"]["count"] = max(1, math.floor(base.rooms.count * factor + 0.5))
        if isinstance(base.traffic.senders, int):
            traffic["senders"] = max(1, math.floor(base.traffic.senders * factor + 0.5))
        traffic["rate_per_connection"] = base.sender_rate
        traffic["total_rate"] = None
    phases: list[dict[str, Any]] = []
    if warmup_s > 0:
        phases.append({"name": "warmup", "kind": "warmup", "duration_s": warmup_s})
    phases.append({"name": "steady", "kind": "steady", "duration_s": steady_s})
    data["phases"] = phases
    data["repetitions"] = 1
    data["expectations"] = [str(e) for e in slo]
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'scenario'}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"cannot run {base.name!r} at load {load:g}: {problems}") from None


@dataclass(frozen=True)
class StepRecord:
    """One step of a search as the capacity result keeps it."""

    index: int
    load: float
    outcome: Outcome
    passed: bool
    valid: bool
    loadgen_bound: bool
    reasons: tuple[str, ...]
    slo: tuple[dict[str, Any], ...]
    figures: Mapping[str, float | None]
    result: str
    elapsed_s: float
    server_delay_ms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        data["slo"] = list(self.slo)
        data.update(data.pop("figures"))
        return data


def judge_step(
    document: Mapping[str, Any],
    slo: tuple[Expectation, ...],
    *,
    index: int,
    load: float,
    result: str,
    elapsed_s: float,
) -> StepRecord:
    """Read a step's result document (one contender, one run) into a verdict.

    ``unknown`` (never the server's limit): the load generator was the bottleneck (the run's
    validity names ``loadgen_bound``), the run produced no samples, or the load generator
    failed. ``fail``: a server died during the run, or the SLO was missed. ``pass`` otherwise.
    """
    runs = document.get("runs") or []
    run: Mapping[str, Any] = runs[0] if runs else {}
    validity = run.get("validity") or {"valid": False, "reasons": ["no run was recorded"]}
    valid = bool(validity.get("valid"))
    reasons = [str(r) for r in validity.get("reasons", [])]
    partial = [str(r) for r in run.get("partial_reasons", [])]
    overall: Mapping[str, Any] = run.get("overall") or {}
    figures = {key: overall.get(key) for key in FIGURES}
    checks: tuple[dict[str, Any], ...] = tuple(
        {"expectation": str(e), "passed": ok, "actual": actual}
        for e, ok, actual in evaluate(slo, overall)
    )
    bound = any(r.startswith(LOADGEN_BOUND) for r in reasons)
    server_died = [r for r in partial if " died at " in r]
    other_partial = [r for r in partial if r not in server_died]
    outcome: Outcome
    if bound or not overall or (other_partial and not server_died):
        outcome = "unknown"
        reasons += other_partial
        if not overall and not reasons:
            reasons.append("the run produced no measurement")
    elif server_died:
        outcome = "fail"
        reasons += server_died
    else:
        outcome = "pass" if all(c["passed"] for c in checks) else "fail"
        reasons += [
            f"SLO missed: {c['expectation']} (actual {_number(c['actual'])})"
            for c in checks
            if not c["passed"]
        ]
    settings = document.get("settings") or {}
    delay = (settings.get("server") or {}).get("delay_ms")
    return StepRecord(
        index=index, load=load, outcome=outcome, passed=outcome == "pass", valid=valid,
        loadgen_bound=bound, reasons=tuple(reasons), slo=checks, figures=figures,
        result=result, elapsed_s=elapsed_s,
        server_delay_ms=float(delay) if isinstance(delay, int | float) else None,
    )  # fmt: skip


def _number(value: float | None) -> str:
    if value is None:
        return "not measured"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"
