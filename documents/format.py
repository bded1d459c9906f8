"""What every document format shares: its kind and versions, atomic writing, checked loading.

A :class:`Format` is one file format's envelope: the ``kind`` string, the version this harness
writes and the oldest it still reads. :meth:`Format.write` replaces the file atomically (a reader
sees the old file or the new one, never half of one); :meth:`Format.load` reads it and checks
kind and version in one place, raising :class:`DocumentError` naming the file, what it found
and what is accepted.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Document = dict[str, Any]


class DocumentError(ValueError):
    """A file cannot be used: unreadable, not JSON, another kind, or a version not read here."""


@dataclass(frozen=True)
class Format:
    """One document format's envelope.

    Attributes:
        kind: the ``kind`` value every document of the format carries.
        version: the version this harness writes.
        oldest: the oldest version it still reads.
        name: what the format is called in messages (``result``, ``capacity result``, ...).
        version_key: the key holding the version (``schema_version``; robustness: ``version``).
        unversioned: the version of files written before the format carried one (None: the
            version is required).
        unmarked: recognises files written before the format carried a ``kind`` at all; they
            are read as version ``oldest``.
        finite: refuse to write NaN and infinities (JSON has none: a figure that was not
            measured is null). Off for the check and comparison outputs only, which have
            always been written with them.
    """

    kind: str
    version: int
    name: str
    oldest: int = 1
    version_key: str = "schema_version"
    unversioned: int | None = None
    unmarked: Callable[[Mapping[str, Any]], bool] | None = None
    finite: bool = True

    @property
    def accepted(self) -> str:
        """The versions read, in words: ``schema_version 1 to 2``."""
        if self.oldest == self.version:
            return f"{self.version_key} {self.version}"
        return f"{self.version_key} {self.oldest} to {self.version}"

    def envelope(self) -> Document:
        """The two keys every new document of the format starts with."""
        return {self.version_key: self.version, "kind": self.kind}

    def version_of(self, doc: Mapping[str, Any]) -> int:
        """The document's version (files older than the version key count as
        :attr:`unversioned`); call on a document :meth:`check` accepted."""
        value = doc.get(self.version_key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return self.unversioned if self.unversioned is not None else self.oldest

    def check(self, path: Path | str, data: Any) -> Document:
        """``data`` when it is a document of this format in a version read here."""
        if not isinstance(data, dict):
            raise DocumentError(
                f"{path}: not a bench {self.name} file: a JSON {type(data).__name__}, not an "
                f"object; {self._reads()}"
            )
        if "kind" not in data and self.unmarked is not None and self.unmarked(data):
            return data
        if data.get("kind") != self.kind:
            found = f"kind {data['kind']!r}" if "kind" in data else "no kind"
            raise DocumentError(f"{path}: not a bench {self.name} file ({found}); {self._reads()}")
        version = data.get(self.version_key)
        if version is None and self.unversioned is not None:
            return data
        if not isinstance(version, int) or isinstance(version, bool):
            raise DocumentError(
                f"{path}: {self.version_key} is missing or not an integer ({version!r}); "
                f"{self._reads()}"
            )
        if version > self.version:
            raise DocumentError(
                f"{path}: {self.version_key} {version} is newer than this harness understands "
                f"({self._reads()}); update the harness"
            )
        if version < self.oldest:
            raise DocumentError(
                f"{path}: {self.version_key} {version} is older than this harness reads "
                f"({self._reads()})"
            )
        return data

    def _reads(self) -> str:
        return f"this harness reads kind {self.kind!r}, {self.accepted}"

    def load(self, path: Path | str) -> Document:
        """Read and check a file; :class:`DocumentError` naming the file and what is wrong."""
        return self.check(path, read_json(path))

    def write(self, path: Path, doc: Mapping[str, Any]) -> None:
        """Write ``doc`` atomically after checking it is a document of this format."""
        if doc.get("kind") != self.kind or doc.get(self.version_key) != self.version:
            raise ValueError(
                f"refusing to write {path}: kind {doc.get('kind')!r} {self.version_key} "
                f"{doc.get(self.version_key)!r} is not {self.kind!r} {self.version}"
            )
        write_json(path, doc, finite=self.finite)


def require(path: Path | str, doc: Document, fields: Mapping[str, type], name: str) -> Document:
    """``doc`` when each of ``fields`` is present with its JSON type (``dict``, ``list``, ...)."""
    for key, kind in fields.items():
        if not isinstance(doc.get(key), kind):
            raise DocumentError(
                f"{path}: not a usable {name}: {key!r} is missing or not a {kind.__name__}"
            )
    return doc


def read_json(path: Path | str) -> Any:
    """The parsed file; :class:`DocumentError` naming the file when it cannot be read."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{path}: not valid JSON (truncated?): {exc}") from None


def peek_kind(path: Path | str) -> str | None:
    """The file's ``kind``, or None when it has none or cannot be read (its loader says why)."""
    try:
        data = read_json(path)
    except DocumentError:
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None


def write_json(path: Path, doc: Mapping[str, Any], *, finite: bool = True) -> None:
    """Write atomically: a temporary file in the same folder, then :func:`os.replace`.

    ``finite``: refuse NaN and infinities (:class:`ValueError`) before anything is written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=1, allow_nan=not finite) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
