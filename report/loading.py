"""Reading result files for reports, comparisons and checks; bad input names the file.

``bench report`` also reads capacity searches, scale-out summaries and robustness results
(:func:`load_for_report`); ``compare`` and ``check`` read results only. Kinds, versions and the
fields every reader needs are checked by each format's owner in :mod:`documents`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from documents import DocumentError, capacity, peek_kind, result, robustness, scale
from report.fields import Document


class InputError(Exception):
    """A file cannot be used, or files cannot be used together (exit status 2)."""


def load_one(path: Path) -> Document:
    """A result with at least one contender run."""
    doc = _read(result.load, path)
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


def _read(load: Callable[[Path], Document], path: Path) -> Document:
    try:
        return load(path)
    except DocumentError as exc:
        raise InputError(str(exc)) from None


# What ``bench report`` reads, by kind; a file without a kind is read as a result (and refused
# as "not a bench result file" when it is not one).
REPORTED: dict[str, Callable[[Path], Document]] = {
    result.KIND: load_one,
    capacity.KIND: lambda p: _read(capacity.load, p),
    scale.KIND: lambda p: _read(scale.load, p),
    robustness.KIND: lambda p: _read(robustness.load, p),
}


def load_for_report(paths: Sequence[Path]) -> list[tuple[str, Document]]:
    """Results, capacity searches, scale-out summaries and robustness results, each checked for
    what reports read."""
    if not paths:
        raise InputError("no result file given")
    out = []
    for p in paths:
        kind = peek_kind(p)
        if kind is not None and kind not in REPORTED:
            known = ", ".join(repr(k) for k in REPORTED)
            raise InputError(f"{p}: kind {kind!r} is not one bench report reads ({known})")
        out.append((str(p), REPORTED[kind or result.KIND](Path(p))))
    return out
