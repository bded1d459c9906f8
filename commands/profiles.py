"""``bench run --profile equal --profile idiomatic``: each scenario under each profile, then the
cost of the idiomatic profile per contender (report/profile_cost.py)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from commands.run import run_files
from documents import result as result_doc
from loadgen.run.runner import RunOptions
from report.profile_cost import render_profile_cost
from servers.idiomatic.profiles import PROFILES


def run_profiles(
    paths: Sequence[str | Path],
    cli: Mapping[str, Any],
    options: RunOptions,
    profiles: Sequence[str],
    out: TextIO = sys.stdout,
    capacity: float | None = None,
) -> int:
    """Run every file under each profile, in the order given; print the cost table when both
    equal and idiomatic ran. The exit code is the worst of the runs'."""
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown or len(set(profiles)) != len(profiles):
        print(f"error: --profile takes each of {', '.join(PROFILES)} at most once", file=sys.stderr)
        return EXIT_BAD_INPUT
    written: dict[str, list[Path]] = {}
    status = EXIT_OK
    for profile in profiles:
        written[profile] = []
        code = run_files(
            paths, {**cli, "profile": profile}, options, out, written[profile], capacity=capacity
        )
        if code == EXIT_BAD_INPUT:
            return code
        status = max(status, code)
    if {"equal", "idiomatic"} <= set(written):
        for equal, idiomatic in zip(written["equal"], written["idiomatic"], strict=False):
            print(render_profile_cost(result_doc.load(equal), result_doc.load(idiomatic)), file=out)
    return status
