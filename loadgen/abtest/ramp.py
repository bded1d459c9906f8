"""Calibration for ``bench check --base``: how much load the base tree's contenders sustain on
this machine today, by a bounded ramp of short runs (I/O around :mod:`loadgen.abtest.model`).

Contenders are ramped one after the other; a later one starts at the lowest sustained load so
far and is never taken above it (the check runs every contender at one load, a fraction of the
weakest contender's), so it usually costs one step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from loadgen.abtest.model import Side, Step, ab_scenario, next_rate, step_passes, sustained
from loadgen.abtest.session import run_sides
from loadgen.run.runner import RunOptions
from loadgen.run.server_pool import ServerPool
from loadgen.scenario.load import Scenario

STEP_WARMUP_S = 0.5
STEP_MEASURED_S = 2.0
MAX_STEPS = 3


class CalibrationError(Exception):
    """No load was sustained, not even the lowest step."""


@dataclass
class Calibration:
    steps: dict[str, list[Step]] = field(default_factory=dict)

    @property
    def sustained(self) -> float | None:
        """The weakest contender's highest passing load (None before any contender passed)."""
        values = [sustained(s) for s in self.steps.values()]
        return min((v for v in values if v is not None), default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": f"bounded ramp: {STEP_MEASURED_S:g} s steps, x2 up or down, "
            f"at most {MAX_STEPS} per contender, of the base tree's servers",
            "steps": {c: [{"rate": r, "passed": ok} for r, ok in s] for c, s in self.steps.items()},
            "sustained_msgs_per_s": self.sustained,
        }


def _summary(record: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    measured = [p for p in record.get("phases", []) if p.get("kind") != "warmup"]
    summary: dict[str, Any] = measured[-1]["summary"] if measured else {}
    valid = bool(record.get("validity", {}).get("valid")) and record.get("status") == "complete"
    return summary, valid


async def calibrate(
    scenario: Scenario, source: str, contenders: Sequence[str], side: Side, options: RunOptions,
    *, start: float,
) -> Calibration:  # fmt: skip
    """Ramp each contender of ``side`` from ``start`` total operations/s."""
    calibration = Calibration()
    with ServerPool() as pool:
        for contender in contenders:
            await _ramp(scenario, source, contender, side, options, start, calibration, pool)
    return calibration


async def _ramp(
    scenario: Scenario, source: str, contender: str, side: Side, options: RunOptions,
    start: float, calibration: Calibration, pool: ServerPool,
) -> None:  # fmt: skip
    """One contender's steps; its servers are kept from a step that kept up to the next."""
    floor = calibration.sustained
    history: list[Step] = []
    calibration.steps[contender] = history
    first = floor or start
    while rate := next_rate(history, start=first, max_steps=MAX_STEPS, ceiling=floor):
        step = ab_scenario(scenario, rate, warmup_s=STEP_WARMUP_S,
                           measured_s=STEP_MEASURED_S, repetitions=1)  # fmt: skip
        document = await run_sides(
            step, source, [(contender, side, 0)], options, name=f"calibrate-{contender}",
            pools={side.tag: pool},
        )  # fmt: skip
        summary, valid = _summary(document["runs"][0])
        passed = step_passes(summary, valid)
        if not passed:  # a backlog or a sick server: the next step starts afresh
            pool.discard(contender)
        history.append((rate, passed))
        _say(options, contender, rate, passed, summary)
    pool.discard(contender)
    if sustained(history) is None:
        raise CalibrationError(
            f"{contender} of the base tree sustained none of the loads tried "
            f"({', '.join(f'{r:g}' for r, _ in history)} msgs/s)"
        )


def _say(
    options: RunOptions, contender: str, rate: float, passed: bool, summary: dict[str, Any]
) -> None:
    if options.progress is None:
        return
    p99 = summary.get("p99_ms")
    served = summary.get("served_ratio")
    options.progress.write(
        f"calibration: {contender} at {rate:g} msgs/s: {'kept up' if passed else 'did not'}"
        f" (p99 {'-' if p99 is None else f'{p99:.1f} ms'}"
        f"{'' if served is None else f', served {served:.0%}'})\n"
    )
    options.progress.flush()
