"""``bench capacity``: find each contender's maximum sustainable load under an SLO.

Every step is a real short run through :func:`loadgen.run.runner.run_scenario` (its own result
file); :mod:`loadgen.capacity.search` picks the loads and :mod:`loadgen.capacity.step` judges
the runs. Contenders are searched side by side, one step each in turn, so that drift in the
machine does not favour one of them; at equal loads they run the identical plan (same seed).
A contender's servers keep running from one of its steps to the next while the step before
left no backlog (a :class:`~loadgen.run.server_pool.ServerPool`); otherwise they are restarted,
and each step says which. The capacity result (``kind: sio-vs-channels-bench/capacity``) is
rewritten after every step, so Ctrl-C keeps what was measured.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import psutil

from documents import capacity as capacity_doc
from loadgen.capacity.conclusion import comparison, maximum
from loadgen.capacity.model import STEP_GRACE_S, scenario_at, unit_of
from loadgen.capacity.request import SearchPlan
from loadgen.capacity.search import conclude, next_load, step_length
from loadgen.capacity.step import (
    FOREIGN_CPU_MAX,
    SERVED_RATIO_MIN,
    Server,
    StepRecord,
    judge_step,
    restart_reason,
)
from loadgen.capacity.votes import Trial
from loadgen.measure import environment
from loadgen.run.runner import ROOT, RunError, RunOptions, run_scenario
from loadgen.run.server_pool import ServerPool
from loadgen.scenario.load import dump, scenario_hash


def new_document(plan: SearchPlan, capacity_id: str) -> dict[str, Any]:
    """The capacity result before its first step (``documents.capacity``)."""
    settings = dataclasses.asdict(plan.settings)
    head: capacity_doc.Envelope = {
        "schema_version": capacity_doc.SCHEMA_VERSION,
        "kind": capacity_doc.KIND,
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
            "votes": 2 * plan.settings.confirm + 1,
            "served_ratio_min": SERVED_RATIO_MIN,
            "step_grace_s": STEP_GRACE_S,
            "reuse_servers": plan.reuse_servers,
        },
        "contenders": {
            name: {"steps": [], "maximum": None, "search_s": 0.0} for name in plan.contenders
        },
        "comparison": "",
    }
    return {**head}


def _say(stream: TextIO | None, text: str) -> None:
    if stream is not None:
        stream.write(text + "\n")
        stream.flush()


def run_step(
    plan: SearchPlan,
    contender: str,
    load: float,
    index: int,
    options: RunOptions,
    server: tuple[Server, str],
    run_at_load: int,
    length: float = 1.0,
) -> tuple[StepRecord, bool]:
    """One real run of ``contender`` at ``load``, its steady phase ``length`` times the step
    duration: (its record, whether Ctrl-C stopped it)."""
    began, cpu = time.monotonic(), psutil.cpu_times()
    step_options = dataclasses.replace(options, contenders=(contender,))
    scenario = scenario_at(
        plan.base, plan.dimension, load, warmup_s=plan.warmup_s,
        steady_s=plan.step_s * length, slo=plan.slo,
    )  # fmt: skip
    path, document = asyncio.run(run_scenario(scenario, plan.source, step_options))
    record = judge_step(
        document, plan.slo, index=index, load=load, result=str(path),
        elapsed_s=time.monotonic() - began, server=server[0], server_why=server[1],
        run_at_load=run_at_load, machine_busy_pct=busy_pct(cpu, psutil.cpu_times()),
    )  # fmt: skip
    interrupted = any("interrupted" in r for r in document.get("partial_reasons", []))
    return record, interrupted


def busy_pct(before: Any, after: Any) -> float | None:
    """How busy every CPU was between two ``psutil.cpu_times()`` (percent of all CPUs)."""
    total = sum(after) - sum(before)
    idle = (after.idle - before.idle) + (getattr(after, "iowait", 0) - getattr(before, "iowait", 0))
    return round(100.0 * (1 - idle / total), 1) if total > 0 else None


def wait_for_quiet(progress: TextIO | None, timeout_s: float = 60.0) -> None:
    """After a disturbed step: wait (at most ``timeout_s``) until the machine, between steps,
    is busy with less than :data:`FOREIGN_CPU_MAX` of a core, so the load is not re-run into
    the same neighbour's work."""
    cores = psutil.cpu_count() or 1
    deadline = time.monotonic() + timeout_s
    said = False
    while (busy := psutil.cpu_percent(interval=1.0) * cores) > FOREIGN_CPU_MAX:
        if time.monotonic() > deadline:
            _say(progress, f"the machine is still busy ({busy:.0f}% of a core); running anyway")
            return
        if not said:
            _say(progress, f"waiting for a quiet machine (other work: {busy:.0f}% of a core)")
            said = True


def _server_state(
    pool: ServerPool | None, name: str, last: StepRecord | None
) -> tuple[Server, str]:
    """Whether the next step of contender ``name`` runs on its running servers, and why (not)."""
    if last is None:
        return "started", "the first step of the search"
    if pool is None:
        return "restarted", "reuse of servers between steps is turned off"
    if pool.running(name):
        return "reused", "kept running: the step before left no backlog"
    return "restarted", restart_reason(last) or "a server had exited"


def search(
    plan: SearchPlan, options: RunOptions, out: Path, progress: TextIO | None
) -> dict[str, Any]:
    """Run the interleaved searches; write ``out`` after every step; return the document.

    Every server the search starts is stopped before it returns, also on errors and Ctrl-C.
    """
    with ServerPool() as pool:
        kept = pool if plan.reuse_servers else None
        return _search(plan, dataclasses.replace(options, server_pool=kept), out, progress)


def _search(
    plan: SearchPlan, options: RunOptions, out: Path, progress: TextIO | None
) -> dict[str, Any]:
    document = new_document(plan, out.stem)
    unit = document["search"]["unit"]
    trials: dict[str, list[Trial]] = {c: [] for c in plan.contenders}
    last: dict[str, StepRecord | None] = dict.fromkeys(plan.contenders)
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
            previous = last[contender]
            if previous is not None and previous.disturbed:
                wait_for_quiet(progress)
            server = _server_state(options.server_pool, contender, previous)
            run = 1 + sum(1 for t in trials[contender] if t.load == load)
            length = step_length(trials[contender], plan.settings)
            _say(progress, f"search {contender} step {index}: {load:g} {unit} ({server[0]})")
            try:
                record, interrupted = run_step(
                    plan, contender, load, index, options, server, run, length
                )
            except RunError as exc:
                stopped = f"stopped: {exc}"
                break
            trials[contender].append(Trial(load, record.outcome, record.disturbed, record.decisive))
            entry["steps"].append(record.as_dict())
            entry["search_s"] += record.elapsed_s
            last[contender] = record
            if options.server_pool is not None and restart_reason(record):
                options.server_pool.discard(contender)
            why = f" ({'; '.join(record.reasons)})" if record.reasons else ""
            _say(
                progress,
                f"search {contender} step {index}: {load:g} {unit} -> {record.outcome}{why}",
            )
            if interrupted:
                stopped = "interrupted (Ctrl-C)"
                break
            capacity_doc.write(out, document)
    maxima = {}
    for contender in plan.contenders:
        conclusion = conclude(trials[contender], plan.settings)
        maxima[contender] = maximum(conclusion, unit)
        document["contenders"][contender]["maximum"] = maxima[contender]
    document["comparison"] = comparison(maxima, unit)
    document["status"] = stopped or "complete"
    document["elapsed_s"] = time.monotonic() - began
    capacity_doc.write(out, document)
    return document
