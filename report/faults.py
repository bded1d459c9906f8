"""Faults in results (kill/restart, pause, broker restart): outage windows, the deliveries lost
inside and outside them, the recovery table and its verdict (pure).

An outage runs from the fault to the later of "the service is back" (the restart, SIGCONT or
broker start) and "every dropped client is back"; it is open-ended when a client never came
back. Lost deliveries are counted by the second their message was planned
(``lost_by_second``): a second that overlaps an outage counts as lost during it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from loadgen.faults.steps import BROKER_STOPS, BROKERS, FAULT_STARTS
from report import fields
from report.fields import Document, Run
from report.palette import label
from report.series import contender_runs
from report.tables import Table
from report.verdict import MIN_EFFECT

BROKER_NAMES = {"redis": "Redis", "rabbitmq": "RabbitMQ", "postgres": "PostgreSQL"}
RESTORES = {"kill": "restart", "stop": "cont"} | {f"{b}_stop": f"{b}_start" for b in BROKERS}
_RESTORED_WORD = {"kill": "restarted", "stop": "resumed"} | dict.fromkeys(
    BROKER_STOPS, "started again"
)


@dataclass(frozen=True)
class Outage:
    action: str  # the fault: kill, stop, or a broker's stop (redis_stop, rabbitmq_stop, ...)
    instance: int
    start: float  # seconds since the first phase began
    restored: float | None  # the restart, SIGCONT or Redis start; None: never restored
    end: float | None  # None: open-ended (a client never came back)
    dropped: int
    never_back: int
    all_back_after_s: float | None  # from ``start``; None when none dropped or some never back

    def what(self) -> str:
        """ "kill of instance 1 at 5.0 s (restarted at 7.5 s)"."""
        broker = BROKER_NAMES.get(self.action.removesuffix("_stop"))
        target = broker or f"instance {self.instance}"
        name = {"kill": "kill of", "stop": "pause (SIGSTOP) of"}.get(self.action, "stop of")
        text = f"{name} {target} at {self.start:.1f} s"
        if self.restored is not None:
            text += f" ({_RESTORED_WORD.get(self.action, 'restored')} at {self.restored:.1f} s)"
        return text


def has_faults(docs: Sequence[Document]) -> bool:
    return any(fields.fault_events(r) for d in docs for r in d.get("runs", []))


def outages(run: Run) -> list[Outage]:
    events = fields.fault_events(run)
    recovery = fields.recovery(run)
    starts = [e for e in events if e["action"] in FAULT_STARTS]
    out = []
    for i, event in enumerate(starts):
        at, action, instance = float(event["t"]), str(event["action"]), int(event["instance"])
        entry = next(
            (r for r in recovery if abs(float(r["at_s"]) - at) < 1e-6),
            recovery[i] if i < len(recovery) else {},
        )
        restored = next(
            (
                float(e["t"])
                for e in events
                if e["action"] == RESTORES[action]
                and float(e["t"]) >= at
                and (action in BROKER_STOPS or e["instance"] == instance)
            ),
            None,
        )
        after = fields.number(entry.get("all_back_after_s"))
        never = int(entry.get("never_back") or 0)
        ends = [x for x in (restored, None if after is None else at + after) if x is not None]
        end = None if never else max(ends, default=at)
        dropped = int(entry.get("dropped") or 0)
        out.append(Outage(action, instance, at, restored, end, dropped, never, after))
    return out


@dataclass(frozen=True)
class LossSplit:
    before: int  # lost before the first outage
    during: tuple[int, ...]  # per outage
    after: tuple[int, ...]  # per outage: after its end, before the next one began
    after_seconds: tuple[tuple[int, ...], ...]  # the seconds of ``after``, per outage


def split_loss(lost: dict[int, int], windows: Sequence[Outage]) -> LossSplit:
    before = 0
    during = [0] * len(windows)
    after = [0] * len(windows)
    seconds: list[list[int]] = [[] for _ in windows]
    for second, n in sorted(lost.items()):
        hit = next(
            (
                i
                for i, w in enumerate(windows)
                if second + 1 > w.start and (w.end is None or second < w.end)
            ),
            None,
        )
        if hit is not None:
            during[hit] += n
            continue
        past = [i for i, w in enumerate(windows) if w.end is not None and w.end <= second]
        if past:
            after[past[-1]] += n
            seconds[past[-1]].append(second)
        else:
            before += n
    return LossSplit(before, tuple(during), tuple(after), tuple(tuple(s) for s in seconds))


@dataclass(frozen=True)
class RecoveryRow:
    contender: str
    repetition: int
    index: int  # the fault's position among the run's faults
    outage: Outage
    lost_during: int
    lost_after: int
    after_seconds: tuple[int, ...]
    lost_before: int
    duplicates: int
    errors: int


def recovery_rows(docs: Sequence[Document]) -> list[RecoveryRow]:
    rows = []
    for contender, runs in contender_runs(docs).items():
        for run in runs:
            windows = outages(run)
            split = split_loss(fields.lost_by_second(run), windows)
            duplicates = int(fields.overall(run, "duplicates") or 0)
            for i, w in enumerate(windows):
                rows.append(
                    RecoveryRow(
                        contender, int(run["repetition"]), i, w, split.during[i], split.after[i],
                        split.after_seconds[i], split.before if i == 0 else 0, duplicates,
                        fields.errors_total(run),
                    )
                )  # fmt: skip
    return rows


def _back(o: Outage) -> str:
    if o.never_back:
        return f"never: {o.never_back} not back"
    if o.all_back_after_s is None:
        return "none dropped"
    return f"{o.all_back_after_s:.1f} s"


def _window(o: Outage) -> str:
    return f"{o.start:.1f}-" + ("end of run" if o.end is None else f"{o.end:.1f} s")


def recovery_table(rows: Sequence[RecoveryRow]) -> Table:
    repeated = len({r.repetition for r in rows}) > 1
    body = [
        [
            label(r.contender) + (f" #{r.repetition + 1}" if repeated else ""),
            r.outage.what(),
            str(r.outage.dropped),
            _back(r.outage),
            _window(r.outage),
            str(r.lost_during),
            str(r.lost_after) if r.lost_after else "none",
            str(r.lost_before),
            str(r.duplicates),
            str(r.errors),
        ]
        for r in rows
    ]
    headers = [
        "contender", "fault", "clients dropped", "every client back after", "outage",
        "lost during", "lost after", "lost before", "duplicates (run)", "errors (run)",
    ]  # fmt: skip
    return Table.of(headers, body, numeric_from=2)


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def recovery_verdicts(rows: Sequence[RecoveryRow]) -> list[str]:
    """Per contender and fault what happened (medians of the repetitions), then who was back
    soonest and who lost least during the outage."""
    by_fault: dict[int, dict[str, list[RecoveryRow]]] = {}
    for r in rows:
        by_fault.setdefault(r.index, {}).setdefault(r.contender, []).append(r)
    out = []
    for per_contender in by_fault.values():
        backs: dict[str, float] = {}
        lost: dict[str, float] = {}
        for contender, items in per_contender.items():
            o = items[0].outage
            during = _median([r.lost_during for r in items])
            after = _median([r.lost_after for r in items])
            dropped = _median([r.outage.dropped for r in items])
            times = [r.outage.all_back_after_s for r in items]
            lost[contender] = during
            never = _median([r.outage.never_back for r in items])
            if never:
                back = f"{dropped:.0f} clients dropped, {never:.0f} never came back"
            elif dropped == 0:
                back = "no client dropped"
            else:
                backs[contender] = _median([t for t in times if t is not None])
                back = (
                    f"{dropped:.0f} clients dropped, every one back "
                    f"{backs[contender]:.1f} s after the fault"
                )
            seconds = sorted({s for r in items for s in r.after_seconds})
            listed = ", ".join(map(str, seconds))
            tail = (
                "none after it"
                if after == 0
                else f"{after:.0f} after it (planned in second{'s' * (len(seconds) > 1)} {listed})"
            )
            reps = f" (median of {len(items)} repetitions)" if len(items) > 1 else ""
            out.append(
                f"{label(contender)}, {o.what()}: {back}; {during:.0f} deliveries lost during "
                f"the outage, {tail}{reps}."
            )
        out += _leaders(backs, "Back soonest", "s", "{:.1f}")
        out += _leaders(lost, "Fewest deliveries lost during the outage", "", "{:.0f}")
    return out


def _leaders(values: dict[str, float], what: str, unit: str, fmt: str) -> list[str]:
    """ "Back soonest: A (1.4 s); B 1.45x (2.0 s)", differences under 5 % about the same."""
    if len(values) < 2:
        return []
    ranked = sorted(values, key=lambda c: values[c])
    best = values[ranked[0]]

    def text(c: str) -> str:
        return fmt.format(values[c]) + (f" {unit}" if unit else "")

    def other(c: str) -> str:
        if values[c] == best or (best and abs(values[c] / best - 1) < MIN_EFFECT):
            return f"{label(c)} about the same ({text(c)})"
        return f"{label(c)} " + (f"{values[c] / best:.2f}x ({text(c)})" if best else text(c))

    others = ", ".join(other(c) for c in ranked[1:])
    return [f"{what}: {label(ranked[0])} ({text(ranked[0])}); {others}."]


def lost_per_second(runs: Sequence[Run]) -> dict[int, float]:
    """The deliveries lost per planned second, mean of the runs (repetitions)."""
    total: dict[int, float] = {}
    for run in runs:
        for second, n in fields.lost_by_second(run).items():
            total[second] = total.get(second, 0.0) + n
    return {s: v / len(runs) for s, v in sorted(total.items())}
