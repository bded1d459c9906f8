"""Server logs are evidence: count errors and warnings, grouped by message (pure)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_LEVEL = re.compile(r"\b(CRITICAL|ERROR|WARNING|WARN|Traceback)\b|Cannot publish|[Ee]xception")
_NOISE = re.compile(r"0x[0-9a-f]+|\d+(\.\d+)?|'[^']*'|\"[^\"]*\"")
# Lines that servers print on a clean start or stop; they are not trouble.
_BENIGN = re.compile(
    r"HTTP/2 support not enabled|Configuring endpoint|Listening on TCP|Starting server at"
    r"|Finished server process|Shutting down|Waiting for application shutdown"
)


@dataclass(frozen=True)
class LogSummary:
    errors: int
    warnings: int
    groups: dict[str, int]  # normalized message -> count

    def as_dict(self) -> dict[str, object]:
        return {"errors": self.errors, "warnings": self.warnings, "groups": self.groups}


def normalize(line: str) -> str:
    """Group like messages: numbers, addresses and quoted values become ``#``."""
    return _NOISE.sub("#", line.strip())[:200]


def summarize(lines: Iterable[str]) -> LogSummary:
    errors = warnings = 0
    groups: Counter[str] = Counter()
    for line in lines:
        match = _LEVEL.search(line)
        if match is None or _BENIGN.search(line):
            continue
        if match.group(1) in ("WARNING", "WARN"):
            warnings += 1
        else:
            errors += 1
        groups[normalize(line)] += 1
    return LogSummary(errors, warnings, dict(groups.most_common(50)))
