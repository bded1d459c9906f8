"""``bench suite --backends redis,rabbitmq,postgres``: the backplanes compared, per framework.

For each backplane and each contender that has it (the others are "not applicable"):

1. capacity: the suite's calibration ramp (echo shape, one instance) on that backplane, or
   ``--capacity`` given for every pair;
2. one run per backplane with every contender at the same common load: ``fraction`` of the
   lowest capacity measured, two instances, rooms of 10 spread over both, so about half the
   deliveries cross from the sender's instance to the other (timed apart: ``cross_p99_ms``);
3. the broker's CPU and memory over that run (its idle CPU measured just before);
4. the comparison document and its report (Markdown and HTML).

Exit status: 0 compared; 1 a run was invalid or partial, or no capacity could be measured;
2 bad input (a backplane list or a broker that is down, before anything runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from commands.backplane_brokers import brokers_for
from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from documents import backplanes as backplanes_doc
from loadgen.calibrate.ramp import CalibrationError, CalibrationOptions, calibrate
from loadgen.measure import environment
from loadgen.measure.broker_procs import broker_trees
from loadgen.run.runner import ROOT, RunError, RunOptions, run_scenario
from loadgen.scenario.model import Scenario
from report.backplanes import render_html, render_markdown
from report.backplanes_model import cell, not_applicable, verdicts
from servers.common.brokers import broker_problem
from servers.common.config import SHARED_BACKENDS, backend_unsupported
from servers.idiomatic.profiles import PROFILES, profile_unsupported

MEMBERS = 10  # per room: about half of a message's deliveries cross instances
FRACTION = 0.5  # of the lowest capacity: below every pair's knee
QUICK = {"connections": 100, "warmup_s": 1.0, "steady_s": 4.0, "ramp_s": 10, "refine_s": 8}
FULL = {"connections": 200, "warmup_s": 2.0, "steady_s": 10.0, "ramp_s": 14, "refine_s": 12}
# The refining ramp's range around the first estimate: the suite's 0.7-1.3x ended below the
# knee for 7 of 7 pairs here (the geometric ramp's estimate is conservative): lower bounds.
REFINE_SPAN = (0.7, 2.0)


@dataclasses.dataclass(frozen=True)
class BackplaneSettings:
    backends: tuple[str, ...]
    out_dir: Path
    quick: bool = False
    contenders: tuple[str, ...] = ()
    capacity: float | None = None  # msgs/s for every pair instead of calibrating
    fraction: float = FRACTION
    profile: str = "equal"
    redis_url: str | None = None
    rabbitmq_url: str | None = None
    postgres_url: str | None = None
    steady_s: float | None = None  # tests: shorter runs


def parse_backends(text: str) -> tuple[str, ...]:
    """``redis,rabbitmq,postgres`` as a tuple; ValueError saying what is wrong."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in SHARED_BACKENDS]
    if not names or bad or len(set(names)) != len(names):
        why = (
            f"unknown or one-instance backplane(s) {', '.join(bad)}"
            if bad
            else ("a backplane given twice" if names else "no backplane given")
        )
        raise ValueError(
            f"--backends wants a comma-separated list of {', '.join(SHARED_BACKENDS)}, each at "
            f"most once (memory has no backplane to compare), not {text!r}: {why}"
        )
    return tuple(names)


def pairs(
    backends: Sequence[str], contenders: Sequence[str], profile: str
) -> list[tuple[str, str, str | None]]:
    """Every (backend, contender, why it is not applicable or None)."""
    return [
        (b, c, backend_unsupported(c, b) or profile_unsupported(c, profile))
        for b in backends
        for c in contenders
    ]


def latency_scenario(
    backend: str, contenders: Sequence[str], deliveries_per_s: float, settings: BackplaneSettings
) -> Scenario:
    shape = QUICK if settings.quick else FULL
    steady = settings.steady_s or shape["steady_s"]
    count = int(shape["connections"])
    return Scenario.model_validate({
        "name": f"backplane-{backend}",
        "description": f"common load on {backend}: two instances, rooms of {MEMBERS}",
        "contenders": list(contenders),
        "backend": {"kind": backend},
        "instances": 2,
        "connections": {"count": count, "ramp_up_s": 1.0},
        "rooms": {"count": count // MEMBERS, "members_per_room": MEMBERS, "assignment": "fill"},
        "traffic": {"total_rate": deliveries_per_s / MEMBERS, "arrival": "uniform",
                    "message_bytes": 128},
        "phases": [{"name": "warmup", "kind": "warmup", "duration_s": shape["warmup_s"]},
                   {"name": "steady", "kind": "steady", "duration_s": steady}],
        "drain_s": 1.0, "grace_s": 5.0, "repetitions": 1, "profile": settings.profile,
    })  # fmt: skip


def _idle_cpu(backend: str, url: str, seconds: float) -> float | None:
    trees = broker_trees({backend: url})
    if backend not in trees:
        return None
    time.sleep(seconds)
    return trees[backend].sample(seconds)[0]


def _capacities(
    todo: Sequence[tuple[str, str]], settings: BackplaneSettings, options: RunOptions, out: TextIO
) -> dict[tuple[str, str], dict[str, Any] | str]:
    """Each pair's calibrated capacity (a dict), or why it has none (a string)."""
    shape = QUICK if settings.quick else FULL
    found: dict[tuple[str, str], dict[str, Any] | str] = {}
    for backend, contender in todo:
        if settings.capacity is not None:
            found[(backend, contender)] = {"msgs_per_s": settings.capacity, "given": True}
            continue
        cal = CalibrationOptions(
            backend=backend,
            ramp_s=int(shape["ramp_s"]),
            refine_s=int(shape["refine_s"]),
            profile=settings.profile,
            refine_span=REFINE_SPAN,
        )
        mine = dataclasses.replace(options, out_dir=options.out_dir / f"calibration-{backend}")
        print(f"backplanes: {backend}: calibrating {contender}", file=out, flush=True)
        try:
            entry = calibrate([contender], cal, mine, out).capacities[0].as_dict()
        except CalibrationError as exc:
            found[(backend, contender)] = f"calibration failed: {exc}"
            continue
        entry["stages"] = [s.get("result") for s in entry["stages"]]
        found[(backend, contender)] = entry
    return found


def run_backplanes(settings: BackplaneSettings, out: TextIO = sys.stdout) -> int:
    problem = _bad_input(settings)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from commands.suite import node_reference_available

    contenders = list(settings.contenders) or ["sio", "channels"] + (
        ["sio-node"] if node_reference_available() else []
    )
    matrix = pairs(settings.backends, contenders, settings.profile)
    with contextlib.ExitStack() as stack:
        urls, how = brokers_for(settings, stack, out)
        return _compare(settings, contenders, matrix, urls, how, out)


def _compare(
    settings: BackplaneSettings,
    contenders: list[str],
    matrix: list[tuple[str, str, str | None]],
    urls: dict[str, str],
    how: dict[str, str],
    out: TextIO,
) -> int:
    for backend in settings.backends:  # a broker that is down: one line, before anything runs
        for kind in dict.fromkeys((backend, "redis")):
            if (why := broker_problem(kind, urls[kind])) is not None:
                print(f"error: {why}", file=sys.stderr)
                return EXIT_BAD_INPUT
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    work = settings.out_dir / f"backplanes-{stamp}"
    options = RunOptions(
        out_dir=work,
        redis_url=urls["redis"],
        rabbitmq_url=urls.get("rabbitmq"),
        postgres_url=urls.get("postgres"),
    )  # a broker not compared: not needed
    todo = [(b, c) for b, c, why in matrix if why is None]
    capacities = _capacities(todo, settings, options, out)
    measured = [float(v["msgs_per_s"]) for v in capacities.values() if isinstance(v, dict)]
    if not measured:
        print("error: no capacity could be measured: " + "; ".join(
            str(v) for v in capacities.values()), file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    base = min(measured)
    weakest = next(f"{c} on {b}" for (b, c), v in capacities.items()
                   if isinstance(v, dict) and float(v["msgs_per_s"]) == base)  # fmt: skip
    deliveries = settings.fraction * base
    cells, results, status = [], [], EXIT_OK
    for backend in settings.backends:
        here = [c for b, c in todo if b == backend]
        idle = _idle_cpu(backend, urls[backend], 1.0)
        records: dict[str, dict[str, Any]] = {}
        why_not = ""
        if here:
            scenario = latency_scenario(backend, here, deliveries, settings)
            print(f"backplanes: {backend}: {', '.join(here)} at {deliveries:,.0f} deliveries/s",
                  file=out, flush=True)  # fmt: skip
            try:
                path, doc = asyncio.run(run_scenario(scenario, f"<backplanes {backend}>", options))
                results.append(str(path))
                records = {r["contender"]: r for r in doc["runs"]}
                if doc["status"] != "complete":
                    status = EXIT_FAILED
            except RunError as exc:
                why_not, status = str(exc), EXIT_FAILED
        for b, c, why in matrix:
            if b != backend:
                continue
            if why is not None:
                cells.append(not_applicable(b, c, why.split("not applicable: ", 1)[-1]))
                continue
            cap = capacities.get((b, c))
            record = records.get(c)
            if record is not None and not record.get("validity", {}).get("valid", False):
                status = EXIT_FAILED
            cells.append(cell(b, c, cap if isinstance(cap, dict) else None, record, idle,
                              reason=cap if isinstance(cap, str) else why_not))  # fmt: skip
    shape = QUICK if settings.quick else FULL
    document = backplanes_doc.new(
        backends=list(settings.backends), contenders=contenders, cells=cells,
        load={"fraction": settings.fraction, "base": weakest, "base_msgs_per_s": base,
              "deliveries_per_s": deliveries, "msgs_per_s": deliveries / MEMBERS,
              "members_per_room": MEMBERS, "connections": shape["connections"]},
        settings={"quick": settings.quick, "profile": settings.profile, "brokers": how,
                  "capacity_method": "capacity given" if settings.capacity else (
                      f"capacity: calibration ramp, geometric {shape['ramp_s']} s then linear "
                      f"{REFINE_SPAN[0]:g}-{REFINE_SPAN[1]:g}x over {shape['refine_s']} s, "
                      "echo shape, one instance")},
        results=results, environment=environment.collect(ROOT),
    )  # fmt: skip
    path = settings.out_dir / f"backplanes-{stamp}.json"
    backplanes_doc.write(path, document)
    write_backplane_report(document, work)
    for line in verdicts(contenders, cells):
        print(f"- {line}", file=out)
    print(f"comparison: {path}\nreport: {work / 'report.html'}\nreport: {work / 'report.md'}",
          file=out)  # fmt: skip
    return status


def write_backplane_report(document: dict[str, Any], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    md, page = directory / "report.md", directory / "report.html"
    md.write_text(render_markdown(document), encoding="utf-8")
    page.write_text(render_html(document), encoding="utf-8")
    return [page, md]


def _bad_input(settings: BackplaneSettings) -> str | None:
    if settings.capacity is not None and not settings.capacity > 0:
        return f"--capacity should be msgs/s > 0, not {settings.capacity:g}"
    if settings.profile not in PROFILES:
        return f"--profile should be one of {', '.join(PROFILES)}"
    if not 0 < settings.fraction < 1:
        return f"the common load's fraction should be between 0 and 1, not {settings.fraction:g}"
    return None
