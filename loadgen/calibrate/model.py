"""A calibration's figures as pure data: each contender's capacity on this machine.

Written into result documents (``settings.calibration``) by :meth:`Calibration.as_dict` and read
back by :meth:`Calibration.from_dict`; the report shows the ratio of the capacities as its
headline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ContenderCapacity:
    """One contender's sustainable load, in msgs/s of the calibration's shape."""

    contender: str
    msgs_per_s: float
    bounded: str  # "knee"; "above": at least this (the ramp ended first); "below": at most
    reason: str
    plateau_per_s: float = 0.0  # what it served when overrun
    stages: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "contender": self.contender,
            "msgs_per_s": self.msgs_per_s,
            "bounded": self.bounded,
            "reason": self.reason,
            "plateau_per_s": self.plateau_per_s,
            "stages": list(self.stages),
        }


@dataclass(frozen=True)
class Calibration:
    """Every calibrated contender's capacity, with how it was measured."""

    capacities: tuple[ContenderCapacity, ...]
    method: str
    shape: str
    backend: str
    duration_s: float = 0.0
    given: bool = False  # True: a capacity given on the command line, not measured

    def __post_init__(self) -> None:
        if not self.capacities:
            raise ValueError("a calibration needs at least one contender's capacity")

    def capacity(self, contender: str) -> float:
        for entry in self.capacities:
            if entry.contender == contender:
                return entry.msgs_per_s
        raise KeyError(f"{contender!r} was not calibrated")

    @property
    def weaker(self) -> ContenderCapacity:
        """The contender with the lowest capacity: its figure sets the shared loads."""
        return min(self.capacities, key=lambda c: c.msgs_per_s)

    @property
    def stronger(self) -> ContenderCapacity:
        return max(self.capacities, key=lambda c: c.msgs_per_s)

    @property
    def ratio(self) -> float | None:
        """Strongest over weakest capacity (None with one contender or a zero capacity)."""
        if len(self.capacities) < 2 or self.weaker.msgs_per_s <= 0:
            return None
        return self.stronger.msgs_per_s / self.weaker.msgs_per_s

    def as_dict(self) -> dict[str, Any]:
        weaker = self.weaker
        return {
            "capacities": {c.contender: c.msgs_per_s for c in self.capacities},
            "weaker": weaker.contender,
            "base_msgs_per_s": weaker.msgs_per_s,
            "ratio": self.ratio,
            "unit": "msgs/s",
            "method": self.method,
            "shape": self.shape,
            "backend": self.backend,
            "duration_s": round(self.duration_s, 1),
            "given": self.given,
            "contenders": [c.as_dict() for c in self.capacities],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        entries = tuple(
            ContenderCapacity(
                contender=str(c["contender"]),
                msgs_per_s=float(c["msgs_per_s"]),
                bounded=str(c.get("bounded", "knee")),
                reason=str(c.get("reason", "")),
                plateau_per_s=float(c.get("plateau_per_s", 0.0)),
                stages=tuple(c.get("stages", ())),
            )
            for c in data["contenders"]
        )
        return cls(
            capacities=entries,
            method=str(data.get("method", "")),
            shape=str(data.get("shape", "")),
            backend=str(data.get("backend", "")),
            duration_s=float(data.get("duration_s", 0.0)),
            given=bool(data.get("given", False)),
        )

    @classmethod
    def given_capacity(cls, msgs_per_s: float) -> Calibration:
        """A capacity stated on the command line (``--capacity N``) instead of measured."""
        if not msgs_per_s > 0:
            raise ValueError(f"a capacity should be msgs/s > 0, not {msgs_per_s:g}")
        entry = ContenderCapacity("given", msgs_per_s, "knee", "given with --capacity")
        return cls((entry,), "given on the command line", "as stated", "any", given=True)
