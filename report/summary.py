"""The report's content as data: sections, tables, verdicts, warnings (pure).

:mod:`report.markdown` and :mod:`report.html` render the same :class:`Report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from report import faults, fields, setup, transport
from report.calibration import Headline, build_headline
from report.capacity import build_capacity_section
from report.fields import Document
from report.figures import ContenderFigures, contender_figures, format_figure
from report.iot import bridges_sentence
from report.method import EXTRA_METHOD, FAULT_METHOD, METHOD, METHOD_V2
from report.palette import REFERENCE, REFERENCE_LINES, label
from report.plotplan import plot_plan
from report.robustness import build_robustness_section
from report.robustness import slug as robustness_slug
from report.scale import build_scale_section
from report.scale import scenario_name as scale_scenario
from report.sections import Group, GroupKind, Section
from report.tables import Table
from report.verdict import LATENCY_KEYS, LEADER_METRICS, SATURATED, ratio_cells, verdicts
from report.warnings import Warning, environment_warnings, scenario_warnings

__all__ = ["Group", "Report", "Section", "build_report", "group_results"]

LATENCY = ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "connect_p99_ms")
# Columns of the throughput table, where the results have them (schema 1: msgs/s,
# deliveries/s, loss; schema 2: offered vs served, late, lost, queued where any, the queue of a
# saturated contender).
VOLUME = (
    "msgs_per_s", "offered_deliveries_per_s", "deliveries_per_s", "late", "lost", "loss",
    "queued", "queue_s", "errors", "server_cpu_pct", "server_rss_mb", "rss_kb_per_conn",
)  # fmt: skip
HEADERS = {
    "p50_ms": "p50", "p90_ms": "p90", "p99_ms": "p99", "p999_ms": "p99.9", "max_ms": "max",
    "connect_p99_ms": "connect p99", "msgs_per_s": "msgs/s", "deliveries_per_s": "deliveries/s",
    "offered_deliveries_per_s": "offered deliveries/s", "late": "late", "lost": "lost",
    "queued": "queued", "queue_s": "queue (s)", "loss": "loss", "errors": "errors",
    "server_cpu_pct": "CPU %", "server_rss_mb": "RSS MB", "rss_kb_per_conn": "KB/conn",
}  # fmt: skip


@dataclass(frozen=True)
class Report:
    title: str
    sources: tuple[str, ...]
    warnings: tuple[Warning, ...]
    sections: tuple[Section, ...]
    environment: Table
    method: tuple[str, ...] = METHOD
    headline: Headline | None = None  # capacities and loads when the rates were calibrated


def _kind(doc: Document) -> GroupKind:
    kind = fields.kind(doc)
    if kind == fields.CAPACITY_KIND:
        return "capacity"
    if kind == fields.ROBUSTNESS_KIND:
        return "robustness"
    return "scale" if kind == fields.SCALE_KIND else "result"


def _name(doc: Document, kind: GroupKind) -> str:
    if kind == "scale":
        return f"scale-{scale_scenario(doc)}"
    if kind == "robustness":
        return robustness_slug(doc)
    name = fields.scenario_name(doc)
    return f"capacity-{name}" if kind == "capacity" else name


def group_results(named: Sequence[tuple[str, Document]]) -> list[Group]:
    """Results of one scenario hash pooled into one group; each capacity search and scale-out
    summary and robustness result a group of its own; in the order the files were given."""
    keyed: dict[str, list[tuple[str, Document]]] = {}
    for i, (name, doc) in enumerate(named):
        kind = _kind(doc)
        key = f"result:{doc['scenario_hash']}" if kind == "result" else f"{kind}:{i}"
        keyed.setdefault(key, []).append((name, doc))
    counts: dict[str, int] = {}
    for items in keyed.values():
        base = _name(items[0][1], _kind(items[0][1]))
        counts[base] = counts.get(base, 0) + 1
    groups: list[Group] = []
    for items in keyed.values():
        doc = items[0][1]
        kind = _kind(doc)
        slug = base = _name(doc, kind)
        if counts[base] > 1:
            slug = f"{base}-{doc['scenario_hash'][:8]}" if kind == "result" else base
            taken = {g.slug for g in groups}
            n = 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
        groups.append(Group(slug, tuple(n for n, _ in items), tuple(d for _, d in items), kind))
    return groups


def _cell(f: ContenderFigures, key: str) -> str:
    """A figure, a lower bound (``> 6.5 s``), or ``saturated`` for the delivery latency of a
    contender that did not keep up."""
    if key in LATENCY_KEYS and not f.kept_up:
        judged = len(f.saturations)
        return SATURATED if f.saturated == judged else f"{SATURATED} ({f.saturated}/{judged} runs)"
    return format_figure(f, key)


def _volume_keys(figs: Sequence[ContenderFigures]) -> list[str]:
    have = [k for k in VOLUME if any(f.get(k) for f in figs)]
    drop = set()
    if "lost" in have:
        drop.add("loss")  # the same count, under the name of schema 2
    if not any((s := f.get("queued")) and s.high > 0 for f in figs):
        drop.add("queued")
    if all(f.kept_up for f in figs):
        drop.add("queue_s")
    return [k for k in have if k not in drop]


def _captions(figs: Sequence[ContenderFigures], served: bool) -> tuple[str, str]:
    latency = "Latency (ms): median of repetitions (lowest-highest)"
    if not all(f.kept_up for f in figs):
        latency += "; saturated: the contender did not keep up, its latency measures its queue"
    if any(k in LATENCY_KEYS for f in figs for k in f.censored):
        latency += "; > X: a lower bound (deliveries that never arrived make it unknowable)"
    volume = (
        "Throughput (offered vs served, by receive time), late and lost deliveries, errors, "
        "resources: median of repetitions (lowest-highest)"
        if served
        else "Throughput, loss, errors, resources: median of repetitions (lowest-highest)"
    )
    return latency, volume


def figure_tables(
    figs: Sequence[ContenderFigures], na: dict[str, str] | None = None
) -> list[tuple[str, Table]]:
    """``na``: contenders not applicable to the scenario, listed with n/a in every cell."""
    missing = list(na or {})

    def rows(keys: Sequence[str]) -> list[list[str]]:
        return [
            [label(f.contender), f"{f.valid_runs}/{f.runs}"] + [_cell(f, k) for k in keys]
            for f in figs
        ] + [[label(c), "n/a"] + ["n/a"] * len(keys) for c in missing]

    volume = _volume_keys(figs)
    served = "offered_deliveries_per_s" in volume
    headers = dict(HEADERS, deliveries_per_s="served deliveries/s") if served else HEADERS
    ratio_keys = [k for k in LEADER_METRICS if any(f.get(k) for f in figs)]
    cells = {k: ratio_cells(figs, k) for k in ratio_keys}
    ratios = [[label(f.contender)] + [cells[k][f.contender] for k in ratio_keys] for f in figs]
    ratios += [[label(c)] + ["n/a"] * len(ratio_keys) for c in missing]
    latency_caption, volume_caption = _captions(figs, served)
    return [
        (
            latency_caption,
            Table.of(["contender", "valid runs", *(HEADERS[k] for k in LATENCY)], rows(LATENCY)),
        ),
        (
            volume_caption,
            Table.of(["contender", "valid runs", *(headers[k] for k in volume)], rows(volume)),
        ),
        (
            "Ratio to the best contender on each figure (reference excluded from 'best'; "
            "latency and CPU only among contenders that kept up)"
            if not all(f.kept_up for f in figs)
            else "Ratio to the best contender on each figure (reference excluded from 'best')",
            Table.of(["contender", *(headers[k] for k in ratio_keys)], ratios),
        ),
    ]


def build_section(group: Group) -> Section:
    if group.kind == "capacity":
        return build_capacity_section(group)
    if group.kind == "scale":
        return build_scale_section(group)
    if group.kind == "robustness":
        return build_robustness_section(group)
    first = group.docs[0]
    figs = contender_figures(group.docs)
    na = transport.not_applicable(group.docs)
    scenario = fields.scenario_name(first)
    title = scenario if group.slug == scenario else f"{scenario} ({group.slug})"
    description = str(first["scenario"].get("description", "")).strip()
    if any(f.contender == REFERENCE for f in figs):
        description += (
            " The `reference` contender is a plain `websockets` server speaking the same "
            "protocol: a yardstick for this machine, not a framework to choose."
        )
    for f in figs:
        if f.contender in REFERENCE_LINES:
            description += f" {label(f.contender)}: {REFERENCE_LINES[f.contender]}"
    if first["scenario"].get("devices"):  # the IoT dashboard: say how each one bridges MQTT
        description += " " + bridges_sentence(f.contender for f in figs)
    tables = figure_tables(figs, na)
    said = transport.sentences(na, group.docs) + verdicts(figs)
    if faults.has_faults(group.docs):
        rows = faults.recovery_rows(group.docs)
        said += faults.recovery_verdicts(rows)
        tables.append(
            (
                "Recovery from each fault: clients dropped, time until every one was back, "
                "deliveries lost during the outage and after it",
                faults.recovery_table(rows),
            )
        )
    return Section(
        title=title,
        slug=group.slug,
        description=description.strip(),
        warnings=tuple(transport.notes(na) + scenario_warnings(group.docs)),
        verdicts=tuple(said),
        tables=tuple(tables),
        plots=tuple(plot_plan(group.docs, group.slug)),
        setup=setup.setup_table(group.names, group.docs),
    )


def _short(group: Group) -> str:
    if group.kind == "scale":
        return f"scale-out of {scale_scenario(group.docs[0])}"
    if group.kind == "robustness":
        return "robustness probes"
    name = fields.scenario_name(group.docs[0])
    return f"capacity search of {name}" if group.kind == "capacity" else name


def build_report(named: Sequence[tuple[str, Document]], title: str | None = None) -> Report:
    groups = group_results(named)
    sections = tuple(build_section(g) for g in groups)
    kinds = {g.kind for g in groups}
    schema2 = any(
        fields.schema_version(d) >= 2 for g in groups if g.kind == "result" for d in g.docs
    )
    # The general method describes runs of scenarios: a report of robustness probes alone
    # says only how those were measured.
    base = () if kinds == {"robustness"} else (METHOD_V2 if schema2 else METHOD)
    method = base + tuple(m for k, m in EXTRA_METHOD.items() if k in kinds)
    if any(faults.has_faults(g.docs) for g in groups if g.kind == "result"):
        method += (FAULT_METHOD,)
    profiles = sorted({str(d.get("scenario", {}).get("profile", "equal")) for _, d in named})
    named_profile = f" (profile {', '.join(profiles)})" if profiles not in ([], ["equal"]) else ""
    return Report(
        title=title
        or "python-socketio vs Django Channels: " + ", ".join(map(_short, groups)) + named_profile,
        sources=tuple(n for n, _ in named),
        warnings=tuple(environment_warnings([(n, d) for n, d in named if "environment" in d])),
        sections=sections,
        environment=setup.environment_table(named),
        method=method,
        headline=build_headline([d for _, d in named]),
    )
