"""The documents the harness writes and reads: one module per file format, the only place that
knows its ``kind`` and versions, writes it (atomically) and loads it (one kind and version
check, an error naming the file, the kind found and what is accepted).

| module | kind | version written (oldest read) | written by |
|---|---|---|---|
| :mod:`documents.result` | ``sio-vs-channels-bench/result`` | ``schema_version`` 2 (1) | ``bench run``, ``bench check --base`` |
| :mod:`documents.capacity` | ``sio-vs-channels-bench/capacity`` | ``schema_version`` 2 (1) | ``bench capacity`` |
| :mod:`documents.scale` | ``sio-vs-channels-bench/scale`` | ``schema_version`` 2 (1: none) | ``bench scale`` |
| :mod:`documents.robustness` | ``robustness`` | ``version`` 1 | ``bench robustness`` |
| :mod:`documents.calibration` | ``sio-vs-channels-bench/calibration`` | ``schema_version`` 1 | ``bench calibrate``, ``bench suite`` |
| :mod:`documents.check` | ``sio-vs-channels-bench/check`` | ``schema_version`` 1 | ``bench check --json`` |
| :mod:`documents.compare` | ``sio-vs-channels-bench/compare`` | ``schema_version`` 1 | ``bench compare --json`` |

:mod:`documents.format` holds what they share. The package imports nothing of the harness, so
``loadgen``, ``report`` and ``commands`` all use it. Documents travel as ``dict[str, Any]``;
each module's ``Envelope`` (a ``TypedDict``) names the top-level fields.
"""  # noqa: E501

from documents.format import Document, DocumentError, peek_kind

__all__ = ["Document", "DocumentError", "peek_kind"]
