"""The capacity result of ``bench capacity`` (``docs/capacity.md``): each contender's steps and
its maximum sustainable load under an SLO.

Schema 2 added the interval and its votes, each step's conditions and its server (reused or
restarted); files of schema 1 still load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

from documents.format import Document, DocumentError, Format, require

KIND = "sio-vs-channels-bench/capacity"
SCHEMA_VERSION = 2
OLDEST = 1
FORMAT = Format(KIND, SCHEMA_VERSION, "capacity result", oldest=OLDEST)

REQUIRED: dict[str, type] = {
    "scenario": dict, "scenario_hash": str, "environment": dict, "search": dict,
    "contenders": dict,
}  # fmt: skip


class Envelope(TypedDict):
    """The top level of a capacity result; ``contenders`` maps a name to its ``steps``,
    ``maximum`` and ``search_s``."""

    schema_version: int
    kind: str
    capacity_id: str
    created: str
    status: str  # running, complete, stopped: ..., interrupted (Ctrl-C)
    environment: dict[str, Any]
    scenario: dict[str, Any]
    scenario_source: str
    scenario_hash: str
    slo: list[str]
    search: dict[str, Any]
    contenders: dict[str, dict[str, Any]]
    comparison: str


def write(path: Path, doc: Document) -> None:
    """Write atomically (rewritten after every step, so Ctrl-C keeps what was measured)."""
    FORMAT.write(path, doc)


def load(path: Path | str) -> Document:
    """Read a capacity result; :class:`DocumentError` naming the file and what is wrong."""
    doc = require(path, FORMAT.load(path), REQUIRED, FORMAT.name)
    if not doc["contenders"]:
        raise DocumentError(f"{path}: the capacity result holds no contenders")
    return doc
