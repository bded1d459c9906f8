"""Capacity search, pure: which load to try next, and what the trials so far conclude.

The search raises the offered load in geometric steps (``start``, ``start * factor``, ...) until
a step breaks the SLO, then bisects between the highest passing and the lowest failing load
until they are within ``precision`` of each other. The answer is the highest passing load.

Each trial has one of three outcomes:

- ``pass``: the run met the SLO;
- ``fail``: it did not (the server's limit);
- ``unknown``: the run measured nothing usable about the server, above all because the load
  generator itself was the bottleneck. An unknown load is a ceiling the search cannot look
  past, never a limit of the server: the search stops raising and narrows below it, and the
  conclusion says "at least X".

Noise: a failing load is re-run up to ``confirm`` more times and judged by majority (a pass on
the first try is accepted). A pass above a load that was judged failing is kept in the record
and reported as non-monotone, but does not move the answer.

No I/O, no clock: the caller runs trials and feeds them back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["pass", "fail", "unknown"]
Verdict = Literal["pass", "fail", "unknown", "undecided"]
Status = Literal["found", "at_least", "loadgen_limited", "none", "step_limit", "running"]
# Statuses that answer the question; anything else means the search could not complete.
COMPLETE: frozenset[str] = frozenset({"found", "at_least"})


@dataclass(frozen=True)
class SearchSettings:
    """How the search moves.

    Attributes:
        start: the first load tried.
        max_load: never try above this; passing here ends the search ("at least").
        min_load: never try below this; failing here ends it (no sustainable load).
        step_factor: the geometric step, up while passing, down while failing from the start.
        precision: stop when the lowest failing load is within ``(1 + precision)`` of the
            highest passing one.
        confirm: extra runs of a failing (or unmeasurable) load, judged by majority.
        integer: loads are whole numbers (a connection count).
        max_steps: a safety cap on the number of trials.
    """

    start: float
    max_load: float
    min_load: float
    step_factor: float = 2.0
    precision: float = 0.05
    confirm: int = 1
    integer: bool = False
    max_steps: int = 30

    def problems(self) -> list[str]:
        """What is wrong with these settings, in words (empty when they are usable)."""
        found: list[str] = []
        for name in ("start", "max_load", "min_load", "step_factor", "precision"):
            if not math.isfinite(getattr(self, name)):
                found.append(f"{name} must be a finite number")
        if found:
            return found
        if self.min_load <= 0:
            found.append(f"the minimum load must be > 0, not {self.min_load:g}")
        if not self.min_load <= self.start <= self.max_load:
            found.append(
                f"the start load {self.start:g} must lie between the minimum "
                f"{self.min_load:g} and the maximum {self.max_load:g}"
            )
        if self.step_factor <= 1:
            found.append(f"the step factor must be > 1, not {self.step_factor:g}")
        if not 0 < self.precision < 1:
            found.append(
                f"the precision must be between 0 and 1 (0.05 = 5%), not {self.precision:g}"
            )
        if self.confirm < 0:
            found.append(f"confirm must be >= 0, not {self.confirm}")
        if self.max_steps < 1:
            found.append(f"max_steps must be >= 1, not {self.max_steps}")
        return found


@dataclass(frozen=True)
class Trial:
    load: float
    outcome: Outcome


@dataclass(frozen=True)
class Conclusion:
    """What the trials say about the maximum sustainable load.

    Attributes:
        status: ``found`` (bracketed by a pass and a fail within the precision), ``at_least``
            (passed at the search's maximum), ``loadgen_limited`` (the bracket's top is a load
            that could not be measured: the answer is a lower bound), ``none`` (failed even at
            the minimum load), ``step_limit`` (ran out of steps), ``running`` (not done).
        max_load: the highest load judged passing below the ceiling (None when none passed).
        ceiling: the lowest load judged failing or unknown (None when every load passed).
        ceiling_outcome: what the ceiling was judged.
        non_monotone: loads that passed although a lower load was judged failing.
    """

    status: Status
    max_load: float | None
    ceiling: float | None
    ceiling_outcome: Outcome | None
    trials: int
    non_monotone: tuple[float, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.status in COMPLETE


def verdict(outcomes: Sequence[Outcome], confirm: int) -> Verdict:
    """Judge one load from its trials, in the order they ran.

    A first pass is accepted at once. Otherwise ``confirm + 1`` passes or fails decide
    (majority of ``2 * confirm + 1``), and ``confirm + 1`` unmeasurable runs make it unknown.
    """
    if not outcomes:
        return "undecided"
    needed = confirm + 1
    passes = outcomes.count("pass")
    fails = outcomes.count("fail")
    if passes and not fails:
        return "pass"
    if passes >= needed:
        return "pass"
    if fails >= needed:
        return "fail"
    if outcomes.count("unknown") >= needed:
        return "unknown"
    return "undecided"


def verdicts(trials: Sequence[Trial], confirm: int) -> dict[float, Verdict]:
    """Each load tried, with its verdict, in the order first tried."""
    by_load: dict[float, list[Outcome]] = {}
    for trial in trials:
        by_load.setdefault(trial.load, []).append(trial.outcome)
    return {load: verdict(outcomes, confirm) for load, outcomes in by_load.items()}


def _bracket(
    judged: dict[float, Verdict],
) -> tuple[float | None, float | None, Outcome | None, tuple[float, ...]]:
    """(highest pass below the ceiling, ceiling, the ceiling's verdict, passes above it)."""
    tops = [(load, v) for load, v in judged.items() if v in ("fail", "unknown")]
    ceiling, kind = min(tops) if tops else (None, None)
    passes = [load for load, v in judged.items() if v == "pass"]
    below = [load for load in passes if ceiling is None or load < ceiling]
    above = tuple(sorted(load for load in passes if ceiling is not None and load >= ceiling))
    outcome: Outcome | None = None if kind is None else ("fail" if kind == "fail" else "unknown")
    return (max(below) if below else None), ceiling, outcome, above


def _round(load: float, settings: SearchSettings) -> float:
    return float(round(load)) if settings.integer else load


def _up(low: float, settings: SearchSettings) -> float:
    raised = min(low * settings.step_factor, settings.max_load)
    return (
        min(max(float(round(raised)), low + 1), settings.max_load) if settings.integer else raised
    )


def _down(ceiling: float, settings: SearchSettings) -> float:
    lowered = max(ceiling / settings.step_factor, settings.min_load)
    if settings.integer:
        return max(min(float(round(lowered)), ceiling - 1), settings.min_load)
    return lowered


def _narrow_enough(low: float, high: float, settings: SearchSettings) -> bool:
    if settings.integer and high - low <= 1:
        return True
    return high <= low * (1 + settings.precision)


def _candidate(judged: dict[float, Verdict], settings: SearchSettings) -> float | None:
    """The next load by the rules alone (None when the search is done)."""
    if not judged:
        return _round(settings.start, settings)
    low, ceiling, _, _ = _bracket(judged)
    if ceiling is None:  # every load passed: raise
        assert low is not None
        if low >= settings.max_load:
            return None
        return _up(low, settings)
    if low is None:  # nothing passed yet: lower
        if ceiling <= settings.min_load:
            return None
        return _down(ceiling, settings)
    if _narrow_enough(low, ceiling, settings):
        return None
    return _round((low + ceiling) / 2, settings)


def next_load(trials: Sequence[Trial], settings: SearchSettings) -> float | None:
    """The load to try next, or None when the search is over.

    A load whose verdict is still open (a failure awaiting confirmation) is tried again
    first; a candidate that was already judged ends the search (it cannot narrow further).
    """
    if len(trials) >= settings.max_steps:
        return None
    judged = verdicts(trials, settings.confirm)
    if trials and judged[trials[-1].load] == "undecided":
        return trials[-1].load
    candidate = _candidate(judged, settings)
    if candidate is None or candidate in judged:
        return None
    return candidate


def conclude(trials: Sequence[Trial], settings: SearchSettings) -> Conclusion:
    """What the trials so far say (status ``running`` while :func:`next_load` has more)."""
    judged = verdicts(trials, settings.confirm)
    low, ceiling, kind, above = _bracket(judged)
    status: Status
    if next_load(trials, settings) is not None:
        status = "running"
    elif len(trials) >= settings.max_steps and _candidate(judged, settings) is not None:
        status = "step_limit"
    elif kind == "unknown":
        status = "loadgen_limited"
    elif ceiling is None:
        status = "at_least" if low is not None else "step_limit"
    elif low is None:
        status = "none"
    else:
        status = "found"
    return Conclusion(status, low, ceiling, kind, len(trials), above)
