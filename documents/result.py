"""The result document of ``bench run`` and ``bench check --base`` (schema in docs/results.md).

Schema 2 added late/lost/queued, served and offered rates, saturation, grace and censored
percentiles; files of schema 1 still load (readers fall back where a key is missing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from documents.format import Document, Format, require

KIND = "sio-vs-channels-bench/result"
SCHEMA_VERSION = 2
OLDEST = 1
FORMAT = Format(KIND, SCHEMA_VERSION, "result", oldest=OLDEST)

# What reports, ``compare`` and ``check`` read at the top level, with its JSON type.
REQUIRED: dict[str, type] = {
    "scenario": dict, "scenario_hash": str, "environment": dict, "runs": list,
}  # fmt: skip


class Envelope(TypedDict):
    """The top level of a result (``docs/results.md``); ``runs`` hold the run records and a
    ``bench check --base`` result adds ``ab``."""

    schema_version: int
    kind: str
    run_id: str
    created: str
    status: str  # running, partial, complete
    partial_reasons: list[str]
    environment: dict[str, Any]
    scenario: dict[str, Any]
    scenario_source: str
    scenario_hash: str
    plan_digest: str
    settings: dict[str, Any]
    runs: list[dict[str, Any]]


def new(
    *,
    run_id: str,
    environment: dict[str, Any],
    scenario: dict[str, Any],
    scenario_source: str,
    scenario_hash: str,
    plan_digest: str,
) -> Document:
    """A result that is still ``running``: no settings, no runs yet."""
    head: Envelope = {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "run_id": run_id,
        "created": datetime.now(UTC).isoformat(),
        "status": "running",
        "partial_reasons": [],
        "environment": environment,
        "scenario": scenario,
        "scenario_source": scenario_source,
        "scenario_hash": scenario_hash,
        "plan_digest": plan_digest,
        "settings": {},
        "runs": [],
    }
    return {**head}


def write(path: Path, doc: Document) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    FORMAT.write(path, doc)


def load(path: Path | str) -> Document:
    """Read a result; :class:`~documents.format.DocumentError` naming the file and what is
    wrong (not JSON, another kind, a newer schema, a top-level field reports need)."""
    return require(path, FORMAT.load(path), REQUIRED, FORMAT.name)
