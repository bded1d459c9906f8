"""``bench suite``: the README's main job, a calibrated comparison of the servers.

1. Calibrate: each Python contender's sustainable load on this machine
   (:mod:`loadgen.calibrate.ramp`).
2. Run the standard scenarios (echo, room-chat, fanout) for every contender at the SAME
   absolute loads, stepped within one run: 25 %, 50 % and 75 % of the weaker contender's
   capacity (``traffic.capacity_fraction``; a scenario whose messages reach N members sends
   N times fewer, so every scenario offers the same deliveries per second).
3. Write the report; the capacity ratio is its headline.

Exit status: 0 when the comparison completed (a failed expectation or a saturated contender is
a finding, shown in the report); 1 when a run is invalid or partial, the calibration failed, or
with ``strict`` an expectation failed; 2 for bad input.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from commands.run import run_files
from documents import calibration as calibration_doc
from documents import result as result_doc
from loadgen.calibrate.model import Calibration
from loadgen.calibrate.ramp import CALIBRATED, CalibrationError, CalibrationOptions, calibrate
from loadgen.run.runner import DEFAULT_REDIS_URL, ROOT, RunOptions
from loadgen.scenario.load import ScenarioError, load_scenario
from loadgen.scenario.model import ALL_CONTENDERS
from report.calibration import headline_text
from servers.common.config import BACKENDS, backend_unsupported
from servers.idiomatic.profiles import PROFILES, profile_unsupported
from servers.launch.redis import ping
from servers.launch.specs import framework_of

STANDARD = ("echo", "room-chat", "fanout")
LEVELS = (0.25, 0.5, 0.75)  # shares of the weaker contender's calibrated capacity
QUICK_CONTENDERS = ("sio", "channels")


@dataclasses.dataclass(frozen=True)
class SuiteSettings:
    quick: bool
    out_dir: Path
    redis_url: str | None = None
    contenders: tuple[str, ...] = ()
    strict: bool = False
    report: bool = True
    capacity: float | None = None  # msgs/s given instead of calibrating
    levels: tuple[float, ...] = LEVELS
    scenarios: tuple[str, ...] = STANDARD  # names in scenarios/ (tests run fewer)
    backend: str | None = None  # None: redis when one answers, else memory
    rabbitmq_url: str | None = None
    postgres_url: str | None = None
    profile: str = "equal"  # the servers' profile (docs/idiomatic.md), for every run


def node_reference_available() -> bool:
    """The sio-node contender needs node and the project's node_modules (make install)."""
    return shutil.which("node") is not None and (ROOT / "node_modules" / "socket.io").is_dir()


def choose_backend(redis_url: str | None, out: TextIO) -> tuple[str, str | None]:
    """Redis when one answers, else the embedded in-memory default (and say so)."""
    url = redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if ping(url):
        print(f"suite: using Redis at {url}", file=out)
        return "redis", url
    print(
        f"suite: no Redis answers at {url}: running the embedded in-memory default "
        "(one instance per contender); the report says so",
        file=out,
    )
    return "memory", None


def stepped(levels: Sequence[float], level_s: float, warmup_s: float) -> dict[str, Any]:
    """Overrides that run a scenario at each level in turn (one steady phase per level), its
    rate stated as the highest level's share of the calibrated capacity."""
    top = max(levels)
    phases: list[dict[str, Any]] = [
        {"name": "warmup", "kind": "warmup", "duration_s": warmup_s,
         "rate_multiplier": min(levels) / top},
    ]  # fmt: skip
    for level in sorted(levels):
        name = f"at-{level * 100:g}pct"
        phases.append(
            {"name": name, "kind": "steady", "duration_s": level_s, "rate_multiplier": level / top}
        )
    return {"traffic.capacity_fraction": top, "phases": phases}


def suite_exit(documents: Sequence[dict[str, Any]], strict: bool) -> int:
    """0: the comparison completed; 1: a run is partial or invalid, or (strict) an
    expectation failed."""
    for document in documents:
        if document.get("status") != "complete":
            return EXIT_FAILED
        for run in document.get("runs", []):
            if not run.get("validity", {}).get("valid", False):
                return EXIT_FAILED
            if strict and any(not e["passed"] for e in run.get("expectations", [])):
                return EXIT_FAILED
    return EXIT_OK


def _contenders(settings: SuiteSettings, out: TextIO) -> list[str]:
    chosen = list(settings.contenders or (QUICK_CONTENDERS if settings.quick else ()))
    if not settings.contenders and node_reference_available():
        chosen = [*(chosen or ALL_CONTENDERS), "sio-node"]  # the original server, for reference
    elif not settings.contenders:
        print("suite: Node.js or node_modules missing: no sio-node reference line", file=out)
    return chosen


def _applicable(
    chosen: list[str], backend: str, named: bool, out: TextIO, profile: str = "equal"
) -> list[str]:
    """The contenders that have a ``backend`` backplane and run under ``profile``; the others
    are said "not applicable" (named ones are kept, so the scenario check refuses them with the
    reason: exit 2)."""
    kept = list(chosen or ALL_CONTENDERS)
    for contender in list(kept):
        refused = backend_unsupported(contender, backend) or profile_unsupported(contender, profile)
        if refused is not None and not named:
            print(f"suite: {refused}", file=out)
            kept.remove(contender)
    return kept


def _calibration(
    settings: SuiteSettings, backend: str, options: RunOptions, chosen: Sequence[str], out: TextIO
) -> Calibration:
    if settings.capacity is not None:
        return Calibration.given_capacity(settings.capacity)
    # the Python contenders chosen, on whichever ASGI server (sio-hypercorn is calibrated)
    python = [c for c in chosen if framework_of(c) in CALIBRATED] or list(CALIBRATED)
    ramp = CalibrationOptions(backend=backend, profile=settings.profile)
    calibration = calibrate(python, ramp, options, out)
    calibration_doc.write(
        settings.out_dir / "calibration.json", calibration_doc.new(calibration.as_dict())
    )
    return calibration


def suite_overrides(settings: SuiteSettings, backend: str, chosen: Sequence[str]) -> dict[str, Any]:
    """What the suite changes in each standard scenario: its loads, steps, arrivals, length."""
    level_s, warmup_s = (3.0, 1.0) if settings.quick else (10.0, 2.0)
    cli: dict[str, Any] = {"backend.kind": backend, **stepped(settings.levels, level_s, warmup_s)}
    cli["profile"] = settings.profile
    # Evenly spaced sends, as in the calibration: a short step gets exactly its share (fanout's
    # steps carry only a few broadcasts, which Poisson gaps would leave to chance).
    cli["traffic.arrival"] = "uniform"
    if settings.quick:
        # grace_s: a queue left at the 75 % step is drained, or called queued, sooner.
        cli.update({"repetitions": 1, "drain_s": 1.0, "connections.ramp_up_s": 1.0, "grace_s": 5.0})
    if chosen:
        cli["contenders"] = list(chosen)
    return cli


def run_suite(settings: SuiteSettings, out: TextIO = sys.stdout) -> int:
    if settings.capacity is not None and not settings.capacity > 0:
        print(f"error: --capacity should be msgs/s > 0, not {settings.capacity:g}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if settings.backend is not None and settings.backend not in BACKENDS:
        print(f"error: --backend should be one of {', '.join(BACKENDS)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    url: str | None
    if settings.backend is None:
        backend, url = choose_backend(settings.redis_url, out)
    else:
        backend = settings.backend
        url = settings.redis_url or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if settings.profile not in PROFILES:
        print(f"error: --profile should be one of {', '.join(PROFILES)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    chosen = _applicable(
        _contenders(settings, out), backend, bool(settings.contenders), out, settings.profile
    )
    cli = suite_overrides(settings, backend, chosen)
    files = [ROOT / "scenarios" / f"{name}.yaml" for name in settings.scenarios]
    try:  # bad input is found before a minute of calibration, not after
        for path in files:
            load_scenario(path, cli=cli, env=os.environ)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    options = dataclasses.replace(
        RunOptions(), out_dir=settings.out_dir, redis_url=url,
        rabbitmq_url=settings.rabbitmq_url, postgres_url=settings.postgres_url,
    )  # fmt: skip
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        calibration = _calibration(settings, backend, options, chosen, out)
    except CalibrationError as exc:
        print(f"error: calibration failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(headline_text(calibration.as_dict()), file=out)
    results: list[Path] = []
    status = run_files(
        files, cli, options, out=out, written=results, calibration=calibration
    )  # fmt: skip
    if status == EXIT_BAD_INPUT or not results:
        return status if status == EXIT_BAD_INPUT else EXIT_FAILED
    documents = [result_doc.load(path) for path in results]
    if settings.report:
        from commands.report import write_report

        paths = write_report(
            results, settings.out_dir / f"report-{results[0].stem.split('-', 1)[-1]}"
        )
        for path in paths[:2]:
            print(f"report: {path}", file=out)
    return suite_exit(documents, settings.strict)
