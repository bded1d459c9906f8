"""``bench capacity``: find each contender's maximum sustainable load under an SLO.

Every step is a real short run through :func:`loadgen.runner.run_scenario` (its own result
file); :mod:`loadgen.capacity_search` picks the loads and :mod:`loadgen.capacity_model` judges
the runs. Contenders are searched side by side, one step each in turn, so that drift in the
machine does not favour one of them; at equal loads they run the identical plan (same seed).
The capacity result (``kind: sio-vs-channels-bench/capacity``) is rewritten after every step,
so Ctrl-C keeps what was measured.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, get_args

from loadgen import environment
from loadgen.capacity_model import (
    DIMENSIONS,
    Dimension,
    SloError,
    StepRecord,
    base_load,
    judge_step,
    load_limits,
    parse_slo,
    scenario_at,
    unit_of,
)
from loadgen.capacity_report import comparison, maximum, render
from loadgen.capacity_search import SearchSettings, Trial, conclude, next_load
from loadgen.expectations import Expectation
from loadgen.results import write_result
from loadgen.runner import ROOT, RunError, RunOptions, resolve_redis, run_scenario
from loadgen.scenario import Contender, Scenario, ScenarioError, dump, load_scenario, scenario_hash

SCHEMA_VERSION = 1
KIND = "sio-vs-channels-bench/capacity"
EXIT_OK, EXIT_INCOMPLETE, EXIT_BAD_INPUT = 0, 1, 2
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
    cli: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # scenario overrides


class BadInputError(ValueError):
    """The request cannot run; the message says why."""


@dataclass(frozen=True)
class Plan:
    """A checked request: the scenario, the SLO, the contenders and the search settings."""

    base: Scenario
    source: str
    slo: tuple[Expectation, ...]
    dimension: Dimension
    contenders: tuple[str, ...]
    settings: SearchSettings
    warmup_s: float
    step_s: float

    def scenario(self, load: float) -> Scenario:
        return scenario_at(
            self.base, self.dimension, load, warmup_s=self.warmup_s, steady_s=self.step_s,
            slo=self.slo,
        )  # fmt: skip


def prepare(request: CapacityRequest, contenders: tuple[str, ...]) -> Plan:
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
    plan = Plan(base, str(request.scenario), slo, dimension, chosen, settings,
                request.warmup_s, request.step_s)  # fmt: skip
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


def new_document(plan: Plan, capacity_id: str) -> dict[str, Any]:
    settings = dataclasses.asdict(plan.settings)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "capacity_id": capacity_id,
        "created": datetime.now(UTC).isoformat(),
        "status": "running",
        "environment": environment.collect(ROOT),
        "scenario": dump(plan.base),
        "scenario_source": plan.source,
        "scenario_hash": scenario_hash(plan.base),
        "slo": [str(e) for e in plan.slo],
        "search": {
            "dimension": plan.dimension,
            "unit": unit_of(plan.base, plan.dimension),
            **settings,
            "warmup_s": plan.warmup_s,
            "step_duration_s": plan.step_s,
            "drain_s": plan.base.drain_s,
        },
        "contenders": {
            name: {"steps": [], "maximum": None, "search_s": 0.0} for name in plan.contenders
        },
        "comparison": "",
    }


def _say(stream: TextIO | None, text: str) -> None:
    if stream is not None:
        stream.write(text + "\n")
        stream.flush()


def run_step(
    plan: Plan, contender: str, load: float, index: int, options: RunOptions
) -> tuple[StepRecord, bool]:
    """One real run of ``contender`` at ``load``: (its record, whether Ctrl-C stopped it)."""
    began = time.monotonic()
    step_options = dataclasses.replace(options, contenders=(contender,))
    path, document = asyncio.run(run_scenario(plan.scenario(load), plan.source, step_options))
    record = judge_step(
        document, plan.slo, index=index, load=load, result=str(path),
        elapsed_s=time.monotonic() - began,
    )  # fmt: skip
    interrupted = any("interrupted" in r for r in document.get("partial_reasons", []))
    return record, interrupted


def search(plan: Plan, options: RunOptions, out: Path, progress: TextIO | None) -> dict[str, Any]:
    """Run the interleaved searches; write ``out`` after every step; return the document."""
    document = new_document(plan, out.stem)
    unit = document["search"]["unit"]
    trials: dict[str, list[Trial]] = {c: [] for c in plan.contenders}
    active = list(plan.contenders)
    began = time.monotonic()
    stopped = ""
    while active and not stopped:
        for contender in list(active):
            load = next_load(trials[contender], plan.settings)
            if load is None:
                active.remove(contender)
                continue
            entry = document["contenders"][contender]
            index = len(entry["steps"]) + 1
            _say(progress, f"search {contender} step {index}: {load:g} {unit}")
            try:
                record, interrupted = run_step(plan, contender, load, index, options)
            except RunError as exc:
                stopped = f"stopped: {exc}"
                break
            trials[contender].append(Trial(load, record.outcome))
            entry["steps"].append(record.as_dict())
            entry["search_s"] += record.elapsed_s
            why = f" ({'; '.join(record.reasons)})" if record.reasons else ""
            _say(
                progress,
                f"search {contender} step {index}: {load:g} {unit} -> {record.outcome}{why}",
            )
            if interrupted:
                stopped = "interrupted (Ctrl-C)"
                break
            write_result(out, document)
    maxima = {}
    for contender in plan.contenders:
        conclusion = conclude(trials[contender], plan.settings)
        maxima[contender] = maximum(conclusion, unit)
        document["contenders"][contender]["maximum"] = maxima[contender]
    document["comparison"] = comparison(maxima, unit)
    document["status"] = stopped or "complete"
    document["elapsed_s"] = time.monotonic() - began
    write_result(out, document)
    return document


def run_capacity(
    request: CapacityRequest,
    options: RunOptions,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """``bench capacity``: 0 every search completed, 1 one could not (load-generator bound,
    step limit, no sustainable load, interrupted), 2 bad input (nothing is run)."""
    try:
        plan = prepare(request, options.contenders)
        resolve_redis(plan.base, options)
    except (BadInputError, RunError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    capacity_id = f"capacity-{plan.base.name}-{stamp}-{uuid.uuid4().hex[:6]}"
    path = options.out_dir / f"{capacity_id}.json"
    step_options = dataclasses.replace(options, out_dir=options.out_dir / capacity_id)
    document = search(plan, step_options, path, err)
    print(render(document), file=out)
    print(f"result: {path}", file=out)
    complete = document["status"] == "complete" and all(
        entry["maximum"]["complete"] for entry in document["contenders"].values()
    )
    return EXIT_OK if complete else EXIT_INCOMPLETE
