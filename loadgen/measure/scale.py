"""The rows of a scale-out summary (``bench scale``), from the results of each instance count
(pure: documents in, rows out; :mod:`documents.scale` writes them)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from documents.scale import Row

FIGURES = ("msgs_per_s", "deliveries_per_s", "p50_ms", "p99_ms", "loss", "server_cpu_pct")


def scale_rows(documents: Sequence[tuple[int, dict[str, Any]]]) -> list[Row]:
    """One row per (instances, contender): the median over repetitions of each figure (the
    median the report takes, :func:`statistics.median`: the mean of the middle two of an even
    count), and the first server's CPUs."""
    rows: list[Row] = []
    for instances, doc in documents:
        for contender in dict.fromkeys(str(r["contender"]) for r in doc["runs"]):
            runs = [r for r in doc["runs"] if r["contender"] == contender and r.get("overall")]
            figures = {name: _median(r["overall"].get(name) for r in runs) for name in FIGURES}
            servers = runs[0]["servers"] if runs else []
            rows.append(
                {
                    "instances": instances,
                    "contender": contender,
                    "msgs_per_s": figures["msgs_per_s"],
                    "deliveries_per_s": figures["deliveries_per_s"],
                    "p50_ms": figures["p50_ms"],
                    "p99_ms": figures["p99_ms"],
                    "loss": figures["loss"],
                    "server_cpu_pct": figures["server_cpu_pct"],
                    "cpus": servers[0].get("cpus") if servers else None,
                }
            )
    return rows


def _median(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None
