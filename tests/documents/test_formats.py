"""Every document format: today's files load; another kind, a newer version and a missing
version are refused naming the file, the kind found and what is accepted; writes are atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from documents import DocumentError, calibration, capacity, check, compare, result, robustness
from documents import scale as scale_doc
from documents.format import peek_kind, write_json

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "fixtures" / "results"
GOLDEN = ROOT / "tests" / "report" / "golden"

CALIBRATION = {
    "capacities": {"sio": 900.0, "channels": 300.0}, "weaker": "channels",
    "base_msgs_per_s": 300.0, "ratio": 3.0, "unit": "msgs/s", "method": "knee",
    "shape": "echo", "backend": "memory", "duration_s": 20.0, "given": False,
    "contenders": [{"contender": "sio", "msgs_per_s": 900.0}],
}  # fmt: skip

# (module, files written by today's harness (or before the format carried a kind/version))
TODAY: list[tuple[ModuleType, list[Path]]] = [
    (result, [RESULTS / "echo-smoke.json", RESULTS / "check-ab-same.json"]),
    (capacity, [RESULTS / "capacity-rate.json"]),
    (scale_doc, [RESULTS / "scale-out.json"]),
    (robustness, [ROOT / "docs" / "sample" / "robustness.json"]),
    (check, [GOLDEN / "check-same.json", GOLDEN / "check-slow.json"]),
    (compare, [GOLDEN / "compare-same.json"]),
]
MODULES = [result, capacity, scale_doc, robustness, calibration, check, compare]


def version_key(module: ModuleType) -> str:
    return str(module.FORMAT.version_key)


def a_good_document(module: ModuleType) -> dict[str, Any]:
    if module is calibration:
        return calibration.new(CALIBRATION)
    source = next(files for m, files in TODAY if m is module)[0]
    doc: dict[str, Any] = json.loads(source.read_text())
    doc.update(module.FORMAT.envelope())
    return doc


@pytest.mark.parametrize(
    "module, path",
    [(m, p) for m, files in TODAY for p in files],
    ids=lambda v: v.__name__ if isinstance(v, ModuleType) else v.name,
)
def test_todays_files_load(module: ModuleType, path: Path) -> None:
    doc = module.load(path)
    assert isinstance(doc, dict) and doc


def test_an_old_calibration_without_kind_loads(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(CALIBRATION))
    assert calibration.load(path)["ratio"] == 3.0


def test_an_unversioned_scale_summary_is_version_1() -> None:
    doc = scale_doc.load(RESULTS / "scale-out.json")
    assert "schema_version" not in doc
    assert scale_doc.FORMAT.version_of(doc) == 1


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_round_trip_writes_the_current_version_atomically(
    module: ModuleType, tmp_path: Path
) -> None:
    doc = a_good_document(module)
    path = tmp_path / "sub" / "doc.json"
    module.write(path, doc)
    assert module.load(path) == doc
    assert module.FORMAT.version_of(doc) == module.FORMAT.version
    assert os.listdir(path.parent) == ["doc.json"]  # no temporary file left
    assert peek_kind(path) == module.KIND


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_another_kind_is_refused_naming_file_kind_and_what_is_accepted(
    module: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({**a_good_document(module), "kind": "something-else"}))
    with pytest.raises(DocumentError) as caught:
        module.load(path)
    message = str(caught.value)
    assert str(path) in message
    assert "'something-else'" in message
    assert repr(module.KIND) in message and module.FORMAT.accepted in message


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_a_newer_version_is_refused(module: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "newer.json"
    newer = {**a_good_document(module), version_key(module): 99}
    path.write_text(json.dumps(newer))
    with pytest.raises(DocumentError) as caught:
        module.load(path)
    message = str(caught.value)
    assert str(path) in message and repr(module.KIND) in message
    assert f"{version_key(module)} 99 is newer than this harness understands" in message
    assert module.FORMAT.accepted in message


@pytest.mark.parametrize("module", [result, capacity, robustness], ids=lambda m: m.__name__)
def test_a_missing_version_is_refused_where_every_file_had_one(
    module: ModuleType, tmp_path: Path
) -> None:
    doc = a_good_document(module)
    del doc[version_key(module)]
    path = tmp_path / "unversioned.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DocumentError, match=f"{version_key(module)} is missing"):
        module.load(path)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_not_json_and_not_an_object_are_refused_naming_the_file(
    module: ModuleType, tmp_path: Path
) -> None:
    truncated = tmp_path / "truncated.json"
    truncated.write_text('{"kind": ')
    with pytest.raises(DocumentError, match="not valid JSON"):
        module.load(truncated)
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(DocumentError, match=f"{listed}: not a bench"):
        module.load(listed)
    with pytest.raises(DocumentError, match="cannot read"):
        module.load(tmp_path / "absent.json")


def test_writing_refuses_another_kind_or_version(tmp_path: Path) -> None:
    doc = a_good_document(result)
    with pytest.raises(ValueError, match="refusing to write"):
        result.write(tmp_path / "r.json", {**doc, "schema_version": 1})
    with pytest.raises(ValueError, match="refusing to write"):
        capacity.write(tmp_path / "c.json", doc)
    assert not list(tmp_path.iterdir())


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    write_json(path, {"kind": "x", "n": 1})
    with pytest.raises(ValueError):
        write_json(path, {"kind": "x", "n": float("nan")})
    assert json.loads(path.read_text()) == {"kind": "x", "n": 1}
    assert os.listdir(tmp_path) == ["doc.json"]
