"""``calibration.json`` of ``bench calibrate`` and ``bench suite``: each contender's sustainable
load on this machine (:meth:`loadgen.calibrate.model.Calibration.as_dict` plus the envelope).

Files written before the calibration carried a ``kind`` (the bare ``as_dict()``, recognised by
its ``capacities`` and ``contenders``) load as version 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from documents.format import Document, Format, require

KIND = "sio-vs-channels-bench/calibration"
SCHEMA_VERSION = 1


def _unmarked(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("capacities"), dict) and isinstance(data.get("contenders"), list)


FORMAT = Format(KIND, SCHEMA_VERSION, "calibration", unmarked=_unmarked)
REQUIRED: dict[str, type] = {"capacities": dict, "contenders": list}


def new(figures: Mapping[str, Any]) -> Document:
    """The calibration's figures (``Calibration.as_dict()``) in the envelope."""
    return {**FORMAT.envelope(), **figures}


def write(path: Path, doc: Document) -> None:
    FORMAT.write(path, doc)


def load(path: Path | str) -> Document:
    """Read a calibration; ``Calibration.from_dict`` takes what it returns."""
    return require(path, FORMAT.load(path), REQUIRED, FORMAT.name)
