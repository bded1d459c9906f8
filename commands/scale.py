"""``bench scale``: a scenario at 1..K instances per contender, figures side by side."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from commands.run import verdict
from loadgen.run.runner import RunError, RunOptions, run_scenario
from loadgen.scenario.load import ScenarioError, load_scenario

FIGURES = ("msgs_per_s", "deliveries_per_s", "p50_ms", "p99_ms", "loss", "server_cpu_pct")


def scale_rows(documents: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per (instances, contender): the median over repetitions of each figure (pure)."""
    rows = []
    for instances, doc in documents:
        for contender in dict.fromkeys(r["contender"] for r in doc["runs"]):
            runs = [r for r in doc["runs"] if r["contender"] == contender and r.get("overall")]
            row: dict[str, Any] = {"instances": instances, "contender": contender}
            for name in FIGURES:
                values = sorted(
                    r["overall"][name] for r in runs if r["overall"].get(name) is not None
                )
                row[name] = values[len(values) // 2] if values else None
            row["cpus"] = runs[0]["servers"][0].get("cpus") if runs and runs[0]["servers"] else None
            rows.append(row)
    return rows


COLUMNS = (
    ("msgs/s", "msgs_per_s", "8.0f"),
    ("deliv/s", "deliveries_per_s", "9.0f"),
    ("p50 ms", "p50_ms", "8.2f"),
    ("p99 ms", "p99_ms", "9.2f"),
    ("loss", "loss", "7d"),
    ("cpu %", "server_cpu_pct", "7.0f"),
)


def render(rows: list[dict[str, Any]]) -> str:
    widths = [int(fmt.split(".")[0].rstrip("d")) for _, _, fmt in COLUMNS]
    head = "".join(title.rjust(w) for (title, _, _), w in zip(COLUMNS, widths, strict=True))
    lines = [f"{'instances':>9}  {'contender':<16}{head}  cpus"]
    for r in rows:
        cells = "".join(
            "-".rjust(w) if r[key] is None else format(r[key], fmt)
            for (_, key, fmt), w in zip(COLUMNS, widths, strict=True)
        )
        lines.append(f"{r['instances']:>9}  {r['contender']:<16}{cells}  {r['cpus']}")
    return "\n".join(lines)


def scale(
    path: Path,
    counts: Sequence[int],
    cli: dict[str, Any],
    options: RunOptions,
    out: TextIO = sys.stdout,
) -> int:
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
    results = [d["run_id"] for _, d in documents]
    data = {"kind": "sio-vs-channels-bench/scale", "rows": rows, "results": results}
    summary.write_text(json.dumps(data, indent=1))
    print(f"scale summary: {summary}", file=out)
    return status
