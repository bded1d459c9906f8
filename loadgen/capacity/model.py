"""Capacity search, pure: the SLO and the scenario of one step.

- :func:`parse_slo` reads ``"p99_ms<50,loss==0"`` into expectations, naming a bad part.
- :func:`scenario_at` turns the scenario into the one run at a given load: the message rate
  (``rate``) or the connection count (``connections``) set, the phases replaced by a short
  warm-up and one steady phase at that load, one repetition, the SLO as its expectations.

A step's verdict is :mod:`loadgen.capacity.step`'s.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import ValidationError

from loadgen.scenario.expectations import Expectation, parse_expectation
from loadgen.scenario.load import Scenario, dump

Dimension = Literal["rate", "connections"]
DIMENSIONS: tuple[Dimension, ...] = ("rate", "connections")
# A step's grace period after its deadline at most (seconds): a step that left a queue
# failed anyway, and its servers are restarted; waiting it out would only cost time.
STEP_GRACE_S = 3.0


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
    spread over the same senders (with ``devices``: the devices' publishes per second, all
    devices together; the SLO then reads the dashboards' deliveries). ``connections``: the
    count is the load; rooms, a fixed sender count and the connect ramp grow in proportion
    (rooms keep their size, each sender its rate, connections open at the same pace); a
    scenario with devices cannot be searched so. The grace period after the deadline is
    capped at :data:`STEP_GRACE_S`.
    """
    data = dump(base)
    if data.get("faults"):
        raise ValueError(
            f"cannot search the capacity of {base.name!r}: it injects faults, and a capacity "
            "step measures a steady load (use a scenario without faults)"
        )
    if base.devices is not None and dimension == "connections":
        raise ValueError(
            f"cannot search {base.name!r} by connections: its load is the devices' publish rate "
            "(its connections are dashboards that only watch); use --dimension rate"
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
    if isinstance(data.get("grace_s"), int | float):
        data["grace_s"] = min(float(data["grace_s"]), STEP_GRACE_S)
    data["expectations"] = [str(e) for e in slo]
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'scenario'}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"cannot run {base.name!r} at load {load:g}: {problems}") from None
