"""The backplane comparison of ``bench suite --backends``: per backplane and contender, its
capacity, its latency at the common load (cross-instance deliveries apart), its broker's CPU and
memory, or why the pair is not applicable; and the result files it was made from.

A cell (:class:`Cell`) is made by :func:`report.backplanes_model.cell`; the report renders them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from documents.format import Document, DocumentError, Format

KIND = "sio-vs-channels-bench/backplanes"
SCHEMA_VERSION = 1
FORMAT = Format(KIND, SCHEMA_VERSION, "backplane comparison")


class Cell(TypedDict, total=False):
    backend: str
    contender: str
    applicable: bool
    reason: str  # why not applicable; or why a figure is missing
    capacity: dict[str, Any] | None  # msgs_per_s, bounded, reason, plateau_per_s, given
    latency: dict[str, Any] | None  # the common-load run's figures (report.backplanes_model)
    broker: dict[str, Any] | None  # cpu_pct, idle_cpu_pct, memory_mb, sampled


def new(
    *,
    backends: list[str],
    contenders: list[str],
    cells: list[Cell],
    load: dict[str, Any],
    settings: dict[str, Any],
    results: list[str],
    environment: dict[str, Any],
) -> Document:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "created": datetime.now(UTC).isoformat(),
        "environment": environment,
        "backends": backends,
        "contenders": contenders,
        "load": load,
        "settings": settings,
        "cells": list(cells),
        "results": results,
    }


def write(path: Path, doc: Document) -> None:
    FORMAT.write(path, doc)


def load(path: Path | str) -> Document:
    """Read a backplane comparison; :class:`DocumentError` naming the file and what is wrong."""
    doc = FORMAT.load(path)
    cells = doc.get("cells")
    if not isinstance(cells, list) or not cells:
        raise DocumentError(f"{path}: not a usable backplane comparison: no 'cells'")
    for cell in cells:
        if not isinstance(cell, dict) or not {"backend", "contender", "applicable"} <= cell.keys():
            raise DocumentError(f"{path}: a cell lacks 'backend', 'contender' or 'applicable'")
    return doc
