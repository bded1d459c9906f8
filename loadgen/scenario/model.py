"""The scenario model: what a run does, as pure, validated, immutable data.

Every model forbids unknown keys and is strict about types (``count: "100"`` is an error, not a
silent conversion). Checks that span several fields raise :class:`Problems`, which names each
offending field's path so that error messages can point at it. ``scenarios/README.md`` documents
every field.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from loadgen.scenario.expectations import Expectation

Contender = Literal["sio", "channels", "channels-daphne", "reference", "sio-node"]
# The default; ``reference`` (a plain websockets server, the CI yardstick) and ``sio-node`` (the
# official Node.js Socket.IO server, a reference line) are opt-in.
ALL_CONTENDERS: tuple[Contender, ...] = ("sio", "channels", "channels-daphne")
OPERATIONS = ("msg", "history", "presence", "churn")
MAX_BODY_BYTES = 64 * 1024  # the servers' default limit (BENCH_MAX_BODY_BYTES)
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")

Loc = tuple[str | int, ...]


class Problems(ValueError):
    """Problems found by one cross-field check, each at a path relative to the checked model."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def _raise_if(problems: list[tuple[Loc, str]]) -> None:
    if problems:
        raise Problems(problems)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Backend(_Model):
    kind: Literal["memory", "redis"] = "memory"
    channels_layer: Literal["core", "pubsub"] = "core"

    @model_validator(mode="after")
    def _layer_needs_redis(self) -> Backend:
        if self.kind == "memory" and self.channels_layer == "pubsub":
            msg = "the pubsub layer needs kind: redis (memory uses Channels' in-memory layer)"
            raise Problems([(("channels_layer",), msg)])
        return self


class Persistence(_Model):
    enabled: bool = False
    db_url: str | None = None  # None: the servers' default SQLite file

    @field_validator("db_url")
    @classmethod
    def _known_database(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(f"should be sqlite:///PATH or postgresql://..., not {url!r}")
        return url


class Connections(_Model):
    count: int = Field(default=100, ge=1, le=1_000_000)
    ramp_up_s: float = Field(default=0.0, ge=0)
    transport: Literal["websocket", "polling"] = "websocket"


class Rooms(_Model):
    count: int = Field(default=10, ge=1)
    members_per_room: int = Field(default=10, ge=1)
    assignment: Literal["round_robin", "random", "fill"] = "fill"

    @property
    def memberships(self) -> int:
        return self.count * self.members_per_room


class Mix(_Model):
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


class RateSource(_Model):
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


class Traffic(_Model):
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
        _raise_if(problems)
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


class Phase(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    kind: Literal["warmup", "steady", "ramp"]
    duration_s: float = Field(gt=0)
    rate_multiplier: float | None = Field(default=None, ge=0)
    from_multiplier: float | None = Field(default=None, ge=0)
    to_multiplier: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _multipliers(self) -> Phase:
        problems: list[tuple[Loc, str]] = []
        if self.kind == "ramp":
            if self.rate_multiplier is not None:
                problems.append((("rate_multiplier",), "a ramp uses from_multiplier/to_multiplier"))
            for name in ("from_multiplier", "to_multiplier"):
                if getattr(self, name) is None:
                    problems.append(((name,), "a ramp needs from_multiplier and to_multiplier"))
        else:
            for name in ("from_multiplier", "to_multiplier"):
                if getattr(self, name) is not None:
                    problems.append(((name,), f"only a ramp has {name}; use rate_multiplier"))
        _raise_if(problems)
        return self

    def multipliers(self) -> tuple[float, float]:
        """Rate multiplier at the start and at the end of the phase."""
        if self.kind == "ramp":
            assert self.from_multiplier is not None and self.to_multiplier is not None
            return self.from_multiplier, self.to_multiplier
        value = 1.0 if self.rate_multiplier is None else self.rate_multiplier
        return value, value


class Fault(_Model):
    """A fault injected at ``at_s`` seconds after the start of the first phase.

    ``kill`` (SIGKILL) one server instance, optionally started again ``restart_after_s`` later;
    ``pause`` one instance (SIGSTOP) for ``duration_s``, then SIGCONT; ``redis_restart``: stop
    the Redis server the run started and start it again ``restart_after_s`` later.
    """

    at_s: float = Field(ge=0)
    action: Literal["kill", "pause", "redis_restart"]
    instance: int = Field(default=0, ge=0)
    restart_after_s: float | None = Field(default=None, ge=0)
    duration_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _fields_fit(self) -> Fault:
        problems: list[tuple[Loc, str]] = []
        if self.action == "pause" and self.duration_s is None:
            problems.append((("duration_s",), "a pause needs duration_s"))
        if self.action != "pause" and self.duration_s is not None:
            problems.append((("duration_s",), "only a pause has duration_s"))
        if self.action == "pause" and self.restart_after_s is not None:
            problems.append((("restart_after_s",), "a pause resumes after duration_s"))
        if self.action == "redis_restart" and self.restart_after_s is None:
            problems.append((("restart_after_s",), "a Redis restart needs restart_after_s"))
        _raise_if(problems)
        return self


GRACE_DEFAULT_S = 15.0

DEFAULT_PHASES = (
    Phase(name="warmup", kind="warmup", duration_s=2.0),
    Phase(name="steady", kind="steady", duration_s=10.0),
)


class Scenario(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    description: str = ""
    contenders: tuple[Contender, ...] = Field(default=ALL_CONTENDERS, min_length=1, strict=False)
    backend: Backend = Backend()
    instances: int = Field(default=1, ge=1, le=64)
    persistence: Persistence = Persistence()
    connections: Connections = Connections()
    rooms: Rooms = Rooms()
    traffic: Traffic
    phases: tuple[Phase, ...] = Field(default=DEFAULT_PHASES, min_length=1, strict=False)
    drain_s: float = Field(default=2.0, ge=0)
    # After the drain, late deliveries are still received (and counted late, not lost) for up
    # to this long; the run stops earlier when nothing is outstanding or nothing arrives.
    grace_s: float = Field(default=GRACE_DEFAULT_S, ge=0, le=600)
    seed: int = Field(default=1, ge=0)
    repetitions: int = Field(default=1, ge=1, le=100)
    expectations: tuple[Expectation, ...] = Field(default=(), strict=False)
    faults: tuple[Fault, ...] = Field(default=(), strict=False)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        _raise_if(self._problems())
        return self

    def _problems(self) -> list[tuple[Loc, str]]:
        problems: list[tuple[Loc, str]] = []
        seen: set[str] = set()
        for index, contender in enumerate(self.contenders):
            if contender in seen:
                problems.append((("contenders", index), f"{contender!r} is listed twice"))
            seen.add(contender)
        if self.instances > 1 and self.backend.kind != "redis":
            msg = f"{self.instances} instances share state through Redis: set backend.kind: redis"
            problems.append((("instances",), msg))
        if self.connections.transport == "polling" and set(self.contenders) != {"sio"}:
            msg = "only sio has a polling transport: set contenders: [sio]"
            problems.append((("connections", "transport"), msg))
        if self.rooms.members_per_room > self.connections.count:
            msg = (
                f"{self.rooms.members_per_room} members per room but only "
                f"{self.connections.count} connections"
            )
            problems.append((("rooms", "members_per_room"), msg))
        eligible = self.eligible_senders
        senders = self.senders
        if senders > eligible:
            msg = f"{senders} senders but only {eligible} connections are in a room"
            problems.append((("traffic", "senders"), msg))
        if self.traffic.mix.history > 0 and not self.persistence.enabled:
            msg = "history reads stored messages: set persistence.enabled: true"
            problems.append((("traffic", "mix", "history"), msg))
        problems.extend(self._phase_problems())
        problems.extend(self._fault_problems())
        return problems

    def _fault_problems(self) -> list[tuple[Loc, str]]:
        problems: list[tuple[Loc, str]] = []
        end = self.duration_s
        for index, fault in enumerate(self.faults):
            if fault.at_s >= end:
                msg = f"at_s {fault.at_s} is after the last phase ends ({end} s)"
                problems.append((("faults", index, "at_s"), msg))
            if fault.action in ("kill", "pause") and fault.instance >= self.instances:
                msg = f"instance {fault.instance} does not exist ({self.instances} instances)"
                problems.append((("faults", index, "instance"), msg))
            if fault.action == "redis_restart" and self.backend.kind != "redis":
                msg = "a Redis restart needs backend.kind: redis"
                problems.append((("faults", index, "action"), msg))
        return problems

    def _phase_problems(self) -> list[tuple[Loc, str]]:
        problems: list[tuple[Loc, str]] = []
        names: set[str] = set()
        for index, phase in enumerate(self.phases):
            if phase.name in names:
                problems.append(
                    (("phases", index, "name"), f"phase name {phase.name!r} is used twice")
                )
            names.add(phase.name)
            if phase.kind == "warmup" and index > 0:
                problems.append((("phases", index, "kind"), "only the first phase may be a warmup"))
        if all(phase.kind == "warmup" for phase in self.phases):
            problems.append(
                (("phases",), "needs at least one steady or ramp phase after the warmup")
            )
        return problems

    @property
    def eligible_senders(self) -> int:
        """Connections that join at least one room (only they can send)."""
        return min(self.connections.count, self.rooms.memberships)

    @property
    def senders(self) -> int:
        """How many connections send."""
        return self.traffic.sender_count(self.connections.count, self.eligible_senders)

    @property
    def sender_rate(self) -> float:
        """Operations per second of one sender at rate multiplier 1."""
        if self.traffic.rate_per_connection is not None:
            return self.traffic.rate_per_connection
        if self.traffic.total_rate is None:
            raise ValueError(
                f"scenario {self.name!r} states its rate as capacity_fraction "
                f"{self.traffic.capacity_fraction}: resolve it with a calibration first"
            )
        return self.traffic.total_rate / self.senders

    @property
    def deliveries_per_operation(self) -> float:
        """Mean deliveries an operation causes: a message reaches its room's members; a request
        without deliveries (history, presence, churn) counts as one."""
        share = self.traffic.mix.msg / sum(self.traffic.mix.weights())
        return share * self.rooms.members_per_room + (1.0 - share)

    @property
    def duration_s(self) -> float:
        """All phases, the warmup included."""
        return sum(phase.duration_s for phase in self.phases)

    def run_order(self) -> list[tuple[Contender, int]]:
        """``(contender, repetition)`` in the order to run them: alternated, A B A B."""
        return [(c, rep) for rep in range(self.repetitions) for c in self.contenders]
