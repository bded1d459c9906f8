"""``bench check``: did a tracked metric regress beyond tolerance? (pure)

Each contender is judged relative to the ``reference`` contender measured in the same results
(a plain websockets server): the change of a contender's figure from baseline to current is
divided by the reference's change over the same time, so a slower or faster CI machine moves
both and cancels out. The figure is the median of the per-second values of the measured phases
of every repetition (latency; deliveries/s: of the repetitions' figures), and a bootstrap
interval (each sample set resampled, fixed seed) says how sure that ratio is. A metric
regressed when the whole 90 % interval lies beyond the tolerance on the worse side: the
regression is significant *and* larger than the tolerance. Loss is judged on its own (a lost
message is a fault, not a speed): it regressed when the current median loss exceeds the
baseline's worst repetition by more than ``LOSS_TOLERANCE_PP`` percentage points.

Same-run mode (``bench check --base GITREF``): one result holds both trees' runs, interleaved,
labelled ``contender@base`` and ``contender@HEAD``; :func:`check_same_run` judges the current
side against the base side with the same test, without reference normalisation (both sides ran
on the same machine at the same time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from report import fields
from report.fields import PER_SECOND, Document
from report.figures import METRIC, rounded
from report.palette import REFERENCE, label
from report.significance import BOOTSTRAP_NAME, median, ratio_interval
from report.tables import Table, to_markdown

TRACKED = ("p50_ms", "p99_ms", "deliveries_per_s")
TAIL = ("p99_ms",)  # may have a tolerance of its own (same-run mode: tail_tolerance)
LOSS_TOLERANCE_PP = 0.1
CONFIDENCE = 0.90
Status = Literal["ok", "regressed", "improved", "inconclusive", "missing"]


@dataclass(frozen=True)
class CheckRow:
    contender: str
    metric: str
    baseline: float | None  # median of per-second values (loss: worst repetition)
    current: float | None
    ratio: float | None  # current / baseline, over the reference's ratio when judged relative
    low: float | None  # the bootstrap interval of ``ratio``
    high: float | None
    status: Status


@dataclass(frozen=True)
class CheckResult:
    scenario: str
    relative_to: str | None  # the reference contender, or None for absolute figures
    tolerance: float
    rows: tuple[CheckRow, ...]
    warnings: tuple[str, ...]
    same_run: str | None = None  # A/B in one run: what was compared (base vs current)
    tail_tolerance: float | None = None  # p99's own tolerance (None: ``tolerance``)

    @property
    def failed(self) -> bool:
        return any(r.status in ("regressed", "missing") for r in self.rows)


def _runs(docs: Sequence[Document], contender: str) -> list[fields.Run]:
    return [r for d in docs for r in fields.runs_of(d, contender)]


def samples(docs: Sequence[Document], contender: str, metric: str) -> list[float]:
    """Per-second values of the measured phases of every repetition for latency, else (and
    when a result has no per-second series) the repetitions' figures."""
    runs = _runs(docs, contender)
    values = [v for r in runs for v in fields.per_second(r, metric)] if metric in PER_SECOND else []
    return values or [v for r in runs if (v := fields.overall(r, metric)) is not None]


def judge_metric(
    base: Sequence[Document], cur: Sequence[Document], contender: str, metric: str,
    ref: str | None, tolerance: float,
) -> CheckRow:  # fmt: skip
    sb, sc = samples(base, contender, metric), samples(cur, contender, metric)
    rb = samples(base, ref, metric) if ref else []
    rc = samples(cur, ref, metric) if ref else []
    before, after = median(sb), median(sc)
    interval = ratio_interval(sc, sb, rc, rb, confidence=CONFIDENCE)
    if interval is None:
        return CheckRow(contender, metric, before, after, None, None, None, "missing")
    point, low, high = interval
    worse_limit, better_limit = 1.0 + tolerance, 1.0 / (1.0 + tolerance)
    if METRIC[metric].better == "higher":  # throughput: worse means smaller
        worse_limit, better_limit = 1.0 - tolerance, 1.0 / (1.0 - tolerance)
        regressed, improved = high < worse_limit, low > better_limit
        inconclusive = point < worse_limit
    else:
        regressed, improved = low > worse_limit, high < better_limit
        inconclusive = point > worse_limit
    status: Status = (
        "regressed" if regressed else "improved" if improved
        else "inconclusive" if inconclusive else "ok"
    )  # fmt: skip
    return CheckRow(contender, metric, before, after, point, low, high, status)


def judge_loss(base: Sequence[Document], cur: Sequence[Document], contender: str) -> CheckRow:
    lb = [v for r in _runs(base, contender) if (v := fields.overall(r, "loss_pct")) is not None]
    lc = [v for r in _runs(cur, contender) if (v := fields.overall(r, "loss_pct")) is not None]
    worst, now = (max(lb) if lb else None), median(lc)
    if worst is None or now is None:
        return CheckRow(contender, "loss_pct", worst, now, None, None, None, "missing")
    status: Status = "regressed" if now > worst + LOSS_TOLERANCE_PP else "ok"
    return CheckRow(contender, "loss_pct", worst, now, None, None, None, status)


def check(
    baseline: Sequence[Document],
    current: Sequence[Document],
    *,
    tolerance: float = 0.10,
    reference: str | None = REFERENCE,
    warnings: Sequence[str] = (),
    tail_tolerance: float | None = None,
) -> CheckResult:
    """Judge every contender of the baseline (except the reference) in the current results;
    p99 against ``tail_tolerance`` when given."""
    base_contenders = [c for d in baseline for c in fields.contenders(d)]
    cur_contenders = {c for d in current for c in fields.contenders(d)}
    ref = reference if reference in base_contenders and reference in cur_contenders else None
    rows: list[CheckRow] = []
    for contender in dict.fromkeys(base_contenders):
        if contender == ref:
            continue
        if contender not in cur_contenders:
            rows.append(CheckRow(contender, "runs", None, None, None, None, None, "missing"))
            continue
        for metric in TRACKED:
            limit = tail_tolerance if metric in TAIL and tail_tolerance is not None else tolerance
            rows.append(judge_metric(baseline, current, contender, metric, ref, limit))
        rows.append(judge_loss(baseline, current, contender))
    return CheckResult(
        fields.scenario_name(baseline[0]), ref, tolerance, tuple(rows), tuple(warnings),
        tail_tolerance=tail_tolerance,
    )  # fmt: skip


def split_sides(document: Document, base_tag: str, current_tag: str) -> tuple[Document, Document]:
    """One same-run result as two: the ``@base_tag`` runs and the ``@current_tag`` runs, each
    under its bare contender name, so that :func:`check` can judge them."""

    def side(tag: str) -> Document:
        runs = []
        for run in document.get("runs", []):
            contender, _, run_tag = str(run["contender"]).partition("@")
            if run_tag == tag:
                runs.append({**run, "contender": contender})
        return {**document, "runs": runs}

    return side(base_tag), side(current_tag)


def check_same_run(
    document: Document, *, base_tag: str, current_tag: str, tolerance: float = 0.10,
    tail_tolerance: float | None = None, warnings: Sequence[str] = (), described: str = "",
) -> CheckResult:  # fmt: skip
    """Judge the current tree's contenders against the base tree's, both from ``document``."""
    base, current = split_sides(document, base_tag, current_tag)
    result = check([base], [current], tolerance=tolerance, reference=None, warnings=warnings,
                   tail_tolerance=tail_tolerance)  # fmt: skip
    return replace(result, same_run=described or f"@{base_tag} vs @{current_tag}")


def _value(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}%" if metric == "loss_pct" else f"{value:.2f}"


def _ratio(row: CheckRow) -> tuple[str, str]:
    if row.metric == "loss_pct":
        if row.baseline is None or row.current is None:
            return "-", "-"
        return f"{row.current - row.baseline:+.3f} pp", "-"
    if row.ratio is None or row.low is None or row.high is None:
        return "-", "-"
    return f"{row.ratio - 1:+.1%}", f"{row.low - 1:+.1%} .. {row.high - 1:+.1%}"


def method_text(result: CheckResult) -> str:
    if result.same_run:
        how = (
            f"Same run: {result.same_run}, both sides measured in this run, interleaved, on the "
            "same plan; no reference normalisation."
        )
    elif result.relative_to:
        how = (
            f"Judged relative to `{result.relative_to}` measured in the same results: the change "
            f"is a contender's current/baseline ratio divided by `{result.relative_to}`'s."
        )
    else:
        how = "**Judged on absolute figures**: no `reference` contender in both results."
    return (
        f"{how} Figures: medians of per-second values of the measured phases of every "
        "repetition (latency), of the repetitions' figures (deliveries/s). "
        f"Test: {BOOTSTRAP_NAME} ({CONFIDENCE:.0%}, 2000 resamples, fixed seed); "
        f"regressed when the whole interval is worse than the tolerance of "
        f"{result.tolerance:.0%}{_tail(result)}; inconclusive when the change is beyond the "
        "tolerance but the interval is not. Loss: regressed when the current median is over "
        f"{LOSS_TOLERANCE_PP} percentage points above the baseline's worst repetition."
    )


def _tail(result: CheckResult) -> str:
    tail = result.tail_tolerance
    return "" if tail is None or tail == result.tolerance else f" ({tail:.0%} for p99)"


def render_check(result: CheckResult) -> str:
    failed = [r for r in result.rows if r.status in ("regressed", "missing")]
    verdict = f"FAIL ({len(failed)} regressed)" if failed else "PASS"
    lines = [f"## bench check: {result.scenario}: {verdict}", ""]
    lines += [f"- **WARNING**: {w}" for w in result.warnings]
    lines += ["", method_text(result), ""] if result.warnings else [method_text(result), ""]
    rows = []
    for r in result.rows:
        change, interval = _ratio(r)
        name = METRIC[r.metric].label if r.metric in METRIC else r.metric
        status = f"**{r.status}**" if r.status in ("regressed", "missing") else r.status
        rows.append([label(r.contender), name, _value(r.metric, r.baseline),
                     _value(r.metric, r.current), change, interval, status])  # fmt: skip
    headers = ["contender", "metric", "baseline", "current", "change", "interval", "status"]
    if result.same_run:
        headers[2] = "base"
    elif result.relative_to:
        headers[4] = f"change vs {result.relative_to}"
    lines += [to_markdown(Table.of(headers, rows, numeric_from=2)), ""]
    return "\n".join(lines)


def check_json(result: CheckResult) -> dict[str, Any]:
    data = asdict(result)
    for key in ("same_run", "tail_tolerance"):  # same-run mode only
        if data[key] is None:
            del data[key]
    data["failed"] = result.failed
    data["test"] = f"{BOOTSTRAP_NAME} ({CONFIDENCE:.0%})"
    return dict(rounded(data))
