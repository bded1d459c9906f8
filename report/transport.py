"""Contenders a scenario cannot apply to (pure): shown as "not applicable", never as zero
figures and never silently missing. Channels has no long-polling transport, so a scenario
over Engine.IO long-polling runs Socket.IO contenders only."""

from __future__ import annotations

from collections.abc import Sequence

from report import fields
from report.fields import Document
from report.palette import label
from report.warnings import Warning

NO_POLLING = "not applicable (Channels has no long-polling transport)"
CHANNELS = ("channels", "channels-daphne", "channels-hypercorn")


def not_applicable(docs: Sequence[Document]) -> dict[str, str]:
    """Contender -> why it has no figures here."""
    if not docs or fields.transport(docs[0]) != "polling":
        return {}
    ran = {c for d in docs for c in fields.contenders(d)}
    named = [c for c in docs[0]["scenario"].get("contenders") or [] if c in CHANNELS]
    return {c: NO_POLLING for c in dict.fromkeys(["channels", *named]) if c not in ran}


def sentences(na: dict[str, str], docs: Sequence[Document]) -> list[str]:
    ran = [label(c) for c in dict.fromkeys(c for d in docs for c in fields.contenders(d))]
    only = " and ".join(ran) or "no contender"
    return [f"{label(c)}: {why}; only {only} could be measured here." for c, why in na.items()]


def notes(na: dict[str, str]) -> list[Warning]:
    return [
        Warning(
            "note",
            f"{label(c)}: {why}. This scenario runs every client over Engine.IO long-polling, "
            "which only Socket.IO offers: the table rows say n/a, not zero.",
        )
        for c, why in na.items()
    ]
