"""When things happen in a run: its phases, and the faults injected at given times."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from loadgen.scenario.base import Loc, StrictModel, raise_if


class Phase(StrictModel):
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
        raise_if(problems)
        return self

    def multipliers(self) -> tuple[float, float]:
        """Rate multiplier at the start and at the end of the phase."""
        if self.kind == "ramp":
            assert self.from_multiplier is not None and self.to_multiplier is not None
            return self.from_multiplier, self.to_multiplier
        value = 1.0 if self.rate_multiplier is None else self.rate_multiplier
        return value, value


class Fault(StrictModel):
    """A fault injected at ``at_s`` seconds after the start of the first phase.

    ``kill`` (SIGKILL) one server instance, optionally started again ``restart_after_s`` later;
    ``pause`` one instance (SIGSTOP) for ``duration_s``, then SIGCONT; ``broker_restart``: stop
    the backplane's broker (Redis, RabbitMQ or PostgreSQL: a private one the run started) and
    start it again ``restart_after_s`` later; ``redis_restart`` is its older name for Redis.
    """

    at_s: float = Field(ge=0)
    action: Literal["kill", "pause", "redis_restart", "broker_restart"]
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
        if self.restarts_broker and self.restart_after_s is None:
            problems.append((("restart_after_s",), "a broker restart needs restart_after_s"))
        raise_if(problems)
        return self

    @property
    def restarts_broker(self) -> bool:
        return self.action in ("redis_restart", "broker_restart")


DEFAULT_PHASES = (
    Phase(name="warmup", kind="warmup", duration_s=2.0),
    Phase(name="steady", kind="steady", duration_s=10.0),
)
