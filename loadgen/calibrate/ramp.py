"""``bench calibrate``: each Python contender's sustainable load on this machine, measured fast.

Method, per contender, in the echo shape (100 connections, each alone in its room, so one
message is one delivery; evenly spaced sends, as in the suite's steps, so that a second's count
is the planned rate and not Poisson noise):

1. a geometric ramp from ``start_rate`` to ``max_rate`` msgs/s (x1.4 a second), stopped once it
   is clearly overrun (:func:`loadgen.calibrate.knee.overrun` for 2 s: the seconds after only
   queue);
2. the knee of its per-second series (:func:`loadgen.calibrate.knee.find_knee`: served by
   receive time within 95 % of offered over 2 s, per-second p99 under 250 ms, a failure
   confirmed over 3 s);
3. a linear ramp from 0.7x to 1.3x that first figure (about 4 % a second), same rule: its knee
   is the capacity. A ramp that never reaches its knee gives a lower bound (``bounded="above"``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from loadgen.calibrate.knee import LATENCY_MAX_MS, Knee, extended, find_knee, overrun
from loadgen.calibrate.model import Calibration, ContenderCapacity
from loadgen.run.runner import RunError, RunOptions, run_scenario
from loadgen.scenario.model import Scenario

CALIBRATED = ("sio", "channels")  # the Python contenders whose capacities set the loads
SHAPE = "echo: 100 connections, each alone in its room (one delivery per message), 64 B"
REFINE = (0.7, 1.3)  # the refining ramp's range around the first estimate
GEOMETRIC_PIECE_S = 2  # seconds of each linear piece of a geometric ramp
STOP_AFTER_S = 2.0  # a ramp overrun this long is stopped


@dataclass(frozen=True)
class CalibrationOptions:
    backend: str = "memory"
    start_rate: float = 40.0
    max_rate: float = 5000.0
    ramp_s: int = 14
    refine_s: int = 8
    refine: bool = True
    latency_max_ms: float = LATENCY_MAX_MS
    connections: int = 100
    profile: str = "equal"  # the servers' profile (docs/idiomatic.md): ramps run under it
    refine_span: tuple[float, float] = REFINE  # the refining ramp's range around the estimate


def ramp_scenario(
    contender: str,
    low: float,
    high: float,
    seconds: int,
    *,
    backend: str,
    connections: int,
    geometric: bool,
    profile: str = "equal",
) -> Scenario:
    """The echo shape offering ``low`` msgs/s rising to ``high`` over ``seconds``, after a
    one-second warm-up at ``low``: one linear ramp phase, or for a geometric ramp, linear
    pieces of ``GEOMETRIC_PIECE_S`` (few phases: each phase's summary costs time)."""
    pieces = max(1, seconds // GEOMETRIC_PIECE_S) if geometric else 1
    phases: list[dict[str, Any]] = [{"name": "warmup", "kind": "warmup", "duration_s": 1.0}]
    for i in range(pieces):
        phases.append(
            {
                "name": f"ramp-{i:02d}",
                "kind": "ramp",
                "duration_s": seconds / pieces,
                "from_multiplier": _multiplier_at(i, pieces, high / low, geometric),
                "to_multiplier": _multiplier_at(i + 1, pieces, high / low, geometric),
            }
        )
    return Scenario.model_validate(
        {
            "name": "calibrate",
            "description": f"calibration ramp, {low:g} to {high:g} msgs/s ({SHAPE})",
            "contenders": [contender],
            "backend": {"kind": backend},
            "connections": {"count": connections, "ramp_up_s": 0.5},
            "rooms": {"count": connections, "members_per_room": 1},
            "traffic": {"total_rate": low, "arrival": "uniform", "message_bytes": 64},
            "phases": phases,
            "drain_s": 1.0,
            **({"grace_s": 2.0} if "grace_s" in Scenario.model_fields else {}),
            "repetitions": 1,
            "profile": profile,
        }
    )


def _multiplier_at(step: float, steps: int, span: float, geometric: bool) -> float:
    if geometric:
        return float(span ** (step / steps))
    return 1.0 + (span - 1.0) * step / steps


def series_knee(record: dict[str, Any], first_s: int, seconds: int, latency_max_ms: float) -> Knee:
    """The knee of one run record's per-second series within the ramp's seconds."""
    rows = {int(row["second"]): row for row in record.get("timeseries_rows", [])}
    window = [rows.get(s, {}) for s in range(first_s, first_s + seconds)]
    return find_knee(
        [float(row.get("sent", 0)) for row in window],
        [float(row.get("delivered", 0)) for row in window],
        [row.get("p99_ms") for row in window],
        latency_max_ms=latency_max_ms,
    )


class _StopAfterKnee:
    """Watches a ramp's progress ticks and cancels the run once it is clearly overrun
    (:func:`loadgen.calibrate.knee.overrun` for ``STOP_AFTER_S``): the seconds past the knee only
    build a queue, and cost time."""

    def __init__(self, rate_at: Callable[[float], float], latency_max_ms: float) -> None:
        self.rate_at = rate_at
        self.latency_max_ms = latency_max_ms
        self.task: asyncio.Task[Any] | None = None
        self.bad_since: float | None = None
        self.stopped_at: float | None = None

    def __call__(self, _contender: str, tick: dict[str, Any]) -> None:
        t = float(tick["t"])
        if self.stopped_at is not None or t < 2.0:
            return
        offered = self.rate_at(t - 1.0)
        if not overrun(tick.get("p99_ms"), float(tick["delivered_per_s"]), offered,
                       latency_max_ms=self.latency_max_ms):  # fmt: skip
            self.bad_since = None
            return
        self.bad_since = t if self.bad_since is None else self.bad_since
        if t - self.bad_since >= STOP_AFTER_S and self.task is not None:
            self.stopped_at = t
            self.task.cancel()  # run_contender stops its workers and keeps what they measured


async def _ramp(
    contender: str,
    low: float,
    high: float,
    seconds: int,
    geometric: bool,
    options: CalibrationOptions,
    run_options: RunOptions,
) -> tuple[Knee, dict[str, Any]]:
    scenario = ramp_scenario(
        contender,
        low, high, seconds, backend=options.backend, connections=options.connections,
        geometric=geometric, profile=options.profile,
    )  # fmt: skip

    def rate_at(t: float) -> float:
        step = min(max(t - 1.0, 0.0), float(seconds))  # the ramp starts after a 1 s warm-up
        return low * _multiplier_at(step, seconds, high / low, geometric)

    stop = _StopAfterKnee(rate_at, options.latency_max_ms)
    mine = dataclasses.replace(run_options, contenders=(contender,), progress=None, on_tick=stop)
    stop.task = asyncio.ensure_future(run_scenario(scenario, "<calibration>", mine))
    try:
        path, document = await stop.task
    except RunError as exc:
        raise CalibrationError(f"{contender}: {exc}") from None
    runs = document.get("runs", [])
    if not runs or not runs[0].get("timeseries_rows"):
        reasons = "; ".join(document.get("partial_reasons", [])) or "no samples"
        raise CalibrationError(f"{contender}: the calibration ramp produced no series: {reasons}")
    judged = seconds if stop.stopped_at is None else min(seconds, int(stop.stopped_at) - 1)
    knee = series_knee(runs[0], 1, judged, options.latency_max_ms)
    stage = {
        "ramp": [round(low, 1), round(high, 1)],
        "geometric": geometric,
        "seconds": seconds,
        "stopped_at_s": stop.stopped_at,
        **knee.as_dict(),
        "valid": runs[0].get("validity", {}).get("valid", False),
        "validity_reasons": runs[0].get("validity", {}).get("reasons", []),
        "result": str(path),
    }
    return knee, stage


class CalibrationError(RuntimeError):
    """A calibration ramp could not be run or read."""


async def _calibrate_one(
    contender: str, options: CalibrationOptions, run_options: RunOptions, out: TextIO
) -> ContenderCapacity:
    started = time.monotonic()
    low, high = options.start_rate, options.max_rate
    knee, stage = await _ramp(contender, low, high, options.ramp_s, True, options, run_options)
    stages = [stage]
    if options.refine and knee.bounded != "above":
        if knee.bounded == "knee":
            low, high = (
                knee.capacity * options.refine_span[0],
                knee.capacity * options.refine_span[1],
            )
        else:  # overrun from the first second: look below the start
            low, high = options.start_rate / 8, options.start_rate * options.refine_span[1]
        knee, stage = await _ramp(
            contender, low, high, options.refine_s, False, options, run_options
        )
        stages.append(stage)
        if knee.bounded == "above" and high < options.max_rate:
            # The fast first ramp overruns late, so its estimate can lie below the knee by more
            # than the span: the refining ramp ended before it. Once more, from there up.
            span = options.refine_span[1] / options.refine_span[0]
            low, high = high, min(options.max_rate, high * span)
            below, (knee, stage) = (
                knee,
                await _ramp(contender, low, high, options.refine_s, False, options, run_options),
            )
            knee = extended(below, knee)
            stages.append(stage)
    # a ramp that ended before the knee never overran the server: no served-when-overrun figure
    overrun = "" if knee.bounded == "above" else f"; served {knee.plateau:,.0f}/s when overrun"
    print(
        f"calibrate: {contender}: {knee.capacity:,.0f} msgs/s ({knee.bounded}: {knee.reason}"
        f"{overrun}) in {time.monotonic() - started:.0f} s",
        file=out,
    )
    for bad in (st for st in stages if not st["valid"]):
        reasons = "; ".join(bad["validity_reasons"]) or "invalid"
        print(f"calibrate: {contender}: warning: a ramp was not a valid run: {reasons}", file=out)
    return ContenderCapacity(
        contender=contender,
        msgs_per_s=knee.capacity,
        bounded=knee.bounded,
        reason=knee.reason,
        plateau_per_s=knee.plateau,
        stages=tuple(stages),
    )


def calibrate(
    contenders: Sequence[str],
    options: CalibrationOptions,
    run_options: RunOptions,
    out: TextIO = sys.stdout,
) -> Calibration:
    """Measure each contender's capacity in turn (see the module docstring)."""
    started = time.monotonic()
    cal_options = dataclasses.replace(run_options, out_dir=run_options.out_dir / "calibration")
    capacities = [asyncio.run(_calibrate_one(c, options, cal_options, out)) for c in contenders]
    low, high = options.refine_span
    return Calibration(
        capacities=tuple(capacities),
        method=(
            f"geometric ramp {options.start_rate:g}-{options.max_rate:g} msgs/s over "
            f"{options.ramp_s} s, then linear {low:g}-{high:g}x over "
            f"{options.refine_s} s (again from its top if it ended below the knee); "
            "knee: served >= 95 % of offered over 2 s and per-second "
            f"p99 <= {options.latency_max_ms:g} ms"
        ),
        shape=SHAPE,
        backend=options.backend,
        duration_s=time.monotonic() - started,
    )
