"""The live progress line of ``bench run``: one per contender (time, sent, delivered/s, p99)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

from loadgen.plan.model import Plan


class Progress:
    """A live line per contender: time, sent, delivered/s, p99, errors."""

    def __init__(self, stream: TextIO | None, plan: Plan) -> None:
        self.stream = stream
        self.total = plan.duration_s + plan.drain_s
        self.tty = bool(stream and stream.isatty())
        self._last = 0.0

    def __call__(self, contender: str, p: dict[str, Any]) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not self.tty and now - self._last < 5.0:
            return
        self._last = now
        done = max(0.0, min(1.0, p["t"] / self.total)) if self.total else 1.0
        bar = "#" * int(done * 20) + "-" * (20 - int(done * 20))
        p99 = f"{p['p99_ms']:.1f} ms" if p["p99_ms"] is not None else "-"
        line = (
            f"  {contender:<16} [{bar}] {p['t']:5.1f}/{self.total:.0f}s  sent {p['sent']:>7}  "
            f"delivered/s {p['delivered_per_s']:>7}  p99 {p99:>9}  errors {p['errors']}"
        )
        self.stream.write(("\r" + line) if self.tty else (line + "\n"))
        self.stream.flush()

    def also(
        self, extra: Callable[[str, dict[str, Any]], None] | None
    ) -> Callable[[str, dict[str, Any]], None]:
        """This progress line, and ``extra`` (a caller watching the run) when given."""
        if extra is None:
            return self

        def both(contender: str, p: dict[str, Any]) -> None:
            self(contender, p)
            extra(contender, p)

        return both

    def end(self) -> None:
        if self.stream is not None and self.tty:
            self.stream.write("\n")
