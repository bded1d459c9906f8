"""Faults as scenario steps, pure: when to do what, and how the clients recovered after each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loadgen.scenario.timeline import Fault


@dataclass(frozen=True, order=True)
class Step:
    """One action at ``at_s`` seconds after the start of the first phase."""

    at_s: float
    action: str  # kill, restart, stop, cont, or <broker>_stop, <broker>_start (BROKERS)
    instance: int = 0


BROKERS = ("redis", "rabbitmq", "postgres")  # a broker_restart's steps: "rabbitmq_stop", ...
BROKER_STOPS = tuple(f"{b}_stop" for b in BROKERS)
BROKER_STARTS = tuple(f"{b}_start" for b in BROKERS)
FAULT_STARTS = ("kill", "stop", *BROKER_STOPS)


def expand(faults: tuple[Fault, ...], backend: str = "redis") -> list[Step]:
    """Scenario faults as timed steps, in time order; a broker restart stops and starts the
    ``backend``'s broker."""
    steps = []
    for fault in faults:
        if fault.action == "kill":
            steps.append(Step(fault.at_s, "kill", fault.instance))
            if fault.restart_after_s is not None:
                steps.append(Step(fault.at_s + fault.restart_after_s, "restart", fault.instance))
        elif fault.action == "pause":
            assert fault.duration_s is not None
            steps.append(Step(fault.at_s, "stop", fault.instance))
            steps.append(Step(fault.at_s + fault.duration_s, "cont", fault.instance))
        else:
            assert fault.restart_after_s is not None
            broker = "redis" if fault.action == "redis_restart" else backend
            steps.append(Step(fault.at_s, f"{broker}_stop"))
            steps.append(Step(fault.at_s + fault.restart_after_s, f"{broker}_start"))
    return sorted(steps)


def recovery(events: list[dict[str, Any]], outages: list[list[Any]]) -> list[dict[str, Any]]:
    """Per fault start: how many clients dropped after it and when the last one was back."""
    starts = [e for e in events if e["action"] in FAULT_STARTS]
    out = []
    for i, event in enumerate(starts):
        until = starts[i + 1]["t"] if i + 1 < len(starts) else float("inf")
        hit = [o for o in outages if event["t"] - 0.5 <= o[1] < until]
        back = [o[2] for o in hit if o[2] is not None]
        out.append(
            {
                "fault": event["action"],
                "at_s": event["t"],
                "dropped": len(hit),
                "reconnected": len(back),
                "never_back": len(hit) - len(back),
                "all_back_after_s": (max(back) - event["t"])
                if hit and len(back) == len(hit)
                else None,
            }
        )
    return out
