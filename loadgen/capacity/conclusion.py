"""Capacity search, pure: what the trials conclude as the result document records it: each
contender's maximum (status, interval, spread, a sentence) and the ratio between contenders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadgen.capacity.search import Conclusion


def _load(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:.4g} {unit}"


def interval(conclusion: Conclusion) -> dict[str, Any] | None:
    """The interval the answer lies in: highest pass, lowest fail, spread, and their votes."""
    if conclusion.max_load is None and conclusion.ceiling is None:
        return None
    return {
        "pass": conclusion.max_load,
        "fail": conclusion.ceiling,
        "spread": conclusion.spread,
        "pass_votes": conclusion.max_votes,
        "fail_votes": conclusion.ceiling_votes,
    }


def _found_text(conclusion: Conclusion, unit: str) -> str:
    low, top, spread = conclusion.max_load, conclusion.ceiling, conclusion.spread
    passed = f" in {conclusion.max_votes} runs" if conclusion.max_votes else ""
    failed = f" in {conclusion.ceiling_votes} runs" if conclusion.ceiling_votes else ""
    width = "" if spread is None else f"; spread {spread:.1%}"
    return f"{_load(low, unit)} (passed{passed}; {_load(top, unit)} failed{failed}{width})"


def maximum(conclusion: Conclusion, unit: str) -> dict[str, Any]:
    """The ``maximum`` entry of one contender: status, the load (the highest pass), the
    interval it lies in with its spread, and a sentence saying it."""
    low, top = conclusion.max_load, conclusion.ceiling
    texts = {
        "found": _found_text(conclusion, unit),
        "at_least": f"at least {_load(low, unit)}: passed at the search's maximum",
        "none": f"none: the SLO fails even at {_load(top, unit)}, the search's minimum",
        "step_limit": f"unknown: the step limit ended the search (highest pass {_load(low, unit)})",
        "running": f"unknown: the search did not finish (highest pass {_load(low, unit)})",
    }
    if conclusion.status == "loadgen_limited":
        lower = f"at least {_load(low, unit)}" if low is not None else "unknown"
        text = (
            f"{lower}, limited by the load generator: at {_load(top, unit)} the run could not "
            "measure the server (see the step's reasons)"
        )
    else:
        text = texts[conclusion.status]
    if conclusion.non_monotone:
        loads = ", ".join(f"{v:g}" for v in conclusion.non_monotone)
        text += f"; noisy: passed at {loads} above the failing load"
    return {
        "status": conclusion.status,
        "complete": conclusion.complete,
        "load": low,
        "ceiling": top,
        "ceiling_outcome": conclusion.ceiling_outcome,
        "interval": interval(conclusion),
        "non_monotone": list(conclusion.non_monotone),
        "unit": unit,
        "text": text,
    }


def comparison(maxima: Mapping[str, Mapping[str, Any]], unit: str) -> str:
    """The ratio between contenders' maxima, in plain words (the best one as the reference)."""
    measured = {name: m for name, m in maxima.items() if m["load"] is not None and m["load"] > 0}
    missing = [name for name in maxima if name not in measured]
    lines: list[str] = []
    if len(maxima) < 2:
        return ""
    if measured:
        ranked = sorted(measured, key=lambda n: measured[n]["load"], reverse=True)
        best = ranked[0]
        top = measured[best]
        for other in ranked[1:]:
            low = measured[other]
            ratio = top["load"] / low["load"]
            lines.append(_pair(best, top, other, low, ratio, unit))
    lines += [f"{name} has no measured maximum: {maxima[name]['text']}" for name in missing]
    return "\n".join(lines)


def _pair(
    best: str, top: Mapping[str, Any], other: str, low: Mapping[str, Any], ratio: float, unit: str
) -> str:
    figures = f"({top['load']:.4g} vs {low['load']:.4g} {unit})"
    if low["status"] != "found":
        return (
            f"{best} and {other} cannot be ranked: {other}'s limit was not reached, "
            f"so {best}'s {ratio:.2f}x is an upper bound {figures}"
        )
    if top["status"] != "found":
        return f"{best} sustains at least {ratio:.2f}x the load of {other} {figures}"
    if ratio < 1.05:
        return f"{best} and {other} sustain about the same load {figures}"
    return f"{best} sustains {ratio:.2f}x the load of {other} {figures}"
