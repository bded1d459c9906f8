"""Capacity search, pure: which load to try next, and what the trials so far conclude.

The search raises the offered load in geometric steps (``start``, ``start * factor``, ...) until
a step breaks the SLO, then bisects between the highest passing and the lowest failing load
until they are within ``precision`` of each other. The answer is an interval: the highest load
judged passing and the lowest judged failing, with its spread (``high / low - 1``).

Each trial has one of three outcomes:

- ``pass``: the run met the SLO, kept up with the offered load and its queue did not grow;
- ``fail``: it did not (the server's limit);
- ``unknown``: the run measured nothing usable about the server, above all because the load
  generator itself was the bottleneck. An unknown load is a ceiling the search cannot look
  past, never a limit of the server: the search stops raising and narrows below it, and the
  conclusion says "at least X".

Noise (a step near the knee is a coin toss): the two bounds of the interval, the lowest failing
load and, once something failed, the highest passing one, are run up to ``2 * confirm + 1``
times each and decided by ``confirm + 1`` agreeing runs, once the rules alone would end the
search: the raise and the bisection move on first runs, and a vote that overturns a bound
moves the interval and the bisection goes on. Every bound of the answer is decided by
majority; a bisection point that ends up no bound costs one run, not two or three. A decisive
failure (too far behind for a stall to explain) decides its load in one run. A pass above a
load judged failing is kept and reported as non-monotone, but does not move the answer.

Longer steps at the knee: once a load has failed (or could not be measured) the search is
near the server's limit, and every further step runs ``knee_length`` times the step duration
(:func:`step_length`). Near its limit a server's latency is ruled by rare stalls whose queue
drains slowly; whether a short step met one decides its verdict, so the boundary wanders. A
longer step averages over more of them, which makes pass and fail steeper functions of the
load. Loads passed while raising, far below the knee, keep the short step.

A disturbed trial (the machine was busy with other work while it ran; see
:mod:`loadgen.capacity.step`) does not vote: its load is judged as if it had not run, so the
search runs it again. ``max_steps`` counts it, so a machine that never quiets ends the search
(``step_limit``).

No I/O, no clock: the caller runs trials and feeds them back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from loadgen.capacity.votes import (
    Judgement,
    Outcome,
    Trial,
    judgements,
    voting,
)

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
        confirm: the bounds of the interval run up to ``2 * confirm + 1`` times, decided
            by ``confirm + 1`` agreeing runs (1: a majority of 3; 0: one run decides).
        integer: loads are whole numbers (a connection count).
        max_steps: a safety cap on the number of trials.
        knee_length: once a load failed, steps run this many times the step duration
            (1: every step the same length).
    """

    start: float
    max_load: float
    min_load: float
    step_factor: float = 2.0
    precision: float = 0.05
    confirm: int = 1
    integer: bool = False
    max_steps: int = 30
    knee_length: float = 3.0

    def problems(self) -> list[str]:
        """What is wrong with these settings, in words (empty when they are usable)."""
        found: list[str] = []
        for name in ("start", "max_load", "min_load", "step_factor", "precision", "knee_length"):
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
        if self.knee_length < 1:
            found.append(f"the knee length must be >= 1 (times the step), not {self.knee_length:g}")
        if self.max_steps < 1:
            found.append(f"max_steps must be >= 1, not {self.max_steps}")
        return found


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
        max_votes, ceiling_votes: how the bounds were decided (``"2/3"``: 2 of 3 runs).
    """

    status: Status
    max_load: float | None
    ceiling: float | None
    ceiling_outcome: Outcome | None
    trials: int
    non_monotone: tuple[float, ...] = field(default=())
    max_votes: str | None = None
    ceiling_votes: str | None = None

    @property
    def complete(self) -> bool:
        return self.status in COMPLETE

    @property
    def spread(self) -> float | None:
        """How wide the interval is: ``ceiling / max_load - 1`` (None without both bounds)."""
        if self.max_load is None or self.ceiling is None or self.max_load <= 0:
            return None
        return self.ceiling / self.max_load - 1


def _bracket(
    judged: dict[float, Judgement],
) -> tuple[float | None, float | None, Outcome | None, tuple[float, ...]]:
    """(highest pass below the ceiling, ceiling, the ceiling's verdict, passes above it)."""
    tops = [(load, j.verdict) for load, j in judged.items() if j.verdict in ("fail", "unknown")]
    ceiling, kind = min(tops) if tops else (None, None)
    passes = [load for load, j in judged.items() if j.verdict == "pass"]
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


def _candidate(judged: dict[float, Judgement], settings: SearchSettings) -> float | None:
    """The next new load by the rules alone (None when the search is done)."""
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


def _split(trials: Sequence[Trial], judged: dict[float, Judgement]) -> float | None:
    """The latest load whose runs are tied: it runs again before anything else."""
    for trial in reversed(voting(trials)):
        if judged[trial.load].verdict == "undecided":
            return trial.load
    return None


def _bound_to_confirm(judged: dict[float, Judgement]) -> float | None:
    """A bound of the interval not yet decided by majority: the ceiling, then (once there is
    a ceiling) the highest pass."""
    low, ceiling, _, _ = _bracket(judged)
    if ceiling is not None and not judged[ceiling].decided:
        return ceiling
    if ceiling is not None and low is not None and not judged[low].decided:
        return low
    return None


def _to_confirm(
    trials: Sequence[Trial], judged: dict[float, Judgement], settings: SearchSettings
) -> float | None:
    """A load that must run again: a split load; else, once the rules alone would end the
    search (no new candidate), a bound of the interval not yet decided."""
    split = _split(trials, judged)
    if split is not None:
        return split
    candidate = _candidate(judged, settings)
    if candidate is not None and candidate not in judged:
        return None
    return _bound_to_confirm(judged)


def next_load(trials: Sequence[Trial], settings: SearchSettings) -> float | None:
    """The load to try next, or None when the search is over: a tied load, else the next
    load by the rules alone, else (they would end the search) a bound awaiting its majority."""
    if len(trials) >= settings.max_steps:
        return None
    judged = judgements(trials, settings.confirm)
    again = _to_confirm(trials, judged, settings)
    if again is not None:
        return again
    candidate = _candidate(judged, settings)
    if candidate is None or candidate in judged:
        return None
    return candidate


def at_knee(trials: Sequence[Trial]) -> bool:
    """Whether the search has reached the knee: some load failed or could not be measured."""
    return any(trial.outcome != "pass" for trial in voting(trials))


def step_length(trials: Sequence[Trial], settings: SearchSettings) -> float:
    """How many times the step duration the next step runs: ``knee_length`` at the knee."""
    return settings.knee_length if at_knee(trials) else 1.0


def conclude(trials: Sequence[Trial], settings: SearchSettings) -> Conclusion:
    """What the trials so far say (status ``running`` while :func:`next_load` has more)."""
    judged = judgements(trials, settings.confirm)
    low, ceiling, kind, above = _bracket(judged)
    status: Status
    if next_load(trials, settings) is not None:
        status = "running"
    elif len(trials) >= settings.max_steps and (
        _to_confirm(trials, judged, settings) is not None
        or _candidate(judged, settings) is not None
    ):
        status = "step_limit"
    elif kind == "unknown":
        status = "loadgen_limited"
    elif ceiling is None:
        status = "at_least" if low is not None else "step_limit"
    elif low is None:
        status = "none"
    else:
        status = "found"
    return Conclusion(
        status, low, ceiling, kind, len(trials), above,
        max_votes=judged[low].votes if low is not None else None,
        ceiling_votes=judged[ceiling].votes if ceiling is not None else None,
    )  # fmt: skip
