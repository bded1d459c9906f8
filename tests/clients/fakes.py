"""A transport that records what a client sends, for tests without a network."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeTransport:
    text: list[bytes] = field(default_factory=list)
    binary: list[bytes] = field(default_factory=list)
    closed: bool = False

    def send_text(self, data: bytes) -> None:
        self.text.append(data)

    def send_binary(self, data: bytes) -> None:
        self.binary.append(data)

    async def close(self) -> None:
        self.closed = True
