"""Capacity searches (``bench capacity``, ``docs/capacity.md``) in a report (pure): each
contender's maximum sustainable load, the interval it lies in and its status, the ratio in
plain words, every step (which condition failed, whether its servers were reused), and the
data of the latency-vs-offered-load plot (the knee). Reads schema 1 (steps judged by the SLO
alone, fresh servers every step) and schema 2."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loadgen.capacity.conclusion import comparison
from report import setup
from report.fields import Document, number
from report.palette import label
from report.plotplan import CAPTIONS, PlotSpec
from report.sections import Group, Section
from report.tables import Table
from report.warnings import Warning

STATUS = {
    "found": "found: passes at this load, fails just above it",
    "at_least": "at least: passed at the search's maximum, the limit lies higher",
    "loadgen_limited": "limited by the load generator: higher loads could not be measured",
    "none": "none: the SLO fails even at the search's minimum",
    "step_limit": "unknown: the step limit ended the search",
    "running": "unknown: the search did not finish",
}


def contenders(doc: Document) -> list[str]:
    return list(doc["contenders"])


def steps(doc: Document, contender: str) -> list[dict[str, Any]]:
    return list(doc["contenders"][contender].get("steps") or [])


def maximum(doc: Document, contender: str) -> dict[str, Any]:
    return dict(doc["contenders"][contender].get("maximum") or {"status": "running", "load": None})


def unit(doc: Document) -> str:
    return str(doc["search"].get("unit", ""))


def _load(value: Any, unit_: str) -> str:
    v = number(value)
    return "-" if v is None else f"{v:.4g} {unit_}"


def interval(m: dict[str, Any]) -> tuple[float | None, float | None]:
    """(highest pass, lowest fail) of a maximum; schema 1 kept them as load and ceiling."""
    found = m.get("interval") or {}
    low = number(found.get("pass")) if found else number(m.get("load"))
    high = number(found.get("fail")) if found else number(m.get("ceiling"))
    return low, high


def interval_text(m: dict[str, Any], unit_: str) -> str:
    """``975 - 1000 msgs/s, spread 2.6% (votes 2/2, 2/3)``; ``-`` without both bounds."""
    low, high = interval(m)
    if low is None or high is None or low <= 0:
        return "-"
    found = m.get("interval") or {}
    votes = [found.get("pass_votes"), found.get("fail_votes")]
    said = f" (votes {votes[0]}, {votes[1]})" if all(votes) else ""
    return f"{low:g} - {_load(high, unit_)}, spread {high / low - 1:.1%}{said}"


def max_load_text(m: dict[str, Any], unit_: str) -> str:
    """The maximum sustainable load as a table cell: ``1950 msgs/s``, ``at least 800 msgs/s,
    limited by the load generator``, ``none``, ``unknown``."""
    status, load = m.get("status"), m.get("load")
    if status == "found":
        return _load(load, unit_)
    if status == "at_least":
        return f"at least {_load(load, unit_)}"
    if status == "loadgen_limited":
        low = f"at least {_load(load, unit_)}" if load is not None else "unknown"
        return f"{low}, limited by the load generator"
    if status == "none":
        return "none"
    return "unknown" + (f" (highest pass {_load(load, unit_)})" if load is not None else "")


@dataclass(frozen=True)
class KneePoint:
    load: float
    p50: float | None
    p99: float | None
    outcome: str  # pass, fail, unknown
    loadgen_bound: bool


def knee_points(doc: Document, contender: str) -> list[KneePoint]:
    points = []
    for s in steps(doc, contender):
        p50, p99 = number(s.get("p50_ms")), number(s.get("p99_ms"))
        outcome, bound = str(s.get("outcome")), bool(s.get("loadgen_bound"))
        points.append(KneePoint(float(s["load"]), p50, p99, outcome, bound))
    return points


def knee_line(points: Sequence[KneePoint]) -> tuple[list[float], list[float], list[float]]:
    """(loads, p50, p99): per load in increasing order, the median of the steps the load
    generator could drive (unknown steps measure the load generator, not the server)."""
    by_load: dict[float, list[KneePoint]] = {}
    for p in points:
        if p.outcome != "unknown" and p.p50 is not None and p.p99 is not None:
            by_load.setdefault(p.load, []).append(p)
    loads = sorted(by_load)
    p50 = [statistics.median(p.p50 for p in by_load[x] if p.p50 is not None) for x in loads]
    p99 = [statistics.median(p.p99 for p in by_load[x] if p.p99 is not None) for x in loads]
    return loads, p50, p99


def slo_limit(doc: Document, metric: str = "p99_ms") -> float | None:
    """The upper limit the SLO sets on ``metric`` (``"p99_ms < 50"`` -> 50), if any."""
    for text in doc.get("slo", []):
        parts = str(text).split()
        if len(parts) == 3 and parts[0] == metric and parts[1] in ("<", "<="):
            try:
                return float(parts[2])
            except ValueError:
                return None
    return None


def maxima_table(doc: Document) -> Table:
    u = unit(doc)
    rows = []
    for c in contenders(doc):
        m = maximum(doc, c)
        outcomes = [s.get("outcome") for s in steps(doc, c)]
        took = number(doc["contenders"][c].get("search_s"))
        reused = sum(1 for s in steps(doc, c) if s.get("server") == "reused")
        rows.append([
            label(c), max_load_text(m, u), STATUS.get(str(m.get("status")), str(m.get("status"))),
            interval_text(m, u), f"{outcomes.count('pass')} / {outcomes.count('fail')} / "
            f"{outcomes.count('unknown')}", f"{reused} of {len(outcomes)}",
            "-" if took is None else f"{took:.0f} s",
        ])  # fmt: skip
    headers = [
        "contender", "maximum sustainable load", "status", "interval: highest pass - lowest fail",
        "steps pass / fail / unknown", "steps on reused servers", "search time",
    ]  # fmt: skip
    return Table.of(headers, rows, numeric_from=len(headers))


def _cell(value: Any, fmt: str) -> str:
    v = number(value)
    return "-" if v is None else fmt.format(v)


def steps_table(doc: Document) -> Table:
    rows = []
    for c in contenders(doc):
        for s in steps(doc, c):
            note = "load generator bound: not counted" if s.get("loadgen_bound") else ""
            if s.get("outcome") == "fail" or s.get("disturbed"):
                note = "; ".join(str(r) for r in s.get("reasons", []))
            rows.append([
                label(c), str(s.get("index")), _cell(s.get("load"), "{:g}"), str(s.get("outcome")),
                _cell(s.get("p50_ms"), "{:.2f}"), _cell(s.get("p99_ms"), "{:.2f}"),
                _cell(s.get("msgs_per_s"), "{:.1f}"), _cell(s.get("served_ratio"), "{:.1%}"),
                _cell(s.get("loss"), "{:.0f}"), "yes" if s.get("valid") else "NO",
                _server_cell(s), note or "-",
            ])  # fmt: skip
    headers = [
        "contender", "step", f"offered {unit(doc)}", "outcome", "p50 ms", "p99 ms",
        "acked msgs/s", "served of offered", "loss", "valid", "servers", "note",
    ]  # fmt: skip
    return Table.of(headers, rows, numeric_from=1)


def _server_cell(step: dict[str, Any]) -> str:
    server = step.get("server")
    if server is None:
        return "fresh"  # schema 1: every step started its own servers
    return f"restarted: {step.get('server_why')}" if server == "restarted" else str(server)


def capacity_verdicts(doc: Document) -> list[str]:
    u = unit(doc)
    maxima = {label(c): maximum(doc, c) for c in contenders(doc)}
    out = [line + "." for line in comparison(maxima, u).splitlines() if line]
    slo = ", ".join(doc.get("slo", []))
    for c in contenders(doc):
        m = maximum(doc, c)
        text = m.get("text") or max_load_text(m, u)
        out.append(f"{label(c)}: maximum sustainable load under the SLO ({slo}): {text}.")
    return out


def capacity_warnings(doc: Document) -> list[Warning]:
    out: list[Warning] = []
    if doc.get("status") != "complete":
        out.append(Warning("invalid", f"capacity search not complete: {doc.get('status')}"))
    u = unit(doc)
    for c in contenders(doc):
        name, m = label(c), maximum(doc, c)
        if m.get("status") == "loadgen_limited":
            text = (
                f"{name}: the maximum is only a lower bound, {max_load_text(m, u)}; add "
                "load-generator processes (--workers) or hosts and search again"
            )
            out.append(Warning("warning", text))
        if m.get("non_monotone"):
            loads = ", ".join(f"{v:g}" for v in m["non_monotone"])
            text = f"{name}: noisy: passed at {loads} above a load judged failing (kept, does "
            out.append(Warning("warning", text + "not move the answer)"))
        for s in steps(doc, c):
            step = f"{name} step {s.get('index')} at {_load(s.get('load'), u)}"
            if s.get("outcome") == "unknown":
                why = "; ".join(s.get("reasons", [])) or "no measurement"
                out.append(Warning("warning", f"{step}: not counted: {why}"))
            delay = number(s.get("server_delay_ms"))
            if delay:
                text = f"{step}: an artificial per-message delay of {delay:g} ms was injected"
                out.append(Warning("warning", text))
    return out


def capacity_setup(name: str, doc: Document) -> Table:
    s, search = doc["scenario"], doc["search"]
    confirm = int(search.get("confirm", 0))
    noise, passes, servers = _method(search)
    rows = [
        ("result file", name),
        ("capacity search", f"{doc.get('capacity_id', '-')} ({doc.get('status')})"),
        ("scenario", f"{s['name']} ({doc.get('scenario_source', '-')}), hash "
                     f"{doc['scenario_hash'][:16]}"),
        ("SLO", ", ".join(doc.get("slo", []))),
        ("load", f"{search['dimension']} ({unit(doc)}): start {search['start']:g}, "
                 f"between {search['min_load']:g} and {search['max_load']:g}, x"
                 f"{search['step_factor']:g} per step, then bisection to "
                 f"{search['precision']:.0%}"),
        ("noise", noise if confirm else "none: one run decides each load"),
        ("a step passes", passes),
        ("each step", f"{servers}, {search['warmup_s']:g} s warm-up, "
                      f"{search['step_duration_s']:g} s measured, {search['drain_s']:g} s drain"),
        ("connections", f"{s['connections']['count']} ({s['connections']['transport']})"),
        ("rooms", f"{s['rooms']['count']} x {s['rooms']['members_per_room']} members"),
        ("traffic", setup.traffic_text(s)),
        ("backend", f"{s['backend']['kind']}, {s.get('instances', 1)} instance(s)"),
        ("CPU pinning", setup.pinning_text(doc)),
    ]  # fmt: skip
    return Table.of(["setting", "value"], rows, numeric_from=2)


def _method(search: dict[str, Any]) -> tuple[str, str, str]:
    """(noise, what a pass needs, the servers of a step) in words, by the search's schema."""
    votes = 2 * int(search.get("confirm", 0)) + 1
    if "votes" not in search:  # schema 1
        return (f"a failing load is re-run, best of {votes}", "the SLO holds", "fresh servers")
    served = number(search.get("served_ratio_min")) or 0.0
    return (
        f"both bounds of the interval decided by a majority of {votes} runs (loads passed "
        "while raising, far below the knee, run once)",
        f"the SLO holds, at least {served:.0%} of the offered load is served, and the queue "
        "does not grow (the run is not saturated)",
        "servers kept running from a step that left no backlog, restarted otherwise"
        if search.get("reuse_servers")
        else "fresh servers",
    )


def build_capacity_section(group: Group) -> Section:
    from report.capacity_matrix import matrix_table  # it reads maxima through this module

    doc = group.docs[0]
    scenario = str(doc["scenario"]["name"])
    matrix = matrix_table(doc)
    return Section(
        title=f"capacity of {scenario} by {doc['search']['dimension']}"
        + ("" if group.slug == f"capacity-{scenario}" else f" ({group.slug})"),
        slug=group.slug,
        description=(
            f"`bench capacity` raised the offered load on {scenario} step by step, then "
            "bisected, until a step failed, for each contender on the same plan; every step is "
            "a real run. The maximum sustainable load is the highest load that passed; the "
            "interval runs from it to the lowest load that failed."
        ),
        warnings=tuple(capacity_warnings(doc)),
        verdicts=tuple(capacity_verdicts(doc)),
        tables=(
            ("Maximum sustainable load", maxima_table(doc)),
            *([("By framework and ASGI server", matrix)] if matrix else []),
            ("Every step of the search, in order", steps_table(doc)),
        ),
        plots=(PlotSpec("knee", f"{group.slug}-knee.png", CAPTIONS["knee"]),),
        setup=capacity_setup(group.names[0], doc),
    )
