"""``bench check --base GITREF [SCENARIO]``: glue and exit codes (0 pass, 1 regression or an
invalid A/B run, 2 bad input: no git, an unknown ref, a dirty tree, a bad scenario, no Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from documents import check as check_doc
from loadgen.abtest.model import Side, ab_scenario, run_order
from loadgen.abtest.ramp import CalibrationError, calibrate
from loadgen.abtest.session import run_sides
from loadgen.abtest.trees import TreeError, base_tree, current_side, resolve
from loadgen.run.runner import ROOT, RunError, RunOptions, resolve_redis
from loadgen.run.server_pool import ServerPool
from loadgen.scenario.load import Scenario, ScenarioError, load_scenario
from servers.launch import CONTENDERS
from servers.launch.redis import RedisServer

DEFAULT_SCENARIO = ROOT / "scenarios" / "ci-short.yaml"
START_FRACTION = 0.5  # the calibration ramp starts at half the scenario file's rate


@dataclass(frozen=True)
class ABSettings:
    ref: str
    scenario: Path = DEFAULT_SCENARIO
    contenders: tuple[str, ...] = ()  # default: the scenario's, without ``reference``
    repetitions: int = 3
    warmup_s: float = 1.0
    measured_s: float = 3.0
    fraction: float = 0.5  # of the calibrated load the weakest base contender sustained
    capacity: float | None = None  # msgs/s the base sustains, known: no calibration ramp
    tolerance: float = 0.20
    tail_tolerance: float = 0.50  # p99: a second's p99 of a few hundred deliveries is noisy
    allow_dirty: bool = False
    json_path: Path | None = None


def _contenders(scenario: Scenario, wanted: Sequence[str]) -> tuple[str, ...]:
    unknown = [c for c in wanted if c not in CONTENDERS]
    if unknown:
        raise ValueError(f"unknown contender {unknown[0]!r}; choose from {', '.join(CONTENDERS)}")
    chosen = tuple(wanted) or tuple(c for c in scenario.contenders if c != "reference")
    if "sio-node" in chosen:  # its node_modules are installed in the current tree only
        raise ValueError("sio-node cannot be checked with --base; leave it out (--contender)")
    if not chosen:
        raise ValueError(f"scenario {scenario.name!r} has no contender to check but reference")
    return chosen


def _notes(document: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(partial: a run that did not finish, which fails the check; invalid: a run whose load
    generator fell behind, a warning)."""
    partial = [f"partial run: {r}" for r in document.get("partial_reasons", [])]
    invalid = [
        f"{run['contender']}#{run['repetition']}: invalid run: {reason}"
        for run in document.get("runs", [])
        for reason in run.get("validity", {}).get("reasons", [])
    ]
    return partial, invalid


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A cancelled CI job sends SIGTERM: clean up (servers, worktree) as on Ctrl-C."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass(frozen=True)
class Measured:
    document: dict[str, Any]
    path: Path
    base: Side
    described: str
    extra: dict[str, Any]


def measure(
    settings: ABSettings, scenario: Scenario, contenders: tuple[str, ...], current: Side,
    options: RunOptions,
) -> Measured:  # fmt: skip
    """Check out the base, calibrate its contenders, run both sides interleaved."""
    source = str(settings.scenario)
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(
            base_tree(ROOT, settings.ref, log=options.progress or sys.stderr)
        )
        options = _own_redis(scenario, options, stack)
        sustained, calibrated = _sustained(settings, scenario, source, contenders, base, options)
        rate = settings.fraction * sustained
        ab = ab_scenario(
            scenario, rate, warmup_s=settings.warmup_s, measured_s=settings.measured_s,
            repetitions=settings.repetitions,
        )  # fmt: skip
        sides = {base.tag: base, current.tag: current}
        tags = (base.tag, current.tag)
        order = [(c, sides[t], r) for c, t, r in run_order(contenders, tags, settings.repetitions)]
        described = (
            f"`{settings.ref}` ({base.commit[:10]}{', own virtualenv' if base.own_venv else ''})"
            f" vs the current tree (@{current.tag}, {current.commit[:10]}) at {rate:g} msgs/s, "
            f"{settings.fraction:.0%} of the {sustained:g} msgs/s the base sustained"
            + (" (given)" if settings.capacity is not None else "")
        )
        ab_info = {
            "ref": settings.ref, "base": base.describe(), "current": current.describe(),
            "rate_msgs_per_s": rate, "fraction": settings.fraction,
            "calibration": calibrated,
        }  # fmt: skip
        path = options.out_dir / f"check-{scenario.name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
        name = f"check-{scenario.name}"
        with ServerPool() as base_pool, ServerPool() as current_pool:  # per side, kept
            pools = {base.tag: base_pool, current.tag: current_pool}  # for all its repetitions
            runs = run_sides(ab, source, order, options, name=name, extra={"ab": ab_info},
                             out=path, pools=pools)  # fmt: skip
            document = asyncio.run(runs)
    return Measured(document, path, base, described, {"ab": ab_info})


def _sustained(
    settings: ABSettings, scenario: Scenario, source: str, contenders: tuple[str, ...],
    base: Side, options: RunOptions,
) -> tuple[float, dict[str, Any]]:  # fmt: skip
    """The load the weakest base contender sustains and how it was known: ``--capacity`` as
    given, else a calibration ramp of the base tree's contenders."""
    if settings.capacity is not None:
        method = "given (--capacity): no calibration ramp"
        return settings.capacity, {"method": method, "steps": {},
                                   "sustained_msgs_per_s": settings.capacity}  # fmt: skip
    start = scenario.sender_rate * scenario.senders * START_FRACTION
    calibration = asyncio.run(calibrate(scenario, source, contenders, base, options, start=start))
    sustained = calibration.sustained
    assert sustained is not None  # calibrate raises when nothing was sustained
    return sustained, calibration.as_dict()


def _own_redis(scenario: Scenario, options: RunOptions, stack: contextlib.ExitStack) -> RunOptions:
    """A Redis of the check's own when none was named (--redis-url, REDIS_URL) and redis-server
    is installed: other users of a shared Redis would add their load to one side's runs."""
    if scenario.backend.kind != "redis" or options.redis_url or os.environ.get("REDIS_URL"):
        return options
    if shutil.which("redis-server") is None:
        return options
    redis = stack.enter_context(RedisServer())
    return dataclasses.replace(options, redis_url=redis.url)


def check_base(
    settings: ABSettings, options: RunOptions, *, out: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:  # fmt: skip
    """Run the A/B check; print the Markdown verdict (also to $GITHUB_STEP_SUMMARY)."""
    from report.check import check_json, check_same_run, render_check

    out = out or sys.stdout
    env = os.environ if environ is None else environ
    started = time.monotonic()
    try:
        if settings.capacity is not None and not settings.capacity > 0:
            raise ValueError(f"--capacity should be msgs/s > 0, not {settings.capacity:g}")
        scenario = load_scenario(settings.scenario, env=env)
        contenders = _contenders(scenario, settings.contenders)
        resolve(ROOT, settings.ref)
        current = current_side(ROOT, allow_dirty=settings.allow_dirty)
        resolve_redis(scenario, options)
        with _sigterm_as_interrupt():
            measured = measure(settings, scenario, contenders, current, options)
    except (ScenarioError, ValueError, TreeError, RunError, CalibrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: the base worktree was removed", file=sys.stderr)
        return EXIT_INTERRUPTED
    partial, invalid = _notes(measured.document)
    result = check_same_run(
        measured.document, base_tag=measured.base.tag, current_tag=current.tag,
        tolerance=settings.tolerance, tail_tolerance=settings.tail_tolerance,
        warnings=partial + invalid, described=measured.described,
    )  # fmt: skip
    failed = result.failed or bool(partial)
    wall_s = time.monotonic() - started
    text = render_check(result) + f"\nResult: `{measured.path}`; wall time {wall_s:.0f} s.\n"
    print(text, file=out, end="")
    if summary := env.get("GITHUB_STEP_SUMMARY"):
        with open(summary, "a") as handle:
            handle.write(text + "\n")
    if settings.json_path is not None:
        data = {**check_json(result), **measured.extra, "failed": failed,
                "result": str(measured.path), "wall_s": round(wall_s, 1)}  # fmt: skip
        check_doc.write(settings.json_path, check_doc.new(data))
    return EXIT_FAILED if failed else EXIT_OK
