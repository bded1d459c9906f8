"""Scenario files: load YAML, validate into a :class:`Scenario`, hash it.

The public entry points of the scenario model live here; the model itself is in
:mod:`loadgen.scenario.model` (with :mod:`~loadgen.scenario.traffic` and
:mod:`~loadgen.scenario.timeline`), error formatting in :mod:`loadgen.scenario.errors` and config
precedence in :mod:`loadgen.scenario.resolve`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from loadgen.scenario.errors import ScenarioError, validate
from loadgen.scenario.expectations import KNOWN_METRICS, Expectation
from loadgen.scenario.model import (
    ALL_CONTENDERS,
    GRACE_DEFAULT_S,
    Backend,
    Connections,
    Contender,
    Persistence,
    Rooms,
    Scenario,
)
from loadgen.scenario.resolve import dump, env_overrides, resolve, smoke, with_duration
from loadgen.scenario.timeline import Phase
from loadgen.scenario.traffic import OPERATIONS, Mix, Traffic

__all__ = [
    "ALL_CONTENDERS",
    "KNOWN_METRICS",
    "OPERATIONS",
    "Backend",
    "Connections",
    "Contender",
    "Expectation",
    "Mix",
    "Persistence",
    "Phase",
    "Rooms",
    "Scenario",
    "ScenarioError",
    "Traffic",
    "canonical_json",
    "dump",
    "env_overrides",
    "load_scenario",
    "load_scenario_text",
    "parse_yaml",
    "resolve",
    "scenario_hash",
    "smoke",
    "validate",
    "with_duration",
]

# Left out of the hash: prose that does not change what runs.
_NOT_HASHED = frozenset({"description"})
# Fields added after the first results were stored, hashed only when set to something other
# than their default, so that a scenario's hash (and the baselines keyed on it) stays valid.
_HASHED_WHEN_SET: dict[tuple[str, ...], object] = {
    ("grace_s",): GRACE_DEFAULT_S,
    ("traffic", "capacity_fraction"): None,
    ("traffic", "resolved_from"): None,
    ("profile",): "equal",
    ("devices",): None,
}


class _StrictLoader(yaml.SafeLoader):  # type: ignore[misc, unused-ignore]
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    return mapping


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    """The mapping a scenario file holds; :class:`ScenarioError` when it is not one."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [(where, f"malformed YAML: {problem}")]) from None
    if data is None:
        msg = "the file is empty: a scenario needs at least 'name' and 'traffic'"
        raise ScenarioError(source, [("", msg)])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the scalar {data!r}"
        msg = f"the top level should be a mapping of keys (name, traffic, ...), not {kind}"
        raise ScenarioError(source, [("", msg)])
    return data


def load_scenario_text(
    text: str,
    source: str = "<text>",
    *,
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Scenario:
    """Parse and validate scenario YAML, applying overrides (see :func:`resolve`)."""
    return resolve(parse_yaml(text, source), cli=cli, env=env, source=source)


def load_scenario(
    path: str | Path,
    *,
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Scenario:
    """Read, parse and validate a scenario file; :class:`ScenarioError` names what is wrong."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(
            source, [("", f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, [("", f"not UTF-8 text: {exc.reason}")]) from None
    return load_scenario_text(text, source, cli=cli, env=env)


def canonical_json(scenario: Scenario) -> str:
    """The resolved scenario as sorted, compact JSON (the description left out)."""
    data = {k: v for k, v in dump(scenario).items() if k not in _NOT_HASHED}
    for path, default in _HASHED_WHEN_SET.items():
        *parents, key = path
        holder: Any = data
        for parent in parents:
            holder = holder.get(parent) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and key in holder and holder[key] == default:
            del holder[key]
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 hex digest of :func:`canonical_json`: equal for scenarios that run the same."""
    return hashlib.sha256(canonical_json(scenario).encode()).hexdigest()
