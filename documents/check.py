"""The ``--json`` output of ``bench check`` and ``bench check --base``: the verdict per contender
and metric (``report.check.check_json``), ``failed``, and for ``--base`` the A/B set-up.

Files written before the output carried a ``kind`` (recognised by ``relative_to`` and ``rows``)
load as version 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from documents.format import Document, Format

KIND = "sio-vs-channels-bench/check"
SCHEMA_VERSION = 1


def _unmarked(data: Mapping[str, Any]) -> bool:
    return "relative_to" in data and isinstance(data.get("rows"), list)


FORMAT = Format(KIND, SCHEMA_VERSION, "check output", unmarked=_unmarked, finite=False)


def new(verdict: Mapping[str, Any]) -> Document:
    """The verdict (``check_json``, with what a caller adds) in the envelope."""
    return {**FORMAT.envelope(), **verdict}


def write(path: Path, doc: Document) -> None:
    FORMAT.write(path, doc)


def load(path: Path | str) -> Document:
    return FORMAT.load(path)
