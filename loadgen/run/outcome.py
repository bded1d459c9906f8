"""What one contender run hands back: the workers' results and what the coordinator saw (pure).

Produced by :func:`loadgen.run.contender.run_contender`, read by :mod:`loadgen.measure.record`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RunOutcome:
    worker_results: list[dict[str, Any]]
    partial_reasons: list[str]
    servers: list[dict[str, Any]]
    resources: dict[str, Any]
    rss_per_connection_kb: float | None
    log_paths: list[Path]
    t_start: float
    interrupted: bool = False
    loadgen_rss_per_connection_kb: float | None = None
    fault_events: list[dict[str, Any]] = field(default_factory=list)
