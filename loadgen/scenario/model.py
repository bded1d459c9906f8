"""The scenario model: what a run does, as pure, validated, immutable data.

Every model forbids unknown keys and is strict about types (``count: "100"`` is an error, not a
silent conversion). Checks that span several fields raise
:class:`~loadgen.scenario.base.Problems`, which names each offending field's path so that error
messages can point at it. The traffic is in :mod:`loadgen.scenario.traffic`, phases and faults
in :mod:`loadgen.scenario.timeline`. ``scenarios/README.md`` documents every field.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from loadgen.scenario.base import Loc, Problems, StrictModel, raise_if
from loadgen.scenario.devices import Devices, device_problems
from loadgen.scenario.expectations import Expectation
from loadgen.scenario.timeline import DEFAULT_PHASES, Fault, Phase
from loadgen.scenario.traffic import Traffic
from servers.common.config import backend_unsupported
from servers.idiomatic.profiles import profile_unsupported

Contender = Literal[
    "sio", "channels", "channels-daphne", "reference", "sio-node",
    "sio-daphne", "sio-hypercorn", "channels-hypercorn", "sio-hypercorn-h2",
]  # fmt: skip
# sio on each ASGI server: the contenders with Engine.IO long-polling (servers/launch/specs.py)
SIO_ON_ASGI: tuple[Contender, ...] = ("sio", "sio-daphne", "sio-hypercorn", "sio-hypercorn-h2")
# The default; ``reference`` (a plain websockets server, the CI yardstick) and ``sio-node`` (the
# official Node.js Socket.IO server, a reference line) are opt-in.
ALL_CONTENDERS: tuple[Contender, ...] = ("sio", "channels", "channels-daphne")


class Backend(StrictModel):
    """The backplane between instances (docs/backplanes.md): one vocabulary for every command."""

    kind: Literal["memory", "redis", "rabbitmq", "postgres"] = "memory"
    channels_layer: Literal["core", "pubsub"] = "core"

    @model_validator(mode="after")
    def _layer_needs_redis(self) -> Backend:
        if self.kind != "redis" and self.channels_layer == "pubsub":
            msg = f"the pubsub layer is a Redis layer: it needs kind: redis, not {self.kind}"
            raise Problems([(("channels_layer",), msg)])
        return self


class Persistence(StrictModel):
    enabled: bool = False
    db_url: str | None = None  # None: the servers' default SQLite file

    @field_validator("db_url")
    @classmethod
    def _known_database(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(f"should be sqlite:///PATH or postgresql://..., not {url!r}")
        return url


class Connections(StrictModel):
    count: int = Field(default=100, ge=1, le=1_000_000)
    ramp_up_s: float = Field(default=0.0, ge=0)
    transport: Literal["websocket", "polling"] = "websocket"


class Rooms(StrictModel):
    count: int = Field(default=10, ge=1)
    members_per_room: int = Field(default=10, ge=1)
    assignment: Literal["round_robin", "random", "fill"] = "fill"

    @property
    def memberships(self) -> int:
        return self.count * self.members_per_room


GRACE_DEFAULT_S = 15.0


class Scenario(StrictModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    description: str = ""
    contenders: tuple[Contender, ...] = Field(default=ALL_CONTENDERS, min_length=1, strict=False)
    backend: Backend = Backend()
    instances: int = Field(default=1, ge=1, le=64)
    persistence: Persistence = Persistence()
    # equal: plain SQL and HMAC tokens; idiomatic: Django's ORM and tables (docs/idiomatic.md)
    profile: Literal["equal", "idiomatic"] = "equal"
    connections: Connections = Connections()
    rooms: Rooms = Rooms()
    traffic: Traffic
    devices: Devices | None = None  # IoT dashboards: MQTT devices send, connections watch
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
        raise_if(self._problems())
        return self

    def _problems(self) -> list[tuple[Loc, str]]:
        problems: list[tuple[Loc, str]] = []
        seen: set[str] = set()
        for index, contender in enumerate(self.contenders):
            if contender in seen:
                problems.append((("contenders", index), f"{contender!r} is listed twice"))
            seen.add(contender)
        if self.instances > 1 and self.backend.kind == "memory":
            msg = (
                f"{self.instances} instances share state through a backplane: set backend.kind: "
                "redis, rabbitmq or postgres"
            )
            problems.append((("instances",), msg))
        for index, contender in enumerate(self.contenders):
            refused = backend_unsupported(contender, self.backend.kind)
            if refused is not None:
                problems.append((("contenders", index), refused))
        for index, contender in enumerate(self.contenders):
            if (refused := profile_unsupported(contender, self.profile)) is not None:
                problems.append((("contenders", index), refused))
        if self.connections.transport == "polling" and not set(self.contenders) <= set(SIO_ON_ASGI):
            msg = "only sio has a polling transport: set contenders: [sio] (or sio-<server>)"
            problems.append((("connections", "transport"), msg))
        if self.rooms.members_per_room > self.connections.count:
            msg = (
                f"{self.rooms.members_per_room} members per room but only "
                f"{self.connections.count} connections"
            )
            problems.append((("rooms", "members_per_room"), msg))
        eligible = self.eligible_senders
        senders = self.senders
        if senders > eligible and self.devices is None:
            msg = f"{senders} senders but only {eligible} connections are in a room"
            problems.append((("traffic", "senders"), msg))
        if self.traffic.mix.history > 0 and not self.persistence.enabled:
            msg = "history reads stored messages: set persistence.enabled: true"
            problems.append((("traffic", "mix", "history"), msg))
        problems.extend(device_problems(self))
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
                msg = "a Redis restart needs backend.kind: redis (broker_restart: any broker)"
                problems.append((("faults", index, "action"), msg))
            if fault.action == "broker_restart" and self.backend.kind == "memory":
                msg = "a broker restart needs a broker: backend.kind redis, rabbitmq or postgres"
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
        """How many connections send (with ``devices``: how many devices publish)."""
        if self.devices is not None:
            return self.devices.count
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
