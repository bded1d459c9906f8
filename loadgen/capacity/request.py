"""``bench capacity``, before anything runs: the request, checked into a :class:`SearchPlan`.

:func:`prepare` checks everything that can be checked before a server starts (the SLO, the
dimension, the scenario, the contenders, the search settings, the loads the scenario can
express) and raises :class:`BadInputError` naming what is wrong.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from loadgen.capacity.model import (
    DIMENSIONS,
    Dimension,
    SloError,
    base_load,
    load_limits,
    parse_slo,
    scenario_at,
)
from loadgen.capacity.search import SearchSettings
from loadgen.scenario.expectations import Expectation
from loadgen.scenario.load import Contender, Scenario, ScenarioError, load_scenario

# Default search range around the start load when --max / --min are not given.
DEFAULT_SPAN = 64.0


@dataclass(frozen=True)
class CapacityRequest:
    """What ``bench capacity`` was asked (None: the scenario's or the search's default)."""

    scenario: Path
    slo: str
    dimension: str = "rate"
    start: float | None = None
    max_load: float | None = None
    min_load: float | None = None
    step_factor: float = 2.0
    precision: float = 0.05
    confirm: int = 1
    warmup_s: float = 2.0
    step_s: float = 5.0
    max_steps: int = 30
    reuse_servers: bool = True  # keep servers running between steps that left no backlog
    cli: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # scenario overrides


class BadInputError(ValueError):
    """The request cannot run; the message says why."""


@dataclass(frozen=True)
class SearchPlan:
    """A checked request: the scenario, the SLO, the contenders and the search settings."""

    base: Scenario
    source: str
    slo: tuple[Expectation, ...]
    dimension: Dimension
    contenders: tuple[str, ...]
    settings: SearchSettings
    warmup_s: float
    step_s: float
    reuse_servers: bool = True

    def scenario(self, load: float) -> Scenario:
        return scenario_at(
            self.base, self.dimension, load, warmup_s=self.warmup_s, steady_s=self.step_s,
            slo=self.slo,
        )  # fmt: skip


def prepare(request: CapacityRequest, contenders: tuple[str, ...]) -> SearchPlan:
    """Check everything that can be checked before a server starts; :class:`BadInputError`."""
    try:
        slo = parse_slo(request.slo)
    except SloError as exc:
        raise BadInputError(f"bad --slo: {exc}") from None
    if request.dimension not in DIMENSIONS:
        raise BadInputError(
            f"bad --dimension {request.dimension!r}: use one of {', '.join(DIMENSIONS)}"
        )
    dimension: Dimension = "connections" if request.dimension == "connections" else "rate"
    try:
        base = load_scenario(request.scenario, cli=request.cli, env=os.environ)
    except ScenarioError as exc:
        raise BadInputError(str(exc)) from None
    known = get_args(Contender)
    for name in contenders:
        if name not in known:
            raise BadInputError(f"unknown contender {name!r}: use one of {', '.join(known)}")
        if name not in base.contenders:
            raise BadInputError(f"{name!r} is not a contender of {base.name!r}: {base.contenders}")
    chosen = tuple(c for c in base.contenders if not contenders or c in contenders)
    if request.warmup_s < 0 or request.step_s <= 0:
        raise BadInputError("--warmup must be >= 0 and --step-duration > 0 seconds")
    settings = _settings(request, base, dimension)
    problems = settings.problems()
    if problems:
        raise BadInputError("bad search settings: " + "; ".join(problems))
    # Devices: a kept server's MQTT bridge stays subscribed to the shared subscription, so the
    # broker would hand it every other message of another contender's step (measured: served
    # 50 %). With several contenders, each step starts its servers.
    reuse = request.reuse_servers and (base.devices is None or len(chosen) == 1)
    plan = SearchPlan(base, str(request.scenario), slo, dimension, chosen, settings,
                request.warmup_s, request.step_s, reuse)  # fmt: skip
    for load in (settings.min_load, settings.start, settings.max_load):
        try:
            plan.scenario(load)
        except ValueError as exc:
            raise BadInputError(str(exc)) from None
    return plan


def _settings(request: CapacityRequest, base: Scenario, dimension: Dimension) -> SearchSettings:
    lowest, highest = load_limits(dimension)
    integer = dimension == "connections"
    start = request.start if request.start is not None else base_load(base, dimension)
    max_load = request.max_load or min(start * DEFAULT_SPAN, highest)
    min_load = request.min_load or max(start / DEFAULT_SPAN, lowest)
    if integer:
        start, max_load, min_load = (
            float(round(start)),
            float(int(max_load)),
            float(round(min_load)),
        )
    return SearchSettings(
        start=start, max_load=max_load, min_load=min_load, step_factor=request.step_factor,
        precision=request.precision, confirm=request.confirm, integer=integer,
        max_steps=request.max_steps,
    )  # fmt: skip
