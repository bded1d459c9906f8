"""Saturation, late and lost in plain words (pure).

A contender that could not keep up (``run.saturation``, judged by :mod:`loadgen.measure.saturation`)
is described by what it served and how far its queue reached, never by a latency ratio: its
latency measures its queue, not its speed. Loss words are kept for deliveries lost with
evidence (``lost``); late and still-queued deliveries are called what they are.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from loadgen.measure.saturation import bound_words
from report.figures import ContenderFigures, Spread
from report.palette import label

__all__ = [
    "bound_words",
    "delivery_sentences",
    "saturated_pair_sentence",
    "saturation_sentence",
]


def _median(values: Iterable[Any]) -> float | None:
    present = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return statistics.median(present) if present else None


def _count(s: Spread | None) -> str:
    return "0" if s is None else f"{s.median:,.0f}"


def _queue(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:,.0f} ms"
    return f"{seconds:,.1f} s" if seconds < 100 else f"{seconds:,.0f} s"


def _lost(f: ContenderFigures) -> Spread | None:
    return f.get("lost") or f.get("loss")


def _offered_words(f: ContenderFigures, sats: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """("500 msgs/s", "/s") or, where messages fan out, ("100 msgs/s (1,000 deliveries/s)",
    " deliveries/s"): the offered load, and the unit the served rate is counted in."""
    unit = str(sats[0].get("unit") or "deliveries")
    offered = _median(s.get("offered_per_s") for s in sats) or 0.0
    msgs = f.get("offered_msgs_per_s")
    if unit != "deliveries" or msgs is None:
        return f"{offered:,.0f} {unit}/s", "/s"
    if msgs.median > 0 and abs(offered / msgs.median - 1.0) < 0.05:
        return f"{msgs.median:,.0f} msgs/s", "/s"
    return f"{msgs.median:,.0f} msgs/s ({offered:,.0f} deliveries/s)", " deliveries/s"


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
    at, per = _offered_words(f, sats)
    served = _median(s.get("served_per_s") for s in sats) or 0.0
    text = f"{label(f.contender)} was saturated{when} at {at}: it served {served:,.0f}{per}"
    queue = _median(s.get("queue_s") for s in sats)
    if queue is not None:
        text += f" and its queue reached {_queue(queue)}"
    text += f"; {_count(f.get('late'))} deliveries were late, {_count(_lost(f))} lost"
    queued = f.get("queued")
    if queued is not None and queued.median > 0:
        text += f", {queued.median:,.0f} still queued when the grace period ended"
        rate = _median(g.get("served_per_s_at_end") for g in f.graces)
        if rate is not None:
            text += f" (it was still serving {rate:,.0f}/s then)"
    text += "."
    bound = Counter(s.get("bound") for s in sats).most_common(1)[0][0]
    cpu = _median(s.get("cpu_per_instance_pct") for s in sats)
    words = bound_words(bound, cpu if cpu is not None else _median(
        s.get("server_cpu_pct") for s in sats))  # fmt: skip
    if words:
        text += f" It was {words}."
    return text + (
        " Its latency measures its queue, not its speed: it is left out of the latency and CPU "
        "comparisons."
    )


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
