"""What a sender does: the rate (in one of three forms), the operation mix, the message size."""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from loadgen.scenario.base import Loc, StrictModel, raise_if

OPERATIONS = ("msg", "history", "presence", "churn")
MAX_BODY_BYTES = 64 * 1024  # the servers' default limit (BENCH_MAX_BODY_BYTES)
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")


class Mix(StrictModel):
    """Relative weights of the operations a sender performs."""

    msg: float = Field(default=1.0, ge=0)
    history: float = Field(default=0.0, ge=0)
    presence: float = Field(default=0.0, ge=0)
    churn: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> Mix:
        if self.msg + self.history + self.presence + self.churn <= 0:
            raise ValueError("at least one weight of msg, history, presence, churn must be > 0")
        return self

    def weights(self) -> tuple[float, float, float, float]:
        """Weights in the order of :data:`OPERATIONS`."""
        return (self.msg, self.history, self.presence, self.churn)


MAX_CAPACITY_FRACTION = 4.0
RATE_FORMS = ("rate_per_connection", "total_rate", "capacity_fraction")


class RateSource(StrictModel):
    """How a ``capacity_fraction`` was turned into ``total_rate`` (kept in the result)."""

    form: Literal["capacity_fraction"] = "capacity_fraction"
    capacity_fraction: float = Field(gt=0)
    capacity_msgs_per_s: float = Field(ge=0)  # the base: the weaker calibrated contender's
    basis: str  # which contender's capacity (or "given" for --capacity)
    deliveries_per_operation: float = Field(gt=0)
    capacities: dict[str, float] = Field(default_factory=dict)
    ratio: float | None = None  # stronger / weaker calibrated capacity
    at_least: tuple[str, ...] = Field(default=(), strict=False)  # ramp ended before the knee
    method: str = ""
    backend: str = ""


class Traffic(StrictModel):
    mode: Literal["open", "closed"] = "open"
    arrival: Literal["poisson", "uniform"] = "poisson"
    rate_per_connection: float | None = Field(default=None, gt=0)
    total_rate: float | None = Field(default=None, gt=0)
    # A share of the sustainable load calibrated on this machine (scenario_resolve.with_capacity);
    # resolved into total_rate, with resolved_from saying how, before anything is planned.
    capacity_fraction: float | None = Field(default=None, gt=0, le=MAX_CAPACITY_FRACTION)
    resolved_from: RateSource | None = None
    message_bytes: int = Field(default=64, ge=1, le=MAX_BODY_BYTES)
    body: Literal["text", "binary"] = "text"
    senders: int | str = "all"
    mix: Mix = Mix()
    window: int | None = Field(default=None, ge=1)
    history_limit: int = Field(default=50, ge=1, le=1000)
    churn_away_s: float = Field(default=1.0, gt=0)

    @field_validator("senders", mode="before")
    @classmethod
    def _senders(cls, value: object) -> int | str:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        if isinstance(value, str):
            match = _PERCENT.match(value)
            if value == "all" or (match and 0 < float(match[1]) <= 100):
                return value
        raise ValueError(
            f"should be a count of connections (integer >= 1), a percentage such as '50%', "
            f"or 'all', not {value!r}"
        )

    @model_validator(mode="after")
    def _one_rate(self) -> Traffic:
        problems: list[tuple[Loc, str]] = []
        rates = [name for name in RATE_FORMS if getattr(self, name) is not None]
        if len(rates) != 1:
            which = f"{' and '.join(rates)} are set" if rates else "none is set"
            msg = f"set exactly one of {', '.join(RATE_FORMS)} ({which})"
            problems.append(((rates[-1] if rates else RATE_FORMS[0],), msg))
        if self.resolved_from is not None and self.total_rate is None:
            msg = "resolved_from records how a capacity_fraction became total_rate: set total_rate"
            problems.append((("resolved_from",), msg))
        if self.window is not None and self.mode != "closed":
            problems.append((("window",), "window applies to mode: closed only"))
        raise_if(problems)
        return self

    @property
    def closed_window(self) -> int:
        """Operations a sender keeps in flight in closed-loop mode."""
        return self.window or 1

    def sender_count(self, connections: int, eligible: int) -> int:
        """How many connections send: a count, a percentage of all connections, or every
        connection that is in a room (``eligible``)."""
        if isinstance(self.senders, int):
            return self.senders
        if self.senders == "all":
            return eligible
        percent = float(self.senders[:-1])
        return max(1, math.floor(connections * percent / 100 + 0.5))
