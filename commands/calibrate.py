"""Command-level glue of calibration: ``bench calibrate``, and resolving the rates of
``capacity_fraction`` scenarios for ``bench run`` (measuring a calibration when none is given)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO, get_args

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from documents import calibration as calibration_doc
from loadgen.calibrate.model import Calibration
from loadgen.calibrate.ramp import CALIBRATED, CalibrationError, CalibrationOptions, calibrate
from loadgen.run.runner import RunOptions
from loadgen.scenario.model import Contender, Scenario
from loadgen.scenario.resolve import needs_capacity, with_capacity
from servers.common.config import BACKENDS, backend_unsupported


def resolve_rates(
    scenarios: Sequence[tuple[Scenario, str]],
    run_options: RunOptions,
    calibration: Calibration | None,
    capacity: float | None,
    out: TextIO,
) -> list[tuple[Scenario, str]]:
    """Resolve every ``capacity_fraction`` scenario: with ``calibration``, else the given
    ``capacity`` (msgs/s), else a calibration measured now for each backend that needs one."""
    if capacity is not None:
        if not capacity > 0:
            raise ValueError(f"--capacity should be msgs/s > 0, not {capacity:g}")
        calibration = calibration or Calibration.given_capacity(capacity)
    measured: dict[str, Calibration] = {}
    resolved: list[tuple[Scenario, str]] = []
    for scenario, source in scenarios:
        if not needs_capacity(scenario):
            resolved.append((scenario, source))
            continue
        chosen = calibration
        if chosen is None:
            backend = scenario.backend.kind
            if backend not in measured:
                wanted: set[str] = set(scenario.contenders)
                names = [c for c in CALIBRATED if c in wanted] or list(CALIBRATED)
                print(
                    f"calibrate: {source} states its rate as capacity_fraction "
                    f"{scenario.traffic.capacity_fraction:g}: measuring {', '.join(names)} "
                    f"on this machine first ({backend} backend; --capacity N skips this)",
                    file=out,
                )
                measured[backend] = calibrate(
                    names, CalibrationOptions(backend=backend), run_options, out
                )
            chosen = measured[backend]
        resolved.append((with_capacity(scenario, chosen), source))
    return resolved


def calibrate_command(contenders: tuple[str, ...], backend: str, options: RunOptions) -> int:
    """``bench calibrate``: 0 measured, 1 a ramp failed, 2 bad input (an unknown backend or
    contender, a contender without this backplane, a broker that does not answer)."""
    if backend not in BACKENDS:
        print(f"error: --backend should be one of {', '.join(BACKENDS)}, not {backend!r}",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    unknown = [c for c in contenders if c not in get_args(Contender)]
    if unknown:
        print(f"error: unknown contender(s) {', '.join(unknown)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    chosen = contenders or tuple(c for c in CALIBRATED if not backend_unsupported(c, backend))
    refused = [r for c in chosen if (r := backend_unsupported(c, backend))]
    if refused:
        print("\n".join(f"error: {r}" for r in refused), file=sys.stderr)
        return EXIT_BAD_INPUT
    out_dir = options.out_dir
    try:
        calibration = calibrate(chosen, CalibrationOptions(backend), options)
    except CalibrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    path = out_dir / "calibration.json"
    calibration_doc.write(path, calibration_doc.new(calibration.as_dict()))
    ratio = calibration.ratio
    print(f"calibration: {path}" + (f" (ratio {ratio:.2f})" if ratio else ""))
    return EXIT_OK
