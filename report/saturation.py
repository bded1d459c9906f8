"""Saturation, late and lost in plain words (pure): the one place that words them, for the
report (per contender, over its repetitions) and for ``bench run``'s summary (per run).

A contender that could not keep up (``run.saturation``, judged by :mod:`loadgen.measure.saturation`)
is described by what it served and how far its queue reached, never by a latency ratio: its
latency measures its queue, not its speed. Loss words are kept for deliveries lost with
evidence (``lost``); late and still-queued deliveries are called what they are.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from report.figures import ContenderFigures, Spread
from report.palette import label

__all__ = [
    "bound_words",
    "delivery_sentences",
    "run_saturation_sentence",
    "saturated_pair_sentence",
    "saturation_sentence",
]


def _median(values: Iterable[Any]) -> float | None:
    present = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return statistics.median(present) if present else None


def _number(value: float | None) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(s: Spread | None) -> float | None:
    return None if s is None else s.median


def _queue(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:,.0f} ms"
    return f"{seconds:,.1f} s" if seconds < 100 else f"{seconds:,.0f} s"


def _lost(f: ContenderFigures) -> Spread | None:
    return f.get("lost") or f.get("loss")


def bound_words(bound: str | None, cpu_pct: float | None) -> str | None:
    """What bounded a saturated server, from its busiest instance's CPU (percent of a core)."""
    if bound == "cpu" and cpu_pct is not None:
        return f"bounded by CPU ({cpu_pct:.0f} % of a core)"
    if bound == "waiting" and cpu_pct is not None:
        return f"not CPU-bound ({cpu_pct:.0f} % of a core): waiting on its backplane or I/O"
    return None


def _rate(value: float) -> str:
    """500 -> "500", 1234.5 -> "1,234"; below 10 two significant digits (0.675 -> "0.68"): a
    fanout of 200 deliveries a message offered 0.675 msgs/s, which read "0 msgs/s"."""
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _offered_words(unit: str, offered: float, msgs: float | None) -> tuple[str, str]:
    """("500 msgs/s", "/s") or, where messages fan out, ("100 msgs/s (1,000 deliveries/s)",
    " deliveries/s"): the offered load, and the unit the served rate is counted in."""
    if unit != "deliveries" or msgs is None:
        return f"{_rate(offered)} {unit}/s", "/s"
    if msgs > 0 and abs(offered / msgs - 1.0) < 0.05:
        return f"{_rate(msgs)} msgs/s", "/s"
    return f"{_rate(msgs)} msgs/s ({_rate(offered)} deliveries/s)", " deliveries/s"


def _saturated_words(
    name: str, when: str, offered: tuple[str, str], served: float, queue_s: float | None,
    late: float | None, lost: float | None, queued: float | None, end_rate: float | None,
    bound: str | None, cpu_pct: float | None,
) -> str:  # fmt: skip
    """The saturation sentence itself, whether its figures are one run's or medians."""
    at, per = offered
    text = f"{name} was saturated{when} at {at}: it served {_rate(served)}{per}"
    if queue_s is not None:
        text += f" and its queue reached {_queue(queue_s)}"
    text += f"; {late or 0:,.0f} deliveries were late, {lost or 0:,.0f} lost"
    if queued is not None and queued > 0:
        text += f", {queued:,.0f} still queued when the grace period ended"
        if end_rate is not None:
            text += f" (it was still serving {_rate(end_rate)}/s then)"
    text += "."
    words = bound_words(bound, cpu_pct)
    return text + (f" It was {words}." if words else "")


def saturation_sentence(f: ContenderFigures) -> str | None:
    """ "Channels (uvicorn) was saturated at 500 msgs/s: it served 110/s and its queue reached
    6.5 s; 2,345 deliveries were late, 0 lost. It was not CPU-bound (52 % of a core): ...";
    None when no repetition was saturated (or none was judged)."""
    sats = [s for s in f.saturations if s.get("saturated")]
    if not sats:
        return None
    when = "" if len(sats) == len(f.saturations) else (
        f" in {len(sats)} of {len(f.saturations)} repetitions"
    )  # fmt: skip
    unit = str(sats[0].get("unit") or "deliveries")
    offered = _median(s.get("offered_per_s") for s in sats) or 0.0
    msgs = _count(f.get("offered_msgs_per_s"))
    cpu = _median(s.get("cpu_per_instance_pct") for s in sats)
    text = _saturated_words(
        label(f.contender), when, _offered_words(unit, offered, msgs),
        served=_median(s.get("served_per_s") for s in sats) or 0.0,
        queue_s=_median(s.get("queue_s") for s in sats),
        late=_count(f.get("late")), lost=_count(_lost(f)), queued=_count(f.get("queued")),
        end_rate=_median(g.get("served_per_s_at_end") for g in f.graces),
        bound=Counter(s.get("bound") for s in sats).most_common(1)[0][0],
        cpu_pct=cpu if cpu is not None else _median(s.get("server_cpu_pct") for s in sats),
    )  # fmt: skip
    return text + (
        " Its latency measures its queue, not its speed: it is left out of the latency and CPU "
        "comparisons."
    )


def run_saturation_sentence(name: str, run: Mapping[str, Any]) -> str | None:
    """One run record's saturation in the report's words ("sio was saturated at 500 msgs/s:
    it served 110/s ..."), for ``bench run``'s summary; None when the run kept up."""
    sat = run.get("saturation") or {}
    if not sat.get("saturated"):
        return None
    overall = run.get("overall") or {}
    cpu = _number(sat.get("cpu_per_instance_pct"))
    unit = str(sat.get("unit") or "deliveries")
    offered = _number(sat.get("offered_per_s")) or 0.0
    lost = overall.get("lost", overall.get("loss"))
    return _saturated_words(
        name, "", _offered_words(unit, offered, _number(overall.get("offered_msgs_per_s"))),
        served=_number(sat.get("served_per_s")) or 0.0, queue_s=_number(sat.get("queue_s")),
        late=_number(overall.get("late")), lost=_number(lost),
        queued=_number(overall.get("queued")),
        end_rate=_number((run.get("grace") or {}).get("served_per_s_at_end")),
        bound=sat.get("bound"),
        cpu_pct=cpu if cpu is not None else _number(sat.get("server_cpu_pct")),
    )  # fmt: skip


def _served(f: ContenderFigures) -> float:
    s = f.get("deliveries_per_s")
    return 0.0 if s is None else s.median


def saturated_pair_sentence(
    a: ContenderFigures, b: ContenderFigures, min_effect: float
) -> str | None:
    """The pair sentence when one or both contenders were saturated: served rates, no latency
    ratio. None when both kept up (then latency is compared as usual)."""
    if a.kept_up and b.kept_up:
        return None
    if not a.kept_up and b.kept_up:
        a, b = b, a
    elif not a.kept_up and _served(b) > _served(a):
        a, b = b, a  # both saturated: the one that served more first
    sa, sb = _served(a), _served(b)
    ratio = sa / sb if sb > 0 else None
    if a.kept_up:
        text = (
            f"{label(a.contender)} kept up with the offered load and {label(b.contender)} did not: "
        )
    else:
        text = f"{label(a.contender)} and {label(b.contender)} were both saturated: "
    if ratio is not None and abs(ratio - 1.0) < min_effect:
        text += f"both served about {sa:,.0f} deliveries/s"
        text += f", but {label(b.contender)}'s latency grew through the run" if a.kept_up else ""
    elif ratio is None:
        text += f"{label(a.contender)} served {sa:,.0f} deliveries/s, {label(b.contender)} none"
    else:
        text += (
            f"{label(a.contender)} served {ratio:.1f}x the deliveries/s of "
            f"{label(b.contender)} ({sa:,.0f} vs {sb:,.0f})"
        )
    return text + "; latency is compared only among contenders that kept up."


def _listed(items: Sequence[tuple[ContenderFigures, Spread]]) -> str:
    parts = []
    for f, s in items:
        text = f"{label(f.contender)} {s.median:,.0f}"
        if s.high > s.median:
            text += f" (up to {s.high:,.0f})"
        parts.append(text)
    return ", ".join(parts)


def _with(people: Sequence[ContenderFigures], key: str) -> list[tuple[ContenderFigures, Spread]]:
    return [(f, s) for f in people if (s := f.get(key)) is not None and s.high > 0]


def delivery_sentences(people: Sequence[ContenderFigures]) -> list[str]:
    """Lost (with evidence), late and still-queued deliveries, each in its own words. Results
    of schema 1 have only ``loss`` (missing at the deadline, late and lost not told apart)."""
    if not any(f.get("lost") is not None for f in people):
        return _schema1_loss(people)
    out = []
    lost = [(f, s) for f in people if (s := _lost(f)) is not None and s.high > 0]
    if not lost:
        out.append("No contender lost a delivery.")
    else:
        out.append(
            "Deliveries lost (never arrived: the receiver's connection dropped, or nothing "
            f"arrived any more; median of repetitions): {_listed(lost)}."
        )
    kept = [f for f in people if f.kept_up]  # a saturated one's sentence says it already
    late = _with(kept, "late")
    if late:
        out.append(
            "Late, not lost (arrived after the deadline, during the grace period; their real "
            f"latency is in the figures): {_listed(late)} deliveries."
        )
    queued = _with(kept, "queued")
    if queued:
        out.append(
            "Still queued when the grace period ended, not lost (the server was still "
            f"delivering): {_listed(queued)} deliveries."
        )
    return out


def _schema1_loss(people: Sequence[ContenderFigures]) -> list[str]:
    if not any(f.get("loss") is not None for f in people):
        return []
    missing = _with(people, "loss")
    if not missing:
        return ["No contender lost a message."]
    return [
        "Expected deliveries not received by the deadline (late or lost: results of schema 1 "
        f"do not tell them apart; median of repetitions): {_listed(missing)}."
    ]
