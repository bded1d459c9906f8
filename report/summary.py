"""The report's content as data: sections, tables, verdicts, warnings (pure).

:mod:`report.markdown` and :mod:`report.html` render the same :class:`Report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from report import fields, setup
from report.fields import Document
from report.figures import ContenderFigures, contender_figures, format_spread
from report.palette import REFERENCE, label
from report.plotplan import PlotSpec, plot_plan
from report.tables import Table
from report.verdict import LEADER_METRICS, MIN_EFFECT, ratio_cells, verdicts
from report.warnings import Warning, environment_warnings, scenario_warnings

LATENCY = ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "connect_p99_ms")
VOLUME = (
    "msgs_per_s", "deliveries_per_s", "loss", "errors", "server_cpu_pct", "server_rss_mb",
    "rss_kb_per_conn",
)  # fmt: skip
HEADERS = {
    "p50_ms": "p50", "p90_ms": "p90", "p99_ms": "p99", "p999_ms": "p99.9", "max_ms": "max",
    "connect_p99_ms": "connect p99", "msgs_per_s": "msgs/s", "deliveries_per_s": "deliveries/s",
    "loss": "loss", "errors": "errors", "server_cpu_pct": "CPU %", "server_rss_mb": "RSS MB",
    "rss_kb_per_conn": "KB/conn",
}  # fmt: skip

METHOD = (
    "Each contender ran the identical plan (same seed, connections, rooms, send times and "
    "payloads) against its own freshly started servers, one contender at a time, alternated "
    "and repeated (A B A B) so that drift of the machine does not favour one side.",
    "The load is open-loop: every message has a planned send time, and a delivery's latency is "
    "its receive time minus that planned time (so server stalls are not hidden), counted for "
    "every recipient; latencies go into HDR histograms, merged without loss.",
    "Figures cover the measured phases (warm-up excluded). Each table cell is the median of the "
    "repetitions with the lowest and highest in brackets; msgs/s counts acknowledged sends, "
    "deliveries/s received deliveries; loss compares deliveries with the room members at send "
    "time; CPU is percent of one core and RSS the peak, summed over a contender's instances.",
    f"Verdicts are generated from the medians; differences under {MIN_EFFECT:.0%} are called "
    "about the same. A run in which the load generator fell behind its plan or ran out of CPU "
    "is marked invalid above, never silently reported. `bench compare` tests differences "
    "between result files for significance.",
)


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


@dataclass(frozen=True)
class Report:
    title: str
    sources: tuple[str, ...]
    warnings: tuple[Warning, ...]
    sections: tuple[Section, ...]
    environment: Table
    method: tuple[str, ...] = METHOD


@dataclass(frozen=True)
class Group:
    """Results of one scenario (same scenario hash), possibly from several files."""

    slug: str
    names: tuple[str, ...]
    docs: tuple[Document, ...]


def group_results(named: Sequence[tuple[str, Document]]) -> list[Group]:
    by_hash: dict[str, list[tuple[str, Document]]] = {}
    for name, doc in named:
        by_hash.setdefault(doc["scenario_hash"], []).append((name, doc))
    groups = []
    counts: dict[str, int] = {}
    for items in by_hash.values():
        scenario = fields.scenario_name(items[0][1])
        counts[scenario] = counts.get(scenario, 0) + 1
    for scenario_hash, items in by_hash.items():
        scenario = fields.scenario_name(items[0][1])
        slug = scenario if counts[scenario] == 1 else f"{scenario}-{scenario_hash[:8]}"
        groups.append(Group(slug, tuple(n for n, _ in items), tuple(d for _, d in items)))
    return groups


def figure_tables(figs: Sequence[ContenderFigures]) -> list[tuple[str, Table]]:
    def rows(keys: Sequence[str]) -> list[list[str]]:
        return [
            [label(f.contender), f"{f.valid_runs}/{f.runs}"]
            + [format_spread(k, f.get(k)) for k in keys]
            for f in figs
        ]

    volume = [k for k in VOLUME if any(f.get(k) for f in figs)]
    ratio_keys = [k for k in LEADER_METRICS if any(f.get(k) for f in figs)]
    cells = {k: ratio_cells(figs, k) for k in ratio_keys}
    ratios = [[label(f.contender)] + [cells[k][f.contender] for k in ratio_keys] for f in figs]
    return [
        (
            "Latency (ms): median of repetitions (lowest-highest)",
            Table.of(["contender", "valid runs", *(HEADERS[k] for k in LATENCY)], rows(LATENCY)),
        ),
        (
            "Throughput, loss, errors, resources: median of repetitions (lowest-highest)",
            Table.of(["contender", "valid runs", *(HEADERS[k] for k in volume)], rows(volume)),
        ),
        (
            "Ratio to the best contender on each figure (reference excluded from 'best')",
            Table.of(["contender", *(HEADERS[k] for k in ratio_keys)], ratios),
        ),
    ]


def build_section(group: Group) -> Section:
    first = group.docs[0]
    figs = contender_figures(group.docs)
    scenario = fields.scenario_name(first)
    title = scenario if group.slug == scenario else f"{scenario} ({group.slug})"
    tables = figure_tables(figs)
    description = str(first["scenario"].get("description", "")).strip()
    if any(f.contender == REFERENCE for f in figs):
        description += (
            " The `reference` contender is a plain `websockets` server speaking the same "
            "protocol: a yardstick for this machine, not a framework to choose."
        )
    return Section(
        title=title,
        slug=group.slug,
        description=description.strip(),
        warnings=tuple(scenario_warnings(group.docs)),
        verdicts=tuple(verdicts(figs)),
        tables=tuple(tables),
        plots=tuple(plot_plan(group.docs, group.slug)),
        setup=setup.setup_table(group.names, group.docs),
    )


def build_report(named: Sequence[tuple[str, Document]], title: str | None = None) -> Report:
    groups = group_results(named)
    names = [fields.scenario_name(g.docs[0]) for g in groups]
    return Report(
        title=title or "python-socketio vs Django Channels: " + ", ".join(names),
        sources=tuple(n for n, _ in named),
        warnings=tuple(environment_warnings(named)),
        sections=tuple(build_section(g) for g in groups),
        environment=setup.environment_table(named),
    )
