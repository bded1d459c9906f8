"""Capacity search, pure: the trials at one load and their verdict by majority.

A trial is one run at a load; ``confirm + 1`` agreeing runs decide that load's verdict. A
disturbed trial (other work took the CPU it needed) does not vote. A *decisive* trial (a
failure far beyond what a short stall explains: see :mod:`loadgen.capacity.step`) decides its
load alone: it weighs as ``confirm + 1`` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["pass", "fail", "unknown"]
OUTCOMES: tuple[Outcome, ...] = ("pass", "fail", "unknown")
Verdict = Literal["pass", "fail", "unknown", "undecided"]


@dataclass(frozen=True)
class Trial:
    """One run at ``load``; ``disturbed``: other work on the machine took the CPU it needed,
    so it does not vote; ``decisive``: its outcome is beyond noise, it decides alone."""

    load: float
    outcome: Outcome
    disturbed: bool = False
    decisive: bool = False


@dataclass(frozen=True)
class Judgement:
    """One load's verdict from its trials so far.

    ``verdict`` is decided by a majority, or provisional (the leading outcome so far), or
    ``undecided`` (runs tied); ``agree`` of ``runs`` gave it.
    """

    verdict: Verdict
    decided: bool
    runs: int
    agree: int

    @property
    def votes(self) -> str:
        """``"2/3"``: the runs that gave the verdict, of the runs made."""
        return f"{self.agree}/{self.runs}"


def judge(outcomes: Sequence[Outcome], confirm: int, decisive: Sequence[Outcome] = ()) -> Judgement:
    """Judge one load from its trials: ``confirm + 1`` agreeing runs decide; runs split three
    ways (pass, fail, unknown with ``confirm`` 1) decide ``unknown``: it cannot be judged.
    ``decisive``: the outcomes (also in ``outcomes``) of decisive runs, each weighing as
    ``confirm + 1`` runs."""
    if not outcomes:
        return Judgement("undecided", False, 0, 0)
    runs = len(outcomes)
    counts = {kind: outcomes.count(kind) + confirm * decisive.count(kind) for kind in OUTCOMES}
    if decisive:
        kind = max(OUTCOMES, key=lambda k: (counts[k], k == "fail"))  # a tie: the failure
        return Judgement(kind, True, runs, outcomes.count(kind))
    for kind in OUTCOMES:
        if counts[kind] >= confirm + 1:
            return Judgement(kind, True, runs, counts[kind])
    if runs >= 2 * confirm + 1:
        return Judgement("unknown", True, runs, counts["unknown"])
    top = max(counts.values())
    leaders = [kind for kind in OUTCOMES if counts[kind] == top]
    if len(leaders) == 1:
        return Judgement(leaders[0], False, runs, top)
    return Judgement("undecided", False, runs, 0)


def voting(trials: Sequence[Trial]) -> list[Trial]:
    """The trials that vote: those not disturbed."""
    return [trial for trial in trials if not trial.disturbed]


def judgements(trials: Sequence[Trial], confirm: int) -> dict[float, Judgement]:
    """Each load tried undisturbed, with its judgement, in the order first tried."""
    by_load: dict[float, list[Outcome]] = {}
    strong: dict[float, list[Outcome]] = {}
    for trial in voting(trials):
        by_load.setdefault(trial.load, []).append(trial.outcome)
        if trial.decisive:
            strong.setdefault(trial.load, []).append(trial.outcome)
    return {
        load: judge(outcomes, confirm, strong.get(load, ())) for load, outcomes in by_load.items()
    }
