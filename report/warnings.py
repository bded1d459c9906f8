"""Validity warnings a report must show prominently (pure): never a silently bad figure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from loadgen.measure.environment import differences, fingerprint
from report import fields
from report.fields import Document

Level = Literal["invalid", "warning", "note"]


@dataclass(frozen=True)
class Warning:
    level: Level  # invalid: figures not to be trusted; warning: read with care; note: context
    text: str


def run_warnings(doc: Document) -> list[Warning]:
    """Partial runs, load-generator-bound runs, failed expectations, server log errors."""
    out: list[Warning] = []
    if doc.get("status") != "complete":
        reasons = "; ".join(doc.get("partial_reasons", [])) or "not finished"
        out.append(Warning("invalid", f"partial result ({doc.get('status')}): {reasons}"))
    for run in doc.get("runs", []):
        tag = f"{run['contender']} repetition {run['repetition'] + 1}"
        for reason in run.get("validity", {}).get("reasons", []):
            out.append(Warning("invalid", f"{tag}: {reason}"))
        for exp in run.get("expectations", []):
            if not exp.get("passed", True):
                text = f"{tag}: expectation failed: {exp['expectation']} (actual {exp['actual']})"
                out.append(Warning("warning", text))
        logs = run.get("server_logs", {})
        if logs.get("errors") or logs.get("warnings"):
            top = next(iter(logs.get("groups", {})), "")
            out.append(
                Warning(
                    "warning",
                    f"{tag}: the server logged {logs.get('errors', 0)} errors and "
                    f"{logs.get('warnings', 0)} warnings (most frequent: {top})",
                )
            )
    return out


def setup_notes(doc: Document) -> list[Warning]:
    out: list[Warning] = []
    delays = fields.injected_delays(doc)
    if delays:
        listed = ", ".join(f"{c} {ms:g} ms" for c, ms in sorted(delays.items()))
        out.append(Warning("warning", f"an artificial per-message delay was injected: {listed}"))
    if fields.backend(doc) == "memory":
        out.append(
            Warning(
                "note",
                "memory backend: one server process per contender, no Redis; the figures show "
                "each framework alone, not a scaled-out deployment",
            )
        )
    reps = doc["scenario"].get("repetitions", 1)
    if reps < 2:
        out.append(
            Warning(
                "note",
                "one repetition per contender: no spread is known, so small "
                "differences (under ~10 %) may be noise",
            )
        )
    return out


def environment_warnings(docs: Sequence[tuple[str, Document]]) -> list[Warning]:
    """Results measured in environments that differ (CPU, Python, packages)."""
    if len(docs) < 2:
        return []
    (first_name, first), out = docs[0], []
    for name, doc in docs[1:]:
        if fingerprint(doc["environment"]) != fingerprint(first["environment"]):
            diff = "; ".join(differences(first["environment"], doc["environment"]))
            out.append(Warning("invalid", f"environment mismatch: {name} vs {first_name}: {diff}"))
    return out


def scenario_warnings(docs: Sequence[Document]) -> list[Warning]:
    out: list[Warning] = []
    for doc in docs:
        out.extend(run_warnings(doc))
    if docs:
        out.extend(setup_notes(docs[0]))
    return out
