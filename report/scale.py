"""Scale-out summaries (``bench scale``: a scenario at 1..K instances per contender) in a
report (pure): the figures per instance count, how they change from the fewest to the most
instances, and the data of the throughput/latency-vs-instances plot."""

from __future__ import annotations

import re
from typing import Any

from report.fields import Document, number
from report.palette import label
from report.plotplan import CAPTIONS, PlotSpec
from report.sections import Group, Section
from report.tables import Table
from report.verdict import MIN_EFFECT
from report.warnings import Warning

COLUMNS = (
    ("msgs/s", "msgs_per_s", "{:.0f}"),
    ("deliveries/s", "deliveries_per_s", "{:.0f}"),
    ("p50 ms", "p50_ms", "{:.2f}"),
    ("p99 ms", "p99_ms", "{:.2f}"),
    ("loss", "loss", "{:.0f}"),
    ("CPU %", "server_cpu_pct", "{:.0f}"),
)
_RUN_ID = re.compile(r"-\d{8}T\d{6}Z-[0-9a-f]+$")


def rows(doc: Document) -> list[dict[str, Any]]:
    return [r for r in doc.get("rows", []) if isinstance(r, dict)]


def scenario_name(doc: Document) -> str:
    """The scenario, from the run ids of the results (the summary does not name it)."""
    results = doc.get("results") or []
    return _RUN_ID.sub("", str(results[0])) if results else "scale-out"


def contenders(doc: Document) -> list[str]:
    return list(dict.fromkeys(str(r["contender"]) for r in rows(doc)))


def series(doc: Document, contender: str, key: str) -> tuple[list[int], list[float | None]]:
    """(instance counts, the figure at each), in increasing instance count."""
    mine = sorted(
        (r for r in rows(doc) if r["contender"] == contender), key=lambda r: r["instances"]
    )
    return [int(r["instances"]) for r in mine], [number(r.get(key)) for r in mine]


def scale_table(doc: Document) -> Table:
    body = [
        [str(r["instances"]), label(str(r["contender"]))]
        + ["-" if number(r.get(k)) is None else fmt.format(r[k]) for _, k, fmt in COLUMNS]
        + [str(r.get("cpus") or "-")]
        for r in sorted(rows(doc), key=lambda r: r["instances"])
    ]
    headers = ["instances", "contender", *(h for h, _, _ in COLUMNS), "server CPUs"]
    return Table.of(headers, body, numeric_from=2)


def _change(first: float, last: float) -> str:
    if first == 0:
        return "from 0"
    r = last / first
    return "about the same" if abs(r - 1) < MIN_EFFECT else f"{r:.2f}x"


def scale_verdicts(doc: Document) -> list[str]:
    out = []
    for c in contenders(doc):
        counts, delivered = series(doc, c, "deliveries_per_s")
        _, p99 = series(doc, c, "p99_ms")
        if len(counts) < 2 or None in (delivered[0], delivered[-1], p99[0], p99[-1]):
            continue
        d0, d1, l0, l1 = delivered[0], delivered[-1], p99[0], p99[-1]
        assert d0 is not None and d1 is not None and l0 is not None and l1 is not None
        out.append(
            f"{label(c)} from {counts[0]} to {counts[-1]} instances: deliveries/s {d0:.0f} -> "
            f"{d1:.0f} ({_change(d0, d1)}), p99 {l0:.2f} -> {l1:.2f} ms ({_change(l0, l1)})."
        )
    return out + _leaders(doc)


def _leaders(doc: Document) -> list[str]:
    """At the largest instance count, who leads on deliveries/s and on p99."""
    counts = [int(r["instances"]) for r in rows(doc)]
    if not counts:
        return []
    most = max(counts)
    at = {str(r["contender"]): r for r in rows(doc) if r["instances"] == most}
    out = []
    for key, what, fmt, lower in (
        ("deliveries_per_s", "highest deliveries/s", "{:.0f}", False),
        ("p99_ms", "lowest p99", "{:.2f} ms", True),
    ):
        have = {c: v for c, r in at.items() if (v := number(r.get(key))) is not None}
        if len(have) < 2:
            continue
        ranked = sorted(have, key=lambda c: have[c], reverse=not lower)
        best = have[ranked[0]]
        others = ", ".join(
            f"{label(c)} {_change(best, have[c])} ({fmt.format(have[c])})" for c in ranked[1:]
        )
        out.append(
            f"At {most} instances, {what}: {label(ranked[0])} ({fmt.format(best)}); {others}."
        )
    return out


def build_scale_section(group: Group) -> Section:
    doc = group.docs[0]
    counts = sorted({int(r["instances"]) for r in rows(doc)})
    span = f"{counts[0]} to {counts[-1]}" if counts else "no"
    return Section(
        title=f"scale-out of {scenario_name(doc)}: {span} instances"
        + ("" if group.slug == f"scale-{scenario_name(doc)}" else f" ({group.slug})"),
        slug=group.slug,
        description=(
            "`bench scale` ran the scenario with each number of server instances per "
            "contender behind one Redis; each figure is the median of the repetitions."
        ),
        warnings=(
            Warning(
                "note",
                "a scale-out summary keeps only these figures: the environment, validity and "
                "expectations are in its result files ("
                + ", ".join(doc.get("results", []))
                + "); report those for the full picture",
            ),
        ),
        verdicts=tuple(scale_verdicts(doc)),
        tables=(("Figures per instance count", scale_table(doc)),),
        plots=(PlotSpec("scale", f"{group.slug}-scale.png", CAPTIONS["scale"]),),
        setup=Table.of(
            ["setting", "value"],
            [("summary file", group.names[0]), ("results", ", ".join(doc.get("results", [])))],
            numeric_from=2,
        ),
    )
