"""The ``--json`` output of ``bench compare``: per contender and metric the change from the
A files to the B files and its significance (``report.compare.comparison_json``).

Files written before the output carried a ``kind`` (recognised by ``a``, ``b`` and ``rows``)
load as version 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from documents.format import Document, Format

KIND = "sio-vs-channels-bench/compare"
SCHEMA_VERSION = 1


def _unmarked(data: Mapping[str, Any]) -> bool:
    return {"a", "b"} <= data.keys() and isinstance(data.get("rows"), list)


FORMAT = Format(KIND, SCHEMA_VERSION, "comparison output", unmarked=_unmarked, finite=False)


def new(comparison: Mapping[str, Any]) -> Document:
    """The comparison (``comparison_json``) in the envelope."""
    return {**FORMAT.envelope(), **comparison}


def write(path: Path, doc: Document) -> None:
    FORMAT.write(path, doc)


def load(path: Path | str) -> Document:
    return FORMAT.load(path)
