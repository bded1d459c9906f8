"""The robustness result of ``bench robustness``: figures per contender and probe, and the
hostile-client limits in force. (The robustness scenario is ``loadgen.robustness.model``.)

Its version key is ``version``, not ``schema_version``, as it has been since the first file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

from documents.format import Document, DocumentError, Format

KIND = "robustness"
VERSION = 1
FORMAT = Format(KIND, VERSION, "robustness result", version_key="version")


class Envelope(TypedDict):
    kind: str
    version: int
    scenario: dict[str, Any]
    settings: dict[str, Any]
    contenders: dict[str, dict[str, Any]]  # contender -> probe -> figures


def new(
    scenario: dict[str, Any], results: dict[str, dict[str, Any]], settings: dict[str, Any]
) -> Document:
    head: Envelope = {
        "kind": KIND,
        "version": VERSION,
        "scenario": scenario,
        "settings": settings,
        "contenders": results,
    }
    return {**head}


def write(path: Path, doc: Document) -> None:
    FORMAT.write(path, doc)


def load(path: Path | str) -> Document:
    """Read a robustness result; :class:`DocumentError` naming the file and what is wrong
    (also when it holds no contenders or a contender's figures are not an object)."""
    doc = FORMAT.load(path)
    figures = doc.get("contenders")
    if not isinstance(figures, dict) or not figures:
        raise DocumentError(f"{path}: the robustness result holds no contenders")
    if not all(isinstance(f, dict) for f in figures.values()):
        raise DocumentError(f"{path}: a robustness contender's figures are not an object")
    return doc
