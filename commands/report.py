"""What ``bench report``, ``bench compare`` and ``bench check`` do (the CLI only parses).

Exit status: 0 done (check: no regression), 1 check found a regression, 2 bad input (a file
that is not a usable result, a newer schema, results of different scenarios, or of different
environments where that is refused).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from commands.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from documents import check as check_doc
from documents import compare as compare_doc
from loadgen.measure.environment import differences, fingerprint
from report.check import check, check_json, render_check
from report.compare import compare, comparison_json, render_comparison
from report.fields import Document
from report.html import render_html
from report.loading import InputError, load_for_report, load_many, same_scenario
from report.markdown import render_markdown
from report.plots import draw
from report.summary import build_report, group_results
from report.warnings import run_warnings

HTML_NAME, MARKDOWN_NAME = "report.html", "report.md"


def write_report(paths: Sequence[Path], out_dir: Path) -> list[Path]:
    """Write report.html (self-contained), report.md and the PNG plots; return their paths.
    ``paths``: results, capacity searches, scale-out summaries and robustness results, any mix."""
    named = load_for_report(paths)
    report = build_report(named)
    out_dir.mkdir(parents=True, exist_ok=True)
    images: dict[str, bytes] = {}
    written: list[Path] = []
    for group, section in zip(group_results(named), report.sections, strict=True):
        for spec in section.plots:
            data = draw(spec, group.docs)
            (out_dir / spec.filename).write_bytes(data)
            images[spec.filename] = data
            written.append(out_dir / spec.filename)
    html_path, md_path = out_dir / HTML_NAME, out_dir / MARKDOWN_NAME
    html_path.write_text(render_html(report, images))
    md_path.write_text(render_markdown(report))
    return [html_path, md_path, *written]


def report_command(paths: Sequence[Path], out_dir: Path, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        written = write_report(paths, out_dir)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"report: {written[0]}", file=out)
    print(f"summary: {written[1]}", file=out)
    print(f"plots: {len(written) - 2} PNG files in {out_dir}", file=out)
    return EXIT_OK


def environment_mismatches(named: Sequence[tuple[str, Document]]) -> list[str]:
    first_name, first = named[0]
    out = []
    for name, doc in named[1:]:
        if fingerprint(doc["environment"]) != fingerprint(first["environment"]):
            diff = "; ".join(differences(first["environment"], doc["environment"]))
            out.append(f"environment of {name} differs from {first_name}'s: {diff}")
    return out


def _result_warnings(named: Sequence[tuple[str, Document]]) -> list[str]:
    return [
        f"{name}: {w.text}"
        for name, doc in named
        for w in run_warnings(doc)
        if w.level == "invalid"
    ]


def compare_command(
    a_paths: Sequence[Path],
    b_paths: Sequence[Path],
    *,
    min_effect: float = 0.05,
    alpha: float = 0.05,
    allow_environment_mismatch: bool = False,
    json_path: Path | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    try:
        a, b = load_many(a_paths), load_many(b_paths)
        same_scenario([*a, *b], "bench compare")
        mismatches = environment_mismatches([*a, *b])
        if mismatches and not allow_environment_mismatch:
            raise InputError(
                "; ".join(mismatches)
                + " (refused: figures from different machines or package versions are not "
                "comparable; --allow-environment-mismatch compares them anyway, flagged)"
            )
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    warnings = [f"ENVIRONMENT MISMATCH: {m}" for m in mismatches] + _result_warnings([*a, *b])
    result = compare(a, b, min_effect=min_effect, alpha=alpha, warnings=warnings)
    print(render_comparison(result), file=out, end="")
    if json_path is not None:
        compare_doc.write(json_path, compare_doc.new(comparison_json(result)))
    return EXIT_OK


def check_command(
    current_paths: Sequence[Path],
    baseline_paths: Sequence[Path],
    *,
    tolerance: float = 0.10,
    reference: str = "reference",
    json_path: Path | None = None,
    out: TextIO | None = None,
    environ: dict[str, str] | None = None,
) -> int:
    env = os.environ if environ is None else environ
    out = out or sys.stdout
    try:
        current, baseline = load_many(current_paths), load_many(baseline_paths)
        same_scenario([*baseline, *current], "bench check")
        mismatches = environment_mismatches([*baseline, *current])
        has_reference = all(
            any(r["contender"] == reference for r in doc["runs"])
            for _, doc in [*baseline, *current]
        )
        if mismatches and not has_reference:
            raise InputError(
                "; ".join(mismatches) + f" (refused: without a {reference!r} contender in every "
                "result, figures from different environments cannot be judged)"
            )
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    warnings = [
        f"environment differs from the baseline's, so every figure is judged relative to "
        f"{reference!r}: {m}"
        for m in mismatches
    ] + _result_warnings(current)
    result = check(
        [d for _, d in baseline], [d for _, d in current], tolerance=tolerance,
        reference=reference, warnings=warnings,
    )  # fmt: skip
    text = render_check(result)
    print(text, file=out, end="")
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a") as handle:
            handle.write(text + "\n")
    if json_path is not None:
        check_doc.write(json_path, check_doc.new(check_json(result)))
    return EXIT_FAILED if result.failed else EXIT_OK
