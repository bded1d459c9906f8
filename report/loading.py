"""Reading result files for reports, comparisons and checks; bad input names the file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from loadgen.results import ResultError, load_result
from report.fields import Document

REQUIRED = {"scenario": dict, "scenario_hash": str, "environment": dict, "runs": list}


class InputError(Exception):
    """A file cannot be used, or files cannot be used together (exit status 2)."""


def load_one(path: Path) -> Document:
    try:
        doc = load_result(path)
    except ResultError as exc:
        raise InputError(str(exc)) from None
    for key, kind in REQUIRED.items():
        if not isinstance(doc.get(key), kind):
            raise InputError(
                f"{path}: not a usable result: {key!r} is missing or not a {kind.__name__}"
            )
    if not doc["runs"]:
        raise InputError(f"{path}: the result holds no contender runs")
    return doc


def load_many(paths: Sequence[Path]) -> list[tuple[str, Document]]:
    if not paths:
        raise InputError("no result file given")
    return [(str(p), load_one(Path(p))) for p in paths]


def same_scenario(named: Sequence[tuple[str, Document]], what: str) -> None:
    """Refuse results of different scenarios (different scenario hashes) in one comparison."""
    first_name, first = named[0]
    for name, doc in named[1:]:
        if doc["scenario_hash"] != first["scenario_hash"]:
            raise InputError(
                f"{name}: scenario {doc['scenario']['name']!r} (hash "
                f"{doc['scenario_hash'][:12]}) differs from {first_name}'s "
                f"{first['scenario']['name']!r} ({first['scenario_hash'][:12]}): {what} compares "
                "runs of one scenario only"
            )
