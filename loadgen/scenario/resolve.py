"""Config precedence and presets: CLI over ``BENCH_*`` environment over file over defaults.

Pure: every function takes and returns plain data or models; reading ``os.environ`` and the
command line is the caller's job.

Overrides are flat mappings from a dotted field path to a value (``{"backend.kind": "redis"}``)
plus two preset keys: ``smoke`` (bool, apply :func:`smoke`) and ``duration`` (seconds, apply
:func:`with_duration`). Explicit field overrides win over the smoke preset.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from loadgen.calibrate.model import Calibration
from loadgen.scenario.errors import ScenarioError, validate
from loadgen.scenario.model import Scenario
from loadgen.scenario.traffic import RATE_FORMS, RateSource

PRESETS = ("smoke", "duration")
# Environment variables with a fixed meaning; any field is also reachable as
# BENCH_SCENARIO__<PATH>, the path's dots written as double underscores
# (BENCH_SCENARIO__TRAFFIC__TOTAL_RATE=500).
ENV_FIELDS: dict[str, str] = {
    "BENCH_CONTENDERS": "contenders",
    "BENCH_BACKEND": "backend.kind",
    "BENCH_CHANNELS_LAYER": "backend.channels_layer",
    "BENCH_INSTANCES": "instances",
    "BENCH_DB_URL": "persistence.db_url",
    "BENCH_PROFILE": "profile",
    "BENCH_CONNECTIONS": "connections.count",
    "BENCH_SEED": "seed",
    "BENCH_REPETITIONS": "repetitions",
    "BENCH_SMOKE": "smoke",
    "BENCH_DURATION": "duration",
}
ENV_PATH_PREFIX = "BENCH_SCENARIO__"
# Setting one rate form drops the others from lower layers (a file's total_rate must not clash
# with a --rate given on the command line).
EXCLUSIVE = {name: tuple(o for o in RATE_FORMS if o != name) for name in RATE_FORMS}

SMOKE_CONNECTIONS = 20
SMOKE_WARMUP_S = 0.5
SMOKE_PHASE_S = 2.0
SMOKE_RAMP_UP_S = 1.0
SMOKE_DRAIN_S = 1.0
SMOKE_MIN_TOTAL_RATE = 10.0
SMOKE_DEVICES = 20  # IoT dashboards: at most this many devices (at least one per room)


def env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """The overrides that ``BENCH_*`` variables ask for; values are read as YAML scalars."""
    overrides: dict[str, Any] = {}
    for name, raw in sorted(env.items()):
        if name in ENV_FIELDS:
            path = ENV_FIELDS[name]
        elif name.startswith(ENV_PATH_PREFIX) and len(name) > len(ENV_PATH_PREFIX):
            path = name[len(ENV_PATH_PREFIX) :].lower().replace("__", ".")
        else:
            continue
        overrides[path] = _scalar(name, raw, path)
    return overrides


def _scalar(name: str, raw: str, path: str) -> Any:
    if path == "contenders":
        return [part.strip() for part in raw.split(",") if part.strip()]
    try:
        return yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ScenarioError("environment", [(name, f"cannot read the value {raw!r}")]) from None


def resolve(
    data: Mapping[str, Any],
    *,
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    source: str = "<scenario>",
) -> Scenario:
    """Validate a scenario's file data with the environment's and the command line's overrides.

    Args:
        data: the scenario file's mapping (YAML already parsed).
        cli: command-line overrides (dotted paths, ``smoke``, ``duration``); win over ``env``.
        env: environment variables; only ``BENCH_*`` names listed above are read.
        source: the file name, for error messages.
    """
    layered = {**env_overrides(env or {}), **dict(cli or {})}
    presets = {key: layered.pop(key) for key in PRESETS if key in layered}
    label = f"{source} (with overrides of {', '.join(sorted(layered))})" if layered else source
    if _truthy(presets.get("smoke")):
        # The preset shrinks the file's scenario; explicit overrides then apply on top of it.
        try:
            base = validate(data, source)
        except ScenarioError:
            base = validate(apply_overrides(data, layered), label)
        scenario = validate(apply_overrides(dump(smoke(base)), layered), label)
    else:
        scenario = validate(apply_overrides(data, layered), label)
    duration = presets.get("duration")
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, int | float) or duration <= 0:
            raise ScenarioError(label, [("duration", f"should be seconds > 0, not {duration!r}")])
        scenario = with_duration(scenario, float(duration))
    return scenario


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with each dotted path set (lists indexed by number)."""
    result: dict[str, Any] = copy.deepcopy(dict(data))
    for path, value in overrides.items():
        parts = path.split(".")
        node: Any = result
        for part in parts[:-1]:
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
                continue
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
        last = parts[-1]
        if isinstance(node, list) and last.isdigit() and int(last) < len(node):
            node[int(last)] = value
            continue
        node[last] = value
        for other in EXCLUSIVE.get(last, ()):
            node.pop(other, None)
        if last in EXCLUSIVE:
            node.pop("resolved_from", None)  # an explicit rate replaces a resolved fraction
    return result


def dump(scenario: Scenario) -> dict[str, Any]:
    """Plain JSON-compatible data that validates back into the same scenario."""
    return scenario.model_dump(mode="json")


def smoke(scenario: Scenario) -> Scenario:
    """The quick variant: at most 20 connections, short phases, one repetition.

    Rooms keep their size where they can (fewer rooms instead); a total rate shrinks so that
    each sender keeps its rate, but not below 10 operations/s (nor above the original).
    """
    data = dump(scenario)
    count = min(scenario.connections.count, SMOKE_CONNECTIONS)
    factor = count / scenario.connections.count
    members = min(scenario.rooms.members_per_room, count)
    rooms = max(1, math.floor(scenario.rooms.count * factor + 0.5))
    data["connections"]["count"] = count
    data["connections"]["ramp_up_s"] = min(scenario.connections.ramp_up_s, SMOKE_RAMP_UP_S)
    data["rooms"]["members_per_room"] = members
    data["rooms"]["count"] = rooms
    traffic = data["traffic"]
    if isinstance(scenario.traffic.senders, int):
        eligible = min(count, rooms * members)
        traffic["senders"] = max(1, min(eligible, math.ceil(scenario.traffic.senders * factor)))
    for phase in data["phases"]:
        limit = SMOKE_WARMUP_S if phase["kind"] == "warmup" else SMOKE_PHASE_S
        phase["duration_s"] = min(phase["duration_s"], limit)
    data["drain_s"] = min(scenario.drain_s, SMOKE_DRAIN_S)
    data["repetitions"] = 1
    if scenario.devices is not None:
        data["devices"]["count"] = max(rooms, min(scenario.devices.count, SMOKE_DEVICES))
    _scale_faults(data, sum(p["duration_s"] for p in data["phases"]) / scenario.duration_s)
    if scenario.traffic.total_rate is None:
        return Scenario.model_validate(data)
    senders = Scenario.model_validate(data).senders
    floor = min(scenario.traffic.total_rate, SMOKE_MIN_TOTAL_RATE)
    traffic["total_rate"] = max(scenario.sender_rate * senders, floor)
    return Scenario.model_validate(data)


def with_duration(scenario: Scenario, seconds: float) -> Scenario:
    """Scale the measured (non-warmup) phases so that together they last ``seconds``."""
    if not seconds > 0 or not math.isfinite(seconds):
        raise ValueError(f"duration should be seconds > 0, not {seconds!r}")
    measured = sum(p.duration_s for p in scenario.phases if p.kind != "warmup")
    factor = seconds / measured
    data = dump(scenario)
    for phase in data["phases"]:
        if phase["kind"] != "warmup":
            phase["duration_s"] *= factor
    _scale_faults(data, sum(p["duration_s"] for p in data["phases"]) / scenario.duration_s)
    return Scenario.model_validate(data)


def _scale_faults(data: dict[str, Any], factor: float) -> None:
    """Keep faults at the same place in a shortened or stretched run."""
    for fault in data.get("faults", []):
        for key in ("at_s", "restart_after_s", "duration_s"):
            if fault.get(key) is not None:
                fault[key] = round(fault[key] * factor, 3)


def needs_capacity(scenario: Scenario) -> bool:
    """Whether the scenario states its rate as a share of a calibrated capacity."""
    return scenario.traffic.capacity_fraction is not None


def with_capacity(scenario: Scenario, calibration: Calibration) -> Scenario:
    """Turn ``traffic.capacity_fraction`` into an absolute ``total_rate``, recording how.

    The base is the weaker calibrated contender's capacity, in msgs/s of the calibration's echo
    shape where one message is one delivery. A scenario whose operations cause ``d`` deliveries
    each (:attr:`Scenario.deliveries_per_operation`) gets ``fraction x base / d`` operations/s,
    so every shape offers the same deliveries per second. A scenario that states an absolute
    rate comes back unchanged.
    """
    fraction = scenario.traffic.capacity_fraction
    if fraction is None:
        return scenario
    base = calibration.weaker
    per_operation = scenario.deliveries_per_operation
    if base.msgs_per_s <= 0:
        raise ValueError(f"{base.contender}'s calibrated capacity is 0: nothing to take a share of")
    source = RateSource(
        capacity_fraction=fraction,
        capacity_msgs_per_s=base.msgs_per_s,
        basis=base.contender,
        deliveries_per_operation=per_operation,
        capacities={c.contender: float(c.msgs_per_s) for c in calibration.capacities},
        ratio=calibration.ratio,
        at_least=tuple(c.contender for c in calibration.capacities if c.bounded == "above"),
        method=calibration.method,
        backend=calibration.backend,
    )
    data = dump(scenario)
    data["traffic"]["capacity_fraction"] = None
    data["traffic"]["total_rate"] = round(fraction * base.msgs_per_s / per_operation, 4)
    data["traffic"]["resolved_from"] = source.model_dump(mode="json")
    return Scenario.model_validate(data)
