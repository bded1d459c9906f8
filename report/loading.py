"""Reading result files for reports, comparisons and checks; bad input names the file.

``bench report`` also reads capacity searches, scale-out summaries and robustness results
(:func:`load_for_report`); ``compare`` and ``check`` read results only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loadgen.measure.phase import ResultError, load_result
from loadgen.robustness import model as robustness
from report.fields import CAPACITY_KIND, RESULT_KIND, ROBUSTNESS_KIND, SCALE_KIND, Document

CAPACITY_SCHEMA_VERSION = 2  # loadgen.capacity.search_run.SCHEMA_VERSION
CAPACITY_REQUIRED = {
    "scenario": dict, "scenario_hash": str, "environment": dict, "search": dict,
    "contenders": dict,
}  # fmt: skip

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


def _peek(path: Path) -> Any:
    """The parsed file, or None when it cannot be read (:func:`load_one` then says why)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def _capacity(path: Path, doc: dict[str, Any]) -> Document:
    version = doc.get("schema_version")
    if not isinstance(version, int):
        raise InputError(f"{path}: schema_version is missing")
    if version > CAPACITY_SCHEMA_VERSION:
        raise InputError(
            f"{path}: schema_version {version} is newer than this harness understands "
            f"({CAPACITY_SCHEMA_VERSION}); update the harness"
        )
    for key, kind in CAPACITY_REQUIRED.items():
        if not isinstance(doc.get(key), kind):
            raise InputError(
                f"{path}: not a usable capacity result: {key!r} is missing or not a {kind.__name__}"
            )
    if not doc["contenders"]:
        raise InputError(f"{path}: the capacity result holds no contenders")
    return doc


def _scale(path: Path, doc: dict[str, Any]) -> Document:
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows:
        raise InputError(f"{path}: not a usable scale-out summary: no 'rows'")
    for row in rows:
        if not isinstance(row, dict) or not {"instances", "contender"} <= row.keys():
            raise InputError(f"{path}: a scale-out row lacks 'instances' or 'contender'")
    return doc


def _robustness(path: Path) -> Document:
    """Read by its owner (kind and version checked there), then checked for what reports read."""
    try:
        doc = robustness.load(path)
    except robustness.RobustnessFileError as exc:
        raise InputError(str(exc)) from None
    figures = doc.get("contenders")
    if not isinstance(figures, dict) or not figures:
        raise InputError(f"{path}: the robustness result holds no contenders")
    if not all(isinstance(f, dict) for f in figures.values()):
        raise InputError(f"{path}: a robustness contender's figures are not an object")
    return doc


def load_for_report(paths: Sequence[Path]) -> list[tuple[str, Document]]:
    """Results, capacity searches, scale-out summaries and robustness results, each checked for
    what reports read."""
    if not paths:
        raise InputError("no result file given")
    out = []
    for p in paths:
        raw = _peek(Path(p))
        kind = raw.get("kind") if isinstance(raw, dict) else None
        if kind == CAPACITY_KIND:
            doc = _capacity(Path(p), raw)
        elif kind == SCALE_KIND:
            doc = _scale(Path(p), raw)
        elif kind == ROBUSTNESS_KIND:
            doc = _robustness(Path(p))
        elif kind is not None and kind != RESULT_KIND:
            known = ", ".join(
                repr(k) for k in (RESULT_KIND, CAPACITY_KIND, SCALE_KIND, ROBUSTNESS_KIND)
            )
            raise InputError(f"{p}: kind {kind!r} is not one bench report reads ({known})")
        else:
            doc = load_one(Path(p))
        out.append((str(p), doc))
    return out
