"""The robustness scenario and its result document (pure: no sockets, no event loop).

The result file's kind, version, writing and loading are owned by :mod:`documents.robustness`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from documents import robustness as robustness_doc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlowConsumer(_Strict):
    """Members that stop reading in a busy room."""

    readers: int = Field(default=3, ge=1)
    slow: int = Field(default=1, ge=1)
    rate: float = Field(default=200, gt=0)
    body_bytes: int = Field(default=4000, ge=1)
    duration_s: float = Field(default=20, gt=0)


class DisconnectChurn(_Strict):
    """Readers of a room under traffic that drop their TCP connections at once."""

    readers: int = Field(default=30, ge=1)
    rate: float = Field(default=200, gt=0)
    rounds: int = Field(default=3, ge=1)
    wait_s: float = Field(default=10, gt=0)


class HalfOpenFlood(_Strict):
    """Connections that never complete their request head, beside healthy connects."""

    connections: int = Field(default=500, ge=1)
    hold_s: float = Field(default=15, gt=0)
    healthy_connects: int = Field(default=30, ge=1)


class MalformedStorm(_Strict):
    """Clients sending malformed frames, beside a healthy client's round trips."""

    clients: int = Field(default=4, ge=1)
    rate: float = Field(default=100, gt=0)
    duration_s: float = Field(default=10, gt=0)


class Probes(_Strict):
    slow_consumer: SlowConsumer | None = None
    disconnect_churn: DisconnectChurn | None = None
    half_open_flood: HalfOpenFlood | None = None
    malformed_storm: MalformedStorm | None = None


class Limits(_Strict):
    """Hostile-client limits to run with instead of the production defaults (tests, studies)."""

    send_queue_bytes: int | None = Field(default=None, ge=1)
    send_queue_seconds: float | None = Field(default=None, gt=0)
    presence_ttl_s: float | None = Field(default=None, gt=0)
    head_timeout_s: float | None = Field(default=None, gt=0)

    def server(self) -> dict[str, Any]:
        fields = ("send_queue_bytes", "send_queue_seconds", "presence_ttl_s")
        return {k: getattr(self, k) for k in fields if getattr(self, k) is not None}

    def asgi(self) -> dict[str, Any]:
        return {} if self.head_timeout_s is None else {"head_timeout_s": self.head_timeout_s}


class RobustnessScenario(_Strict):
    name: str
    description: str = ""
    contenders: tuple[str, ...] = ("sio", "channels")
    backend: str = Field(default="memory", pattern="^(memory|redis)$")
    limits: Limits = Limits()
    probes: Probes = Probes()


class RobustnessFileError(ValueError):
    """A scenario file that cannot be used, with the reason."""


def load_scenario(path: Path) -> RobustnessScenario:
    try:
        data = yaml.safe_load(path.read_text())
        return RobustnessScenario.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RobustnessFileError(f"{path}: {exc}") from None


def document(
    scenario: RobustnessScenario, results: dict[str, dict[str, Any]], settings: dict[str, Any]
) -> dict[str, Any]:
    """The result document: figures per contender and probe, and the limits in force."""
    return robustness_doc.new(scenario.model_dump(mode="json"), results, settings)
