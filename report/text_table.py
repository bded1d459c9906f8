"""Plain-text tables for the terminal (pure: headers and rows of cells in, aligned text out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def cell(fmt: str, value: Any, censored: bool = False) -> str:
    """One table cell: ``-`` for no value, ``yes``/``NO`` for a flag, ``>`` before a lower bound.

    A value the format does not fit (a string in a numeric column) is shown as it is.
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    try:
        text = fmt.format(value)
    except (ValueError, TypeError):
        text = str(value)
    return ">" + text if censored else text


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The header line then one line per row, every column right-aligned to its widest cell."""
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    return [
        "  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True))
        for line in (headers, *rows)
    ]
