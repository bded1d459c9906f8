"""Contender runs from two trees, interleaved, into one result document (I/O).

The load generator is always the current tree's (same client, same plan for both sides); only
the servers come from the side's tree and interpreter. Each record is labelled
``contender@tag`` (``sio@base``, ``sio@HEAD``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from documents import result as result_doc
from loadgen.abtest.model import Side, label
from loadgen.measure import environment
from loadgen.measure.record import build_run_record
from loadgen.plan.build import build_plan, partition
from loadgen.run.contender import RunContext, run_contender
from loadgen.run.progress import Progress
from loadgen.run.runner import (
    ROOT,
    RunOptions,
    client_kind,
    contender_delay_ms,
    default_workers,
    pinning,
    resolve_redis,
    server_config,
)
from loadgen.run.server_pool import ServerPool
from loadgen.scenario.load import Scenario, scenario_hash
from loadgen.scenario.resolve import dump
from servers.launch import AsgiSettings

Order = Sequence[tuple[str, Side, int]]  # (contender, side, repetition)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a contender run: what was measured is kept, the check stops."""


def _say(options: RunOptions, text: str) -> None:
    if options.progress is not None:
        options.progress.write(text + "\n")
        options.progress.flush()


async def run_sides(
    scenario: Scenario, source: str, order: Order, options: RunOptions, *, name: str,
    extra: dict[str, Any] | None = None, out: Path | None = None,
    pools: Mapping[str, ServerPool] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run ``order`` (every contender run its own servers from its side's tree) on one plan;
    write the document to ``out`` after every run when given; return it. With ``pools`` (one
    per side tag), a side's servers outlive a run and serve its next run of that contender."""
    redis_url = resolve_redis(scenario, options)
    plan = build_plan(scenario)
    server_cpus, loadgen_cpus = pinning(options.pin)
    workers = options.workers or default_workers(len(plan.connections), loadgen_cpus)
    partitions = [p for p in partition(plan, workers) if p]
    asgi = AsgiSettings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{name}-{stamp}-{uuid.uuid4().hex[:6]}"
    work_dir = options.out_dir / "runs" / run_id
    env = environment.collect(ROOT)
    env["pinning"] = {"servers": server_cpus, "loadgen": loadgen_cpus}
    delays = {
        label(c, side.tag): d
        for c, side, _ in order
        if side.inject_delay and (d := contender_delay_ms(os.environ, c))
    }
    document = result_doc.new(
        run_id=run_id, environment=env, scenario=dump(scenario), scenario_source=source,
        scenario_hash=scenario_hash(scenario), plan_digest=plan.digest(),
    )  # fmt: skip
    document.update(extra or {})
    progress = Progress(options.progress, plan)
    for position, (contender, side, rep) in enumerate(order):
        name_ = label(contender, side.tag)
        tag = f"{run_id[-6:]}-{contender}-{side.tag}-{rep}"
        run_dir = work_dir / f"{position:02d}-{contender}-{side.tag}-{rep}"
        run_dir.mkdir(parents=True, exist_ok=True)
        config = server_config(
            scenario, options, redis_url, run_dir, tag, contender if side.inject_delay else None
        )
        if not document["settings"]:
            document["settings"] = {
                "server": config.describe(), "asgi": asgi.describe(), "client": "fast",
                "transport": scenario.connections.transport, "workers": len(partitions),
                "remote_workers": False, "injected_delay_ms": delays,
                "backend_note": f"{scenario.backend.kind} backend"
                + (f" ({redis_url})" if redis_url else ""),
            }  # fmt: skip
        _say(options, f"{scenario.name}: {name_} (repetition {rep + 1})")
        ctx = RunContext(
            contender=contender, repetition=rep, scenario_data=dump(scenario),
            scenario_source=source, config=config, asgi=asgi, instances=scenario.instances,
            workers=len(partitions), partitions=partitions,
            client_kind=client_kind(scenario, options, contender), library=None,
            run_dir=run_dir, server_cpus=server_cpus, loadgen_cpus=loadgen_cpus,
            connect_ramp_s=scenario.connections.ramp_up_s, duration_s=plan.duration_s,
            drain_s=plan.drain_s, redis_url=redis_url, run_id=run_id, on_tick=progress,
            server_python=side.python, server_cwd=side.cwd,
            server_pool=pools.get(side.tag) if pools else None,
        )  # fmt: skip
        outcome = await run_contender(ctx)
        progress.end()
        record = build_run_record(scenario, plan, name_, rep, position, outcome)
        record["side"] = side.describe()
        document["runs"].append(record)
        document["partial_reasons"] += [f"{name_}#{rep}: {r}" for r in outcome.partial_reasons]
        if out is not None:
            result_doc.write(out, document)
        if outcome.interrupted:
            raise Interrupted
    document["status"] = "partial" if document["partial_reasons"] else "complete"
    if out is not None:
        result_doc.write(out, document)
    return document
