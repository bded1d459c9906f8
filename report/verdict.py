"""Plain-words verdicts and ratios between contenders, generated from the figures (pure).

Differences smaller than ``min_effect`` (default 5 %) are called "about the same". The
``reference`` contender (a yardstick for CI) is left out of verdicts. Latency is compared only
among contenders that kept up (:mod:`report.saturation` says what a saturated one did), and a
figure that is a lower bound (censored) is never the best and its ratio is shown as ``> r``.
"""

from __future__ import annotations

from collections.abc import Sequence

from report.figures import METRIC, ContenderFigures, Spread, format_bound, format_value
from report.palette import REFERENCE, REFERENCE_LINES, label
from report.saturation import delivery_sentences, saturated_pair_sentence, saturation_sentence

MIN_EFFECT = 0.05
LEADER_METRICS = (
    "deliveries_per_s", "p50_ms", "p99_ms", "p999_ms", "server_cpu_pct", "server_rss_mb",
    "rss_kb_per_conn",
)  # fmt: skip
# Delivery latency measures a saturated contender's queue, not its speed.
LATENCY_KEYS = frozenset({"p50_ms", "p90_ms", "p99_ms", "p999_ms", "p9999_ms", "max_ms"})
# Compared only among contenders that kept up: latency, and server CPU (a saturated server
# did less of the work in the same time, so its CPU is not the same load's).
KEPT_UP_ONLY = LATENCY_KEYS | {"server_cpu_pct"}
SATURATED = "saturated"


def comparable(figs: Sequence[ContenderFigures], key: str) -> list[ContenderFigures]:
    """The contenders whose ``key`` can be compared: for latency and CPU, those that kept up."""
    return [f for f in figs if key not in KEPT_UP_ONLY or f.kept_up]


def contestants(figs: Sequence[ContenderFigures]) -> list[ContenderFigures]:
    """Everyone but the CI yardstick, reference lines (Socket.IO on Node.js) last: the pair
    sentences compare the first Python framework with each of the others."""
    people = [f for f in figs if f.contender != REFERENCE]
    return sorted(people, key=lambda f: f.contender in REFERENCE_LINES)


def leader(figs: Sequence[ContenderFigures], key: str) -> ContenderFigures | None:
    """The contender with the best median figure (ties go to the first listed); a lower bound
    (censored figure) and, for latency, a saturated contender are never the best."""
    have = [f for f in comparable(figs, key) if f.get(key) is not None and key not in f.censored]
    if not have:
        return None
    sign = 1.0 if METRIC[key].better == "lower" else -1.0
    return min(have, key=lambda f: sign * _median(f, key))


def _median(f: ContenderFigures, key: str) -> float:
    s = f.get(key)
    assert s is not None
    return s.median


def ratio(a: float, b: float) -> float | None:
    if b == 0:
        return None if a != 0 else 1.0
    return a / b


def same(r: float | None, min_effect: float) -> bool:
    return r is not None and abs(r - 1.0) < min_effect


def ratio_cells(figs: Sequence[ContenderFigures], key: str) -> dict[str, str]:
    """Each contender's figure over the leader's: ``best``, ``1.52x``, ``> 1.52x`` (a lower
    bound), ``saturated`` (latency or CPU of a contender that did not keep up), or ``-``."""
    best = leader(contestants(figs) or figs, key)
    cells = {}
    for f in figs:
        s = f.get(key)
        if key in KEPT_UP_ONLY and not f.kept_up:
            cells[f.contender] = SATURATED
        elif best is None or s is None:
            cells[f.contender] = "-"
        elif f is best:
            cells[f.contender] = "best"
        else:
            r = ratio(s.median, _median(best, key))
            bound = "> " if key in f.censored else ""
            cells[f.contender] = "-" if r is None else f"{bound}{r:.2f}x"
    return cells


def _unit(key: str, value: float, censored: bool = False) -> str:
    if censored:
        return format_bound(key, value)
    unit = METRIC[key].unit
    text = format_value(key, value)
    return f"{text} {unit}" if unit and unit != "%" else f"{text}{unit}"


def _overlap_note(a: Spread, b: Spread) -> str:
    return "; repetitions overlap" if a.n > 1 and b.n > 1 and a.overlaps(b) else ""


def _p99_words(
    a: ContenderFigures, b: ContenderFigures, la: Spread, lb: Spread, min_effect: float
) -> str:
    """How A's p99 compares with B's, and the figures; a lower bound (censored) gives only
    what it can: "at least 2.1x lower", or "not comparable"."""
    ca, cb = "p99_ms" in a.censored, "p99_ms" in b.censored
    figures = f"{_unit('p99_ms', la.median, ca)} vs {_unit('p99_ms', lb.median, cb)}"
    figures += _overlap_note(la, lb)
    r = ratio(lb.median, la.median)
    inverse = ratio(la.median, lb.median)
    if ca and cb:
        words = "a p99 beyond what the run could measure on both sides"
    elif cb and r is not None and r >= 1 + min_effect:
        words = f"a p99 at least {r:.1f}x lower"
    elif ca and inverse is not None and inverse >= 1 + min_effect:
        words = f"a p99 at least {inverse:.1f}x higher"
    elif ca or cb:
        words = "a p99 that cannot be compared (one is only a lower bound)"
    elif same(r, min_effect):
        words = "about the same p99"
    elif r is not None and r > 1:
        words = f"a {r:.1f}x lower p99"
    else:
        words = f"a {inverse:.1f}x higher p99" if inverse else "a higher p99"
    return f"{words} ({figures})"


def pair_sentence(
    a: ContenderFigures, b: ContenderFigures, min_effect: float = MIN_EFFECT
) -> str | None:
    """ "A delivered 2.3x the deliveries/s of B with a 1.5x lower p99 (…)": throughput first,
    then p99 latency, then CPU; A is the one ahead (on throughput, else on p99). When either
    was saturated, served rates only (:func:`report.saturation.saturated_pair_sentence`)."""
    saturated = saturated_pair_sentence(a, b, min_effect)
    if saturated:
        return saturated
    ta, tb = a.get("deliveries_per_s"), b.get("deliveries_per_s")
    la, lb = a.get("p99_ms"), b.get("p99_ms")
    if ta is None or tb is None or la is None or lb is None:
        return None
    t = ratio(ta.median, tb.median)
    behind = t is not None and not same(t, min_effect) and t < 1
    if behind or (same(t, min_effect) and la.median > lb.median):
        a, b, ta, tb, la, lb = b, a, tb, ta, lb, la
    t = ratio(ta.median, tb.median)
    if same(t, min_effect):
        what = f"the same deliveries/s as {label(b.contender)}"
    elif t is None:
        what = f"deliveries where {label(b.contender)} delivered none"
    else:
        what = f"{t:.1f}x the deliveries/s of {label(b.contender)}"
    figures = f"{_unit('deliveries_per_s', ta.median)} vs {_unit('deliveries_per_s', tb.median)}"
    latency = _p99_words(a, b, la, lb, min_effect)
    text = f"{label(a.contender)} delivered {what} ({figures}) with {latency}"
    ca, cb = a.get("server_cpu_pct"), b.get("server_cpu_pct")
    if ca is not None and cb is not None:
        c = ratio(ca.median, cb.median)
        if same(c, min_effect) or c is None:
            text += ", using about the same server CPU"
        else:
            text += f", using {c:.1f}x the server CPU ({ca.median:.0f}% vs {cb.median:.0f}%)"
    return text + "."


def leader_sentence(
    figs: Sequence[ContenderFigures], key: str, min_effect: float = MIN_EFFECT
) -> str | None:
    """ "Lowest p99: sio (3.94 ms); Channels (uvicorn) 1.52x, Channels (Daphne) 2.42x."."""
    people = comparable(contestants(figs), key)
    best = leader(people, key)
    if best is None or len(people) < 2:
        return None
    metric = METRIC[key]
    word = "Lowest" if metric.better == "lower" else "Highest"
    name = metric.label
    b = best.get(key)
    assert b is not None
    others = []
    for f in people:
        s = f.get(key)
        if f is best or s is None:
            continue
        r = ratio(s.median, b.median)
        bound = key in f.censored
        figure = _unit(key, s.median, bound)
        if same(r, min_effect) and not bound:
            others.append(f"{label(f.contender)} about the same")
        elif r is None:
            others.append(f"{label(f.contender)} {figure}")
        else:
            others.append(f"{label(f.contender)} {'> ' if bound else ''}{r:.2f}x ({figure})")
    return f"{word} {name}: {label(best.contender)} ({_unit(key, b.median)}); " + (
        ", ".join(others) + "."
    )


def verdicts(figs: Sequence[ContenderFigures], min_effect: float = MIN_EFFECT) -> list[str]:
    """The plain-words verdict of one scenario: what each saturated contender did, the pairs,
    the leader on each figure, then lost, late and still-queued deliveries."""
    people = contestants(figs)
    out = [s for f in people if (s := saturation_sentence(f))]
    if len(people) >= 2:
        first = people[0]
        for other in people[1:]:
            sentence = pair_sentence(first, other, min_effect)
            if sentence:
                out.append(sentence)
    for key in LEADER_METRICS:
        sentence = leader_sentence(figs, key, min_effect)
        if sentence:
            out.append(sentence)
    return out + delivery_sentences(people or list(figs))
