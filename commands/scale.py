"""``bench scale``: a scenario at 1..K instances per contender, figures side by side."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from commands.run import verdict
from documents import scale as scale_doc
from loadgen.measure import environment
from loadgen.measure.scale import scale_rows
from loadgen.run.runner import ROOT, RunError, RunOptions, run_scenario
from loadgen.scenario.load import ScenarioError, load_scenario
from report.scale_text import render


def scale(
    path: Path,
    counts: Sequence[int],
    cli: dict[str, Any],
    options: RunOptions,
    out: TextIO = sys.stdout,
) -> int:
    """Run the scenario at each instance count; print the rows and write the scale-out summary
    (``documents.scale``). 0 ok, 1 a run failed an expectation or was partial or invalid,
    2 bad input."""
    documents: list[tuple[int, dict[str, Any]]] = []
    status = EXIT_OK
    for k in counts:
        try:
            scenario = load_scenario(path, cli={**cli, "instances": k}, env=os.environ)
            result, doc = asyncio.run(run_scenario(scenario, str(path), options))
        except (ScenarioError, RunError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"{k} instance(s): {result}", file=out)
        documents.append((k, doc))
        if verdict(doc) != EXIT_OK:
            status = EXIT_FAILED
    rows = scale_rows(documents)
    print(render(rows), file=out)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    summary = options.out_dir / f"scale-{documents[0][1]['scenario']['name']}-{stamp}.json"
    results = [str(d["run_id"]) for _, d in documents]
    scale_doc.write(summary, scale_doc.new(rows, results, environment.collect(ROOT)))
    print(f"scale summary: {summary}", file=out)
    return status
