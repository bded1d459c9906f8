"""Scenario validation errors that name the file, the field path and what is wrong."""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from loadgen.scenario.base import Loc, Problems
from loadgen.scenario.model import Scenario


class ScenarioError(Exception):
    """A scenario that cannot run; ``problems`` holds ``(field path, message)`` pairs.

    ``str()`` gives one line per problem: ``FILE: PATH: MESSAGE``.
    """

    def __init__(self, source: str, problems: Iterable[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [
            f"{source}: {path}: {message}" if path else f"{source}: {message}"
            for path, message in self.problems
        ]
        super().__init__("\n".join(lines))


def validate(data: object, source: str) -> Scenario:
    """A :class:`Scenario` from plain data; :class:`ScenarioError` lists every problem."""
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r}"
        msg = f"the top level should be a mapping of keys (name, traffic, ...), not {kind}"
        raise ScenarioError(source, [("", msg)])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, problems_of(exc)) from None


def problems_of(exc: ValidationError) -> list[tuple[str, str]]:
    """Turn pydantic's errors into ``(path, message)`` pairs a scenario author can act on."""
    problems: list[tuple[str, str]] = []
    errors = exc.errors(include_url=False)
    failed_items = {tuple(e["loc"][:-1]) for e in errors if e["type"] != "too_short"}
    for error in errors:
        loc: Loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(f[: len(loc)] == loc for f in failed_items):
            continue  # "empty" only because its items failed, each reported on its own
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, Problems):
            problems.extend((field_path(loc + sub), message) for sub, message in cause.problems)
        else:
            problems.append((field_path(loc), _message(error, loc, cause)))
    return problems


def field_path(loc: Loc) -> str:
    """``("phases", 0, "kind")`` -> ``"phases[0].kind"``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_PLAIN = {
    "missing": "required field is missing",
    "tuple_type": "should be a list",
    "list_type": "should be a list",
    "model_type": "should be a mapping of keys",
    "dict_type": "should be a mapping of keys",
    "int_type": "should be an integer",
    "float_type": "should be a number",
    "bool_type": "should be true or false",
    "string_type": "should be a string",
    "too_short": "should not be empty",
}


def _message(error: Mapping[str, Any], loc: Loc, cause: object) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if isinstance(cause, ValueError):
        return str(cause)
    text = _PLAIN.get(kind) or str(error["msg"]).replace("Input should", "should")
    value = error.get("input")
    if kind != "missing" and not isinstance(value, dict | list | tuple):
        text += f" (got {value!r})"
    return text


def _unknown_key(loc: Loc) -> str:
    key = str(loc[-1])
    model = model_at(loc[:-1])
    if model is None:
        return f"unknown key {key!r}"
    allowed = list(model.model_fields)
    close = [name for name in allowed if key in name or name in key]
    close += [n for n in difflib.get_close_matches(key, allowed, n=2) if n not in close]
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"unknown key {key!r}{hint} (allowed: {', '.join(allowed)})"


def model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping found at ``loc`` in a scenario."""
    model: type[BaseModel] = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = _inner_model(field.annotation) if field is not None else None
        if inner is None:
            return None
        model = inner
    return model


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
