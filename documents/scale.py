"""The scale-out summary of ``bench scale``: per instance count and contender, the median over
repetitions of each figure, and the run ids of the results it was made from.

Version 2 carries the ``environment`` and when it was ``created``; files of version 1 (written
before the summary carried a ``schema_version``) still load and lack them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from documents.format import Document, DocumentError, Format

KIND = "sio-vs-channels-bench/scale"
SCHEMA_VERSION = 2
OLDEST = 1
FORMAT = Format(KIND, SCHEMA_VERSION, "scale-out summary", oldest=OLDEST, unversioned=1)


class Row(TypedDict):
    """One instance count of one contender (``loadgen.measure.scale.scale_rows``)."""

    instances: int
    contender: str
    msgs_per_s: float | None
    deliveries_per_s: float | None
    p50_ms: float | None
    p99_ms: float | None
    loss: float | None
    server_cpu_pct: float | None
    cpus: list[int] | None  # the first server's CPUs


class Envelope(TypedDict):
    schema_version: int
    kind: str
    created: str
    environment: dict[str, Any]
    rows: list[Row]
    results: list[str]  # run ids, in increasing instance count


def new(rows: list[Row], results: list[str], environment: dict[str, Any]) -> Document:
    head: Envelope = {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "created": datetime.now(UTC).isoformat(),
        "environment": environment,
        "rows": rows,
        "results": results,
    }
    return {**head}


def write(path: Path, doc: Document) -> None:
    FORMAT.write(path, doc)


def load(path: Path | str) -> Document:
    """Read a scale-out summary; :class:`DocumentError` naming the file and what is wrong
    (also when it has no rows or a row lacks ``instances`` or ``contender``)."""
    doc = FORMAT.load(path)
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows:
        raise DocumentError(f"{path}: not a usable scale-out summary: no 'rows'")
    for row in rows:
        if not isinstance(row, dict) or not {"instances", "contender"} <= row.keys():
            raise DocumentError(f"{path}: a scale-out row lacks 'instances' or 'contender'")
    return doc
