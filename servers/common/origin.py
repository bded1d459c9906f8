"""The origin check both servers apply before accepting a connection."""

from __future__ import annotations

from collections.abc import Iterable


def origin_allowed(origin: str | None, allowed: Iterable[str]) -> bool:
    """A missing ``Origin`` (non-browser clients) passes; a present one must be listed exactly.

    ``*`` in the list allows every origin.
    """
    if origin is None or origin == "":
        return True
    listed = tuple(allowed)
    return "*" in listed or origin.rstrip("/") in listed
