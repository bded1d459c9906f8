"""What ``bench run`` does: load scenarios, run them, print a summary table, set the exit code."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from commands.calibrate import resolve_rates
from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from loadgen.calibrate.model import Calibration
from loadgen.calibrate.ramp import CalibrationError
from loadgen.run.runner import RunError, RunOptions, run_scenario
from loadgen.scenario.load import ScenarioError, load_scenario
from report.summary_text import render_summary


def run_files(
    paths: Sequence[str | Path],
    cli: Mapping[str, Any],
    options: RunOptions,
    out: TextIO = sys.stdout,
    written: list[Path] | None = None,
    calibration: Calibration | None = None,
    capacity: float | None = None,
) -> int:
    """Run each scenario file in turn; 0 ok, 1 an expectation failed or a run is invalid or
    partial, 2 bad input (nothing is run when any file is invalid).

    A file stating its rate as ``capacity_fraction`` is resolved with ``calibration``, else
    with ``capacity`` (msgs/s), else with a calibration measured first (one, shared by every
    such file of the same backend)."""
    try:
        scenarios = [(load_scenario(p, cli=cli, env=os.environ), str(p)) for p in paths]
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    if not scenarios:
        print("error: no scenario file given", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        scenarios = resolve_rates(scenarios, options, calibration, capacity, out)
    except (CalibrationError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED if isinstance(exc, CalibrationError) else EXIT_BAD_INPUT
    status = EXIT_OK
    for scenario, source in scenarios:
        try:
            path, document = asyncio.run(run_scenario(scenario, source, options))
        except RunError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(render_summary(document), file=out)
        print(f"result: {path}", file=out)
        if written is not None:
            written.append(path)
        if verdict(document) != EXIT_OK:
            status = EXIT_FAILED
        if document["status"] == "partial" and any(
            "interrupted" in r for r in document["partial_reasons"]
        ):
            break
    return status


def verdict(document: dict[str, Any]) -> int:
    """1 when the run is partial, invalid, or an expectation failed."""
    if document["status"] != "complete":
        return EXIT_FAILED
    for run in document["runs"]:
        if not run.get("validity", {}).get("valid", False):
            return EXIT_FAILED
        if any(not e["passed"] for e in run.get("expectations", [])):
            return EXIT_FAILED
    return EXIT_OK
