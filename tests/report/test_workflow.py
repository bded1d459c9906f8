"""The CI performance job (.github/workflows/perf.yml): its structure (the A/B check against
the base commit, with the full history checked out), and every ``bench`` command it runs
parses against the real CLI, with files that exist in the repository."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import typer
import yaml

from bench import app
from loadgen.scenario.load import load_scenario, scenario_hash
from tests.report.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "perf.yml"
BENCH = re.compile(r"(?:^|\s)(?:\.venv/bin/)?bench\s+([^|;&\n]+)")


def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return data


def steps() -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = workflow()["jobs"]["perf"]["steps"]
    return result


def bench_commands() -> list[list[str]]:
    return [shlex.split(m) for s in steps() for m in BENCH.findall(s.get("run", ""))]


def test_structure() -> None:
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "push"} <= set(triggers)
    job = data["jobs"]["perf"]
    assert job["runs-on"].startswith("ubuntu")
    assert job["services"]["redis"]["image"].startswith("redis")
    assert "6379:6379" in job["services"]["redis"]["ports"]
    assert job["env"]["REDIS_URL"].startswith("redis://127.0.0.1:6379")
    uses = [s["uses"].split("@")[0] for s in steps() if "uses" in s]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert steps()[0]["with"]["fetch-depth"] == 0  # the base commit is needed for its worktree
    uploads = [s for s in steps() if s.get("uses", "").startswith("actions/upload-artifact")]
    assert any(s["with"]["path"].rstrip("/") == "results/ci/report" for s in uploads)
    assert all(s.get("if") == "always()" for s in uploads)
    install = next(s for s in steps() if s.get("name") == "Install")
    assert "pip install -e ." in install["run"]


def test_the_job_checks_against_the_base_commit_then_reports() -> None:
    names = [c[0] for c in bench_commands()]
    assert names == ["check", "report"]
    check = bench_commands()[0]
    assert check[check.index("--base") + 1] == "$BASE"
    assert "--baseline" not in check  # the stored-baseline mode is for same-runner use
    base = next(s for s in steps() if "--base" in s.get("run", ""))["env"]["BASE"]
    assert "github.event.pull_request.base.sha" in base and "HEAD~1" in base


def test_every_bench_command_exists_and_its_options_parse() -> None:
    group: Any = typer.main.get_command(app)
    for argv in bench_commands():
        name, rest = argv[0], argv[1:]
        command = group.commands.get(name)
        assert command is not None, f"`bench {name}` is not a command of bench.py"
        parent = group.make_context("bench", list(argv))
        command.make_context(name, list(rest), parent=parent)  # raises on a bad option


def test_the_files_it_names_exist() -> None:
    check, _ = bench_commands()
    scenarios = [a for a in check if a.endswith(".yaml")]
    assert scenarios and all((ROOT / s).is_file() for s in scenarios)


BASELINE = ROOT / "results" / "baselines" / "ci-short.json"


def test_the_stored_baseline_is_of_the_current_scenario() -> None:
    """The stored-baseline mode stays (same-runner use), and `bench check` refuses a baseline
    of another scenario hash (exit 2): when the scenario or its model changes, refresh
    results/baselines/ci-short.json (see its README)."""
    baseline = json.loads(BASELINE.read_text())
    current = scenario_hash(load_scenario(ROOT / "scenarios" / "ci-short.yaml", env={}))
    assert baseline["scenario_hash"] == current
    assert baseline["status"] == "complete"
    assert {r["contender"] for r in baseline["runs"]} == {"sio", "channels", "reference"}
    assert all(r["validity"]["valid"] for r in baseline["runs"])
