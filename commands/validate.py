"""Command bodies the CLI delegates to (the CLI module only parses options)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from loadgen.scenario.load import ScenarioError, load_scenario, scenario_hash


def validate_files(
    paths: Iterable[str | Path],
    *,
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``bench validate FILE...``: check scenario files without running them.

    Prints ``OK <name> (<hash prefix>)`` for each good file on ``out`` and every problem of a
    bad one on ``err``. ``cli``/``env`` apply the same overrides ``bench run`` would.

    Returns:
        0 when every file is valid, 2 otherwise (or when no file was given).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    status = EXIT_OK
    checked = 0
    for path in paths:
        checked += 1
        try:
            scenario = load_scenario(path, cli=cli, env=env)
        except ScenarioError as exc:
            print(exc, file=err)
            status = EXIT_BAD_INPUT
            continue
        print(f"OK {scenario.name} ({scenario_hash(scenario)[:12]}) {path}", file=out)
    if checked == 0:
        print("no scenario file given", file=err)
        return EXIT_BAD_INPUT
    return status
