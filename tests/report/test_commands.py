"""``bench report``, ``bench compare``, ``bench check`` through the CLI: files written, bad
input refused with exit status 2 and a message naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench import app
from tests.report.conftest import CI_BASE, CI_SAME, CI_SLOW, ECHO, ROOM_CHAT, load

runner = CliRunner()


def bench(*args: str | Path, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, [str(a) for a in args], env=env)


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_report_writes_html_markdown_and_plots(tmp_path: Path) -> None:
    result = bench("report", ECHO, ROOM_CHAT, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text()
    markdown = (tmp_path / "report.md").read_text()
    pngs = sorted(tmp_path.glob("*.png"))
    names = {p.name for p in pngs}
    assert {"echo-spectrum-delivery.png", "echo-timeline.png", "room-chat-redis.png"} <= names
    assert "echo-redis.png" not in names  # the memory backend has no Redis plot
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"({png.name})" in markdown
    # Self-contained: every image inline, nothing fetched from anywhere.
    assert html.count('<img src="data:image/png;base64,') == len(pngs)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html
    assert "memory backend" in html


def test_compare_two_files_and_sets(tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    result = bench("compare", CI_BASE, CI_SLOW, "--json", out)
    assert result.exit_code == 0, result.output
    assert "Mann-Whitney U" in result.output
    assert json.loads(out.read_text())["test"] == "Mann-Whitney U"
    sets = bench("compare", "--a", CI_BASE, "--a", CI_SAME, "--b", CI_SLOW)
    assert sets.exit_code == 0, sets.output
    assert f"`{CI_SAME}`" in sets.output
    assert bench("compare", CI_BASE).exit_code == 2


def test_check_exit_status_and_github_step_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    slow = bench("check", CI_SLOW, "--baseline", CI_BASE, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert slow.exit_code == 1, slow.output
    assert "FAIL" in slow.output
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "## bench check: ci-short: FAIL" in text


@pytest.mark.parametrize("command", ["report", "compare", "check"])
@pytest.mark.parametrize(
    "bad, message",
    [
        ("truncated", "not valid JSON (truncated?)"),
        ("foreign", "not a bench result file"),
        ("newer", "schema_version 99 is newer than this harness understands"),
    ],
)
def test_bad_input_exits_2_naming_the_file(
    tmp_path: Path, command: str, bad: str, message: str
) -> None:
    good = load(CI_BASE)
    path = tmp_path / f"{bad}.json"
    if bad == "truncated":
        path.write_text(CI_BASE.read_text()[:5000])
    elif bad == "foreign":
        write(path, {"name": "some other tool", "results": [1, 2, 3]})
    else:
        write(path, {**good, "schema_version": 99})
    args: list[str | Path] = {
        "report": ["report", path, "--out", tmp_path / "out"],
        "compare": ["compare", CI_BASE, path],
        "check": ["check", path, "--baseline", CI_BASE],
    }[command]
    result = bench(*args)
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("command", ["compare", "check"])
def test_results_of_different_scenarios_exit_2(command: str) -> None:
    args = (
        ["compare", CI_BASE, ECHO]
        if command == "compare"
        else ["check", ECHO, "--baseline", CI_BASE]
    )
    result = bench(*args)
    assert result.exit_code == 2
    assert str(ECHO) in result.stderr
    assert "scenario 'echo'" in result.stderr


def test_compare_refuses_different_environments_unless_allowed(tmp_path: Path) -> None:
    other = load(CI_SAME)
    other["environment"]["packages"]["python-socketio"] = "6.0.0"
    moved = write(tmp_path / "other-machine.json", other)
    refused = bench("compare", CI_BASE, moved)
    assert refused.exit_code == 2
    assert "python-socketio: 5.18.1 != 6.0.0" in refused.stderr
    allowed = bench("compare", CI_BASE, moved, "--allow-environment-mismatch")
    assert allowed.exit_code == 0
    assert "ENVIRONMENT MISMATCH" in allowed.output


def test_check_judges_other_environments_relative_to_the_reference(tmp_path: Path) -> None:
    other = load(CI_SLOW)
    other["environment"]["cpu_model"] = "Some CI runner CPU"
    moved = write(tmp_path / "ci-runner.json", other)
    result = bench("check", moved, "--baseline", CI_BASE)
    assert result.exit_code == 1
    assert "environment differs from the baseline's" in result.output
    without_reference = load(CI_SAME)
    without_reference["environment"]["cpu_model"] = "Some CI runner CPU"
    without_reference["runs"] = [
        r for r in without_reference["runs"] if r["contender"] != "reference"
    ]
    lone = write(tmp_path / "no-reference.json", without_reference)
    refused = bench("check", lone, "--baseline", CI_BASE)
    assert refused.exit_code == 2
    assert "without a 'reference' contender" in refused.stderr
