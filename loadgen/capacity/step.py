"""Capacity search, pure: one step's verdict, and whether its servers can serve the next step.

A step passes only when three conditions hold, each recorded in words when it fails:

- ``slo``: every threshold of the SLO holds over the measured window;
- ``served``: the server served at least :data:`SERVED_RATIO_MIN` of the offered load, by
  receive time (``served_ratio``): a server that falls behind cannot pass on a latency that
  only counts what it delivered;
- ``queue``: the run was not judged saturated (``saturated``: its latency grew through the
  measured window, or it served too little; see :mod:`loadgen.measure.saturation`).

A result written before the served rate and saturation were measured lacks those keys: the
conditions are ``not judged`` (the step is judged by the SLO alone).

A failing step is *decisive* when it ended more than :data:`DECISIVE_BEHIND_S` seconds of the
offered load behind (``(1 - served_ratio) x steady_s``): a server's stall leaves at most its
own length behind, so only a load above its limit explains it; such a failure decides its
load in one run. Near the knee, where one run is a coin toss, the load is put to the vote.

A step is *disturbed* when processes other than its own servers and load generator used more
than :data:`FOREIGN_CPU_MAX` of a core while it ran (:func:`foreign_cpu_pct`: the whole
machine's busy share less what the run's own processes used on average). Its verdict is kept
and shown, but it does not vote: on a shared two-core machine a neighbour's test run takes
the CPU the server needs (such steps deciding a bound moved a whole search by 40 %).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from loadgen.capacity.votes import Outcome
from loadgen.scenario.expectations import Expectation, evaluate

LOADGEN_BOUND = "loadgen_bound"
SERVED_RATIO_MIN = 0.98  # a passing step serves at least 98 % of the offered load
# Percent of a core other processes may use during a step before it is disturbed: Redis and
# the search used 8-31 % in quiet steps on the 2-core machine; a neighbour's tests 55-140 %.
FOREIGN_CPU_MAX = 40.0
# Seconds of the offered load a failing step ended behind by to decide its load alone: more
# than a server's own stall leaves (pauses of 0.3-0.5 s were seen at the knee here).
DECISIVE_BEHIND_S = 2.0
Condition = Literal["pass", "fail", "not judged"]
# The key figures every step keeps (the full record stays in the step's result file).
FIGURES = (
    "p50_ms", "p99_ms", "msgs_per_s", "deliveries_per_s", "loss", "errors",
    "offered_deliveries_per_s", "served_deliveries_per_s", "served_ratio", "saturated",
    "latency_growth_ms", "queue_s", "late", "lost", "queued", "backlog_at_deadline",
    "acks_outstanding_at_deadline",
)  # fmt: skip
# What a step must leave behind for its servers to serve the next step (all zero).
BACKLOG = ("backlog_at_deadline", "acks_outstanding_at_deadline", "queued", "lost")
Server = Literal["started", "restarted", "reused"]


@dataclass(frozen=True)
class StepRecord:
    """One step of a search as the capacity result keeps it.

    ``conditions``: each condition of a pass (``slo``, ``served``, ``queue``) and how it
    came out; ``reasons``: why the step did not pass, in words. ``server``: whether the step
    ran on servers ``started`` for it (the first step), ``restarted`` or ``reused`` from the
    step before, and ``server_why``. ``machine_busy_pct``: how busy the whole machine was
    during the step (a neighbour's work shows here, beside the step's own server CPU).
    ``steady_s``: how long its measured (steady) phase ran; steps at the knee run longer.
    """

    index: int
    load: float
    outcome: Outcome
    passed: bool
    valid: bool
    loadgen_bound: bool
    reasons: tuple[str, ...]
    slo: tuple[dict[str, Any], ...]
    figures: Mapping[str, float | None]
    result: str
    elapsed_s: float
    server_delay_ms: float | None = None
    conditions: Mapping[str, Condition] = field(default_factory=dict)
    server: Server = "started"
    server_why: str = ""
    run: int = 1  # the how-many-th run at this load
    machine_busy_pct: float | None = None  # all CPUs, this step's processes and any others
    steady_s: float | None = None  # the measured phase's length (None: not recorded)
    foreign_cpu_pct: float | None = None  # percent of a core used by other processes
    disturbed: bool = False  # foreign_cpu_pct above FOREIGN_CPU_MAX: this run does not vote
    decisive: bool = False  # failed far behind (DECISIVE_BEHIND_S): decides its load alone

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        data["slo"] = list(self.slo)
        data.update(data.pop("figures"))
        return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(value: float | None) -> str:
    if value is None:
        return "not measured"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def steady_seconds(document: Mapping[str, Any]) -> float | None:
    """How long the run's steady phases lasted, from its scenario (None when it has none)."""
    phases = (document.get("scenario") or {}).get("phases") or []
    lengths = [_number(p.get("duration_s")) for p in phases if p.get("kind") == "steady"]
    known = [length for length in lengths if length is not None]
    return sum(known) if known else None


def foreign_cpu_pct(document: Mapping[str, Any], machine_busy_pct: float | None) -> float | None:
    """Percent of one core used during the step by processes other than the run's own (its
    servers and load generator): the whole machine's busy share (``machine_busy_pct`` of all
    CPUs) less the mean CPU of each of the run's own processes over its resource samples.
    None when either is not known."""
    cpus = _number((document.get("environment") or {}).get("cpu_count"))
    runs = document.get("runs") or []
    resources = (runs[0].get("resources") if runs else None) or {}
    processes = resources.get("processes") or {}
    if machine_busy_pct is None or not cpus or not processes:
        return None
    own = 0.0
    for samples in processes.values():
        values = [
            v for v in (_number(x) for x in samples.get("cpu_percent") or []) if v is not None
        ]
        own += sum(values) / len(values) if values else 0.0
    return round(max(0.0, machine_busy_pct * cpus - own), 1)


def behind_s(ratio: float | None, steady_s: float | None) -> float | None:
    """How far behind a step ended, in seconds of the offered load (None: not known)."""
    if ratio is None or steady_s is None:
        return None
    return max(0.0, 1.0 - ratio) * steady_s


def is_decisive(outcome: Outcome, ratio: float | None, steady_s: float | None) -> bool:
    """A failure by more than :data:`DECISIVE_BEHIND_S` seconds behind: beyond any stall."""
    behind = behind_s(ratio, steady_s)
    return outcome == "fail" and behind is not None and behind > DECISIVE_BEHIND_S


def served_condition(
    overall: Mapping[str, Any], saturation: Mapping[str, Any]
) -> tuple[Condition, str | None]:
    """``served``: at least :data:`SERVED_RATIO_MIN` of the offered load served."""
    ratio = _number(overall.get("served_ratio"))
    if ratio is None:
        return "not judged", None
    if ratio >= SERVED_RATIO_MIN:
        return "pass", None
    unit = str(saturation.get("unit") or "deliveries")
    offered = _number(saturation.get("offered_per_s"))
    served = _number(saturation.get("served_per_s"))
    if offered is None or served is None:
        offered = _number(overall.get(f"offered_{unit}_per_s"))
        served = _number(overall.get(f"served_{unit}_per_s"))
    rates = "" if offered is None or served is None else f"{served:.0f} of {offered:.0f} {unit}/s; "
    shown = math.floor(ratio * 1000) / 10  # never rounded up to the threshold
    return "fail", (
        f"did not keep up: served {shown:.1f}% of the offered load "
        f"({rates}a pass needs {SERVED_RATIO_MIN:.0%})"
    )


def queue_condition(
    overall: Mapping[str, Any], saturation: Mapping[str, Any], served_failed: bool = False
) -> tuple[Condition, str | None]:
    """``queue``: the run was not judged saturated (its queue did not grow). The words are the
    saturation evidence (less the served rate when ``served`` already said it) and how far
    behind the server was at the end."""
    flag = _number(overall.get("saturated"))
    if flag is None:
        return "not judged", None
    if not flag:
        return "pass", None
    said = [str(r) for r in saturation.get("reasons", [])]
    if served_failed:
        said = [r for r in said if not r.startswith("served ")]
    growth, queue = _number(overall.get("latency_growth_ms")), _number(overall.get("queue_s"))
    if not said and growth is not None:
        said.append(f"latency grew {growth:.0f} ms through the step")
    if queue is not None:
        said.append(f"{queue:.2f} s behind at the end")
    return "fail", "saturated, its queue grew: " + ("; ".join(said) or "see the run")


def judge_step(
    document: Mapping[str, Any],
    slo: tuple[Expectation, ...],
    *,
    index: int,
    load: float,
    result: str,
    elapsed_s: float,
    server: Server = "started",
    server_why: str = "",
    run_at_load: int = 1,
    machine_busy_pct: float | None = None,
) -> StepRecord:
    """Read a step's result document (one contender, one run) into a verdict.

    ``unknown`` (never the server's limit): the load generator was the bottleneck (the run's
    validity names ``loadgen_bound``), the run produced no samples, or the load generator
    failed. ``fail``: a server died during the run, or a condition of a pass failed.
    ``disturbed`` (whatever the outcome): other processes used more than
    :data:`FOREIGN_CPU_MAX` of a core while it ran (``machine_busy_pct``: all CPUs).
    """
    runs = document.get("runs") or []
    run: Mapping[str, Any] = runs[0] if runs else {}
    validity = run.get("validity") or {"valid": False, "reasons": ["no run was recorded"]}
    reasons = [str(r) for r in validity.get("reasons", [])]
    partial = [str(r) for r in run.get("partial_reasons", [])]
    overall: Mapping[str, Any] = run.get("overall") or {}
    saturation: Mapping[str, Any] = run.get("saturation") or {}
    checks: tuple[dict[str, Any], ...] = tuple(
        {"expectation": str(e), "passed": ok, "actual": actual}
        for e, ok, actual in evaluate(slo, overall)
    )
    bound = any(r.startswith(LOADGEN_BOUND) for r in reasons)
    server_died = [r for r in partial if " died at " in r]
    other_partial = [r for r in partial if r not in server_died]
    conditions: dict[str, Condition] = {}
    outcome: Outcome
    if bound or not overall or (other_partial and not server_died):
        outcome = "unknown"
        reasons += other_partial
        if not overall and not reasons:
            reasons.append("the run produced no measurement")
    else:
        conditions["slo"] = "pass" if all(c["passed"] for c in checks) else "fail"
        reasons += server_died + [
            f"SLO missed: {c['expectation']} (actual {_text(c['actual'])})"
            for c in checks
            if not c["passed"]
        ]
        conditions["served"], why = served_condition(overall, saturation)
        served_failed = conditions["served"] == "fail"
        conditions["queue"], more = queue_condition(overall, saturation, served_failed)
        reasons += [r for r in (why, more) if r]
        failed = server_died or "fail" in conditions.values()
        outcome = "fail" if failed else "pass"
    steady = steady_seconds(document)
    ratio = _number(overall.get("served_ratio"))
    decisive = is_decisive(outcome, ratio, steady) and not server_died
    if decisive:
        reasons.append(
            f"decisive: {behind_s(ratio, steady):.1f} s behind at the end (more than "
            f"{DECISIVE_BEHIND_S:g} s: beyond a stall); this run decides its load alone"
        )
    delay = ((document.get("settings") or {}).get("server") or {}).get("delay_ms")
    foreign = foreign_cpu_pct(document, machine_busy_pct)
    disturbed = foreign is not None and foreign > FOREIGN_CPU_MAX
    if disturbed:
        reasons.append(
            f"disturbed: other processes used {foreign:.0f}% of a core while it ran "
            f"(more than {FOREIGN_CPU_MAX:.0f}%); this run does not vote"
        )
    return StepRecord(
        index=index, load=load, outcome=outcome, passed=outcome == "pass",
        valid=bool(validity.get("valid")), loadgen_bound=bound, reasons=tuple(reasons),
        slo=checks, figures={key: overall.get(key) for key in FIGURES}, result=result,
        elapsed_s=elapsed_s, server_delay_ms=_number(delay), conditions=conditions,
        server=server, server_why=server_why, run=run_at_load,
        steady_s=steady, machine_busy_pct=machine_busy_pct,
        foreign_cpu_pct=foreign, disturbed=disturbed, decisive=decisive,
    )  # fmt: skip


def restart_reason(step: StepRecord) -> str | None:
    """Why the next step of this contender needs fresh servers (None: these can serve it).

    Servers are kept only when the step left nothing behind: no backlog at the deadline, no
    outstanding acks, nothing queued or lost, no server died, the load generator did not fail.
    """
    if step.outcome == "unknown":
        return "the step before could not be measured"
    if any(" died at " in r for r in step.reasons):
        return "a server died in the step before"
    left = {key: _number(step.figures.get(key)) for key in BACKLOG}
    missing = [key for key, value in left.items() if value is None]
    if missing:
        return f"the step before did not record its backlog ({', '.join(missing)})"
    behind = [f"{key.replace('_', ' ')} {value:.0f}" for key, value in left.items() if value]
    if behind:
        return "the step before left a backlog: " + ", ".join(behind)
    return None
