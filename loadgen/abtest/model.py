"""The pure part of an A/B check: sides, labels, run order, dependencies, calibration steps."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from loadgen.scenario.model import Scenario
from loadgen.scenario.resolve import dump

BASE_TAG = "base"
HEAD_TAG = "HEAD"
DIRTY_TAG = "work"  # the current tree with uncommitted changes (--allow-dirty)
# Files whose content pins what a tree installs: any difference gives the base its own venv.
LOCK_FILES = ("requirements.txt", "requirements.lock", "uv.lock", "poetry.lock", "pdm.lock")


@dataclass(frozen=True)
class Side:
    """One tree whose servers run: where its code is and which interpreter runs it."""

    tag: str  # "base", "HEAD" (or "work")
    commit: str
    python: str
    cwd: str | None  # None: the current tree, as installed
    own_venv: bool = False
    inject_delay: bool = False  # BENCH_DELAY_MS_<CONTENDER> applies (the current side only)

    def describe(self) -> dict[str, Any]:
        return {"tag": self.tag, "commit": self.commit, "python": self.python,
                "cwd": self.cwd, "own_venv": self.own_venv}  # fmt: skip


def label(contender: str, tag: str) -> str:
    """``sio@base``: a contender as run from one side."""
    return f"{contender}@{tag}"


def split_label(name: str) -> tuple[str, str | None]:
    """``sio@base`` -> (``sio``, ``base``); a plain name has no side."""
    contender, _, tag = name.partition("@")
    return contender, (tag or None)


def run_order(
    contenders: Sequence[str], tags: tuple[str, str], repetitions: int
) -> list[tuple[str, str, int]]:
    """(contender, side tag, repetition): both sides of a contender back to back, the first
    side alternating between repetitions (A B, B A, ...) so that drift favours neither."""
    order: list[tuple[str, str, int]] = []
    for rep in range(repetitions):
        first, second = tags if rep % 2 == 0 else tags[::-1]
        for contender in contenders:
            order += [(contender, first, rep), (contender, second, rep)]
    return order


def _normalise(requirement: str) -> str:
    """``Django >= 5.0`` -> ``django>=5.0``: name normalised as pip does, spaces dropped."""
    text = re.sub(r"\s+", "", requirement).lower()
    match = re.match(r"[a-z0-9._-]+", text)
    name = match.group(0) if match else ""
    return re.sub(r"[-_.]+", "-", name) + text[len(name) :]


def dependency_key(pyproject: str | None) -> tuple[Any, ...]:
    """What a pyproject.toml makes pip install: runtime dependencies (normalised and sorted)
    and the Python it requires. Unparsable text is its own key (it differs from any other)."""
    if pyproject is None:
        return ("no pyproject.toml",)
    try:
        project = tomllib.loads(pyproject).get("project", {})
    except tomllib.TOMLDecodeError:
        return ("unparsable", pyproject)
    deps = sorted(_normalise(d) for d in project.get("dependencies", []))
    return (tuple(deps), project.get("requires-python"))


def venv_reason(base: Mapping[str, str | None], current: Mapping[str, str | None]) -> str | None:
    """Why the base tree needs its own virtualenv, or None when it can share the current one.

    ``base`` and ``current`` map file names (``pyproject.toml`` and :data:`LOCK_FILES`) to their
    text, None where the tree has no such file."""
    old, new = base.get("pyproject.toml"), current.get("pyproject.toml")
    if dependency_key(old) != dependency_key(new):
        return "pyproject.toml dependencies differ"
    for name in LOCK_FILES:
        if base.get(name) != current.get(name):
            return f"{name} differs"
    return None


CONNECT_RAMP_S = 0.3  # connecting is not what the check measures


def ab_scenario(
    scenario: Scenario, rate: float, *, warmup_s: float, measured_s: float, repetitions: int,
    drain_s: float = 0.5,
) -> Scenario:  # fmt: skip
    """The scenario's shape at ``rate`` operations/s in total: one warmup and one steady
    phase, no faults and no expectations (the check judges, not the file's thresholds)."""
    data = dump(scenario)
    data["traffic"]["total_rate"] = rate
    data["traffic"]["rate_per_connection"] = None
    phases = [{"name": "steady", "kind": "steady", "duration_s": measured_s}]
    if warmup_s > 0:
        phases.insert(0, {"name": "warmup", "kind": "warmup", "duration_s": warmup_s})
    data["connections"]["ramp_up_s"] = min(data["connections"]["ramp_up_s"], CONNECT_RAMP_S)
    data.update(phases=phases, repetitions=repetitions, drain_s=drain_s, faults=[],
                expectations=[])  # fmt: skip
    return Scenario.model_validate(data)


# Calibration: a bounded ramp of short runs, doubling (or halving) the load.
P99_LIMIT_MS = 100.0
SERVED_RATIO_MIN = 0.90  # short steps: a second's edge moves the ratio
Step = tuple[float, bool]  # (total rate, passed)


def step_passes(summary: Mapping[str, Any], valid: bool = True) -> bool:
    """A calibration step kept up: not saturated, served what was offered, p99 under
    :data:`P99_LIMIT_MS`, nothing lost, no errors, and the load generator kept its plan."""
    p99 = summary.get("p99_ms")
    served = summary.get("served_ratio")
    return bool(
        valid
        and not summary.get("saturated")
        and (served is None or served >= SERVED_RATIO_MIN)
        and p99 is not None
        and p99 <= P99_LIMIT_MS
        and not summary.get("loss")
        and not summary.get("errors")
    )


def next_rate(
    history: Sequence[Step], *, start: float, factor: float = 2.0, max_steps: int = 4,
    ceiling: float | None = None,
) -> float | None:  # fmt: skip
    """The next load to try, or None when the ramp is done: up by ``factor`` while steps pass
    (not above ``ceiling``), down while they fail, at most ``max_steps`` steps."""
    if not history:
        return start
    if len(history) >= max_steps:
        return None
    rate, passed = history[-1]
    if passed:
        if any(not ok for _, ok in history):
            return None
        up = rate * factor
        return up if ceiling is None or up <= ceiling * (1 + 1e-9) else None
    return None if any(ok for _, ok in history) else rate / factor


def sustained(history: Sequence[Step]) -> float | None:
    """The highest load that passed (None: none did)."""
    passed = [rate for rate, ok in history if ok]
    return max(passed) if passed else None
