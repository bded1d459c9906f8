"""The building blocks of a report (pure): a group of input documents and the section made
from it. :mod:`report.summary` builds sections of results, :mod:`report.capacity` of capacity
searches, :mod:`report.scale` of scale-out summaries, :mod:`report.robustness` of robustness
probes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from report.fields import Document
from report.plotplan import PlotSpec
from report.tables import Table
from report.warnings import Warning

GroupKind = Literal["result", "capacity", "scale", "robustness"]


@dataclass(frozen=True)
class Group:
    """Documents that make one section: results of one scenario (same scenario hash, possibly
    from several files), or one capacity search, one scale-out summary or one robustness result."""

    slug: str
    names: tuple[str, ...]
    docs: tuple[Document, ...]
    kind: GroupKind = "result"


@dataclass(frozen=True)
class Section:
    title: str
    slug: str
    description: str
    warnings: tuple[Warning, ...]
    verdicts: tuple[str, ...]
    tables: tuple[tuple[str, Table], ...]
    plots: tuple[PlotSpec, ...]
    setup: Table
