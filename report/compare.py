"""``bench compare``: per contender and metric, the change from A to B and whether it is real
(pure: documents in, rows and Markdown out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from report import fields
from report.fields import PER_SECOND, Document
from report.figures import METRIC, format_value, rounded
from report.palette import label
from report.significance import TEST_NAME, Change, judge, median, smallest_p
from report.tables import Table, to_markdown

COMPARED = (
    "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "msgs_per_s", "deliveries_per_s",
    "loss_pct", "errors", "server_cpu_pct", "server_rss_mb",
)  # fmt: skip


@dataclass(frozen=True)
class CompareRow:
    contender: str
    metric: str
    samples: str  # "per-second" or "per-repetition"
    result: Change


@dataclass(frozen=True)
class Comparison:
    scenario: str
    a: tuple[str, ...]
    b: tuple[str, ...]
    rows: tuple[CompareRow, ...]
    warnings: tuple[str, ...]
    min_effect: float
    alpha: float


def _runs(docs: Sequence[Document], contender: str) -> list[fields.Run]:
    return [r for d in docs for r in fields.runs_of(d, contender)]


def samples(runs: Sequence[fields.Run], metric: str) -> tuple[str, list[float]]:
    if metric in PER_SECOND:
        values = [v for r in runs for v in fields.per_second(r, metric)]
        if values:
            return "per-second", values
    return "per-repetition", [v for r in runs if (v := fields.overall(r, metric)) is not None]


def compare(
    a: Sequence[tuple[str, Document]],
    b: Sequence[tuple[str, Document]],
    *,
    min_effect: float = 0.05,
    alpha: float = 0.05,
    warnings: Sequence[str] = (),
) -> Comparison:
    docs_a = [d for _, d in a]
    docs_b = [d for _, d in b]
    contenders = [c for c in _order(docs_a) if c in _order(docs_b)]
    notes = list(warnings)
    for side, mine, other in (("A", docs_a, docs_b), ("B", docs_b, docs_a)):
        alone = [c for c in _order(mine) if c not in _order(other)]
        if alone:
            notes.append(f"only in {side}, not compared: {', '.join(alone)}")
    for side, mine in (("A", docs_a), ("B", docs_b)):
        notes += saturation_notes(mine, contenders, side)
    rows = []
    for contender in contenders:
        runs_a, runs_b = _runs(docs_a, contender), _runs(docs_b, contender)
        for metric in COMPARED:
            before = median([v for r in runs_a if (v := fields.overall(r, metric)) is not None])
            after = median([v for r in runs_b if (v := fields.overall(r, metric)) is not None])
            if before is None or after is None:
                continue
            kind, sa = samples(runs_a, metric)
            _, sb = samples(runs_b, metric)
            better = METRIC[metric].better
            change = judge(before, after, sa, sb, better, min_effect=min_effect, alpha=alpha)
            rows.append(CompareRow(contender, metric, kind, change))
    return Comparison(
        fields.scenario_name(docs_a[0]), tuple(n for n, _ in a), tuple(n for n, _ in b),
        tuple(rows), tuple(notes), min_effect, alpha,
    )  # fmt: skip


def saturation_notes(docs: Sequence[Document], contenders: Sequence[str], side: str) -> list[str]:
    """A contender saturated in some run: its latency there measures its queue, so a latency
    change says little about its speed (results of schema 2; schema 1 is not judged)."""
    out = []
    for contender in contenders:
        judged = [s for r in _runs(docs, contender) if (s := fields.saturation(r)) is not None]
        saturated = sum(bool(s.get("saturated")) for s in judged)
        if saturated:
            out.append(
                f"in {side}, {label(contender)} was saturated ({saturated} of {len(judged)} "
                "runs): its latency there measures its queue, not its speed"
            )
    return out


def _order(docs: Sequence[Document]) -> list[str]:
    out: list[str] = []
    for d in docs:
        out.extend(c for c in fields.contenders(d) if c not in out)
    return out


def format_change(change: float | None) -> str:
    if change is None:
        return "new (was 0)"
    return f"{change:+.1%}"


def format_p(p: float | None) -> str:
    if p is None:
        return "-"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def method_text(min_effect: float, alpha: float, what: str = "two-sided") -> str:
    return (
        f"Test: {TEST_NAME} ({what}) on per-second samples of the measured phases of every "
        "repetition for p50, p99, CPU and RSS, on per-repetition figures for the "
        f"others; a change is real when p < {alpha:g} and it exceeds the minimum effect of "
        f"{min_effect:.0%}, and is called noise below that. Figures are medians over the "
        "repetitions."
    )


def render_comparison(c: Comparison) -> str:
    lines = [f"## bench compare: {c.scenario}", ""]
    lines += [
        f"- A: {', '.join(f'`{n}`' for n in c.a)}",
        f"- B: {', '.join(f'`{n}`' for n in c.b)}",
    ]
    lines += [f"- **WARNING**: {w}" for w in c.warnings]
    lines += ["", method_text(c.min_effect, c.alpha), ""]
    for contender in dict.fromkeys(r.contender for r in c.rows):
        rows = [r for r in c.rows if r.contender == contender]
        table = Table.of(
            ["metric", "A", "B", "change", "p", "n (A/B)", "verdict"],
            [
                [
                    METRIC[r.metric].label
                    + (f" ({METRIC[r.metric].unit})" if METRIC[r.metric].unit else ""),
                    format_value(r.metric, r.result.before),
                    format_value(r.metric, r.result.after),
                    format_change(r.result.change),
                    format_p(r.result.p_value),
                    f"{r.result.n_before}/{r.result.n_after}",
                    _verdict(r),
                ]
                for r in rows
            ],
        )
        lines += [f"### {label(contender)}", "", to_markdown(table), ""]
    weak = [r for r in c.rows if smallest_p(r.result.n_before, r.result.n_after) >= c.alpha]
    if weak:
        lines.append(
            "Some figures have too few samples for the test to reach significance (per-repetition "
            "figures need at least 4 repetitions a side): repeat the runs (`--repetitions`) or "
            "give several result files per side."
        )
    return "\n".join(lines).rstrip() + "\n"


def _verdict(row: CompareRow) -> str:
    v = row.result.verdict
    return f"**{v}**" if v in ("better", "worse") else v


def comparison_json(c: Comparison) -> dict[str, Any]:
    data = asdict(c)
    data["test"] = TEST_NAME
    return dict(rounded(data))
