"""The robustness section: each hostile-client probe's figures, contenders side by side (pure).

``bench robustness`` prints :func:`render_markdown`; ``bench report`` renders the same tables
through :func:`build_robustness_section`.
"""

from __future__ import annotations

from typing import Any

from report.fields import Document
from report.palette import label
from report.sections import Group, Section
from report.tables import Table, to_markdown
from report.warnings import Warning

PROBE_TITLES = {
    "slow_consumer": "Slow consumer (members that stop reading)",
    "disconnect_churn": "Abrupt disconnect churn (ghost presence)",
    "half_open_flood": "Half-open connection flood",
    "malformed_storm": "Malformed-frame storm",
}
DESCRIPTION = (
    "`bench robustness` ran hostile-client probes against each contender: members that stop "
    "reading, readers that drop their connections at once, connections that never finish "
    "their request head, and malformed frames, each beside healthy clients whose figures show "
    "what the others cost them."
)


def _cell(value: Any) -> str:
    if value is None:
        return "never"
    return str(value)


def contenders(doc: Document) -> list[str]:
    """Contenders in the scenario's order, then any others the document holds."""
    have: dict[str, Any] = doc["contenders"]
    order = (doc.get("scenario") or {}).get("contenders") or []
    return [n for n in order if n in have] + [n for n in have if n not in order]


def limits_text(doc: Document) -> str:
    """The limits in force, ``key value`` by key, or empty."""
    return ", ".join(f"{k} {v}" for k, v in sorted((doc.get("settings") or {}).items()))


def probe_tables(doc: Document) -> list[tuple[str, Table]]:
    """(probe title, table) per probe with figures: one row per figure, one column per
    contender; ``-`` where a contender has no such figure, ``never`` for a null."""
    names = contenders(doc)
    out = []
    for probe, title in PROBE_TITLES.items():
        figures = [doc["contenders"][name].get(probe) for name in names]
        if not any(figures):
            continue
        keys = list(dict.fromkeys(k for f in figures if f for k in f))
        rows = [
            [key.replace("_", " ")] + [_cell(f.get(key)) if f else "-" for f in figures]
            for key in keys
        ]
        out.append((title, Table.of(["figure", *map(label, names)], rows)))
    return out


def _setup(name: str, doc: Document) -> Table:
    scenario = doc.get("scenario") or {}
    rows = [("result file", name), ("backend", str(scenario.get("backend", "memory")))]
    for probe, params in (scenario.get("probes") or {}).items():
        if params:
            rows.append((probe, ", ".join(f"{k} {v}" for k, v in sorted(params.items()))))
    rows.append(("limits in force", limits_text(doc) or "defaults"))
    return Table.of(["setting", "value"], rows, numeric_from=2)


def build_robustness_section(group: Group) -> Section:
    doc = group.docs[0]
    name = str((doc.get("scenario") or {}).get("name", "robustness"))
    title = "Robustness" if name == "robustness" else f"Robustness: {name}"
    return Section(
        title=title if group.slug == slug(doc) else f"{title} ({group.slug})",
        slug=group.slug,
        description=DESCRIPTION,
        warnings=(
            Warning(
                "note",
                "a robustness result records no environment: the figures are from the machine "
                "`bench robustness` ran on",
            ),
        ),
        verdicts=(),
        tables=tuple(probe_tables(doc)),
        plots=(),
        setup=_setup(group.names[0], doc),
    )


def slug(doc: Document) -> str:
    name = str((doc.get("scenario") or {}).get("name", "robustness"))
    return name if name.startswith("robustness") else f"robustness-{name}"


def render_markdown(doc: Document) -> str:
    """A Markdown section: one table per probe, one column per contender."""
    lines = ["## Robustness", ""]
    limits = limits_text(doc)
    if limits:
        lines += [f"Limits in force: {limits}.", ""]
    for title, table in probe_tables(doc):
        lines += [f"### {title}", "", to_markdown(table), ""]
    return "\n".join(lines)
