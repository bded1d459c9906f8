"""The exit status of every ``bench`` command, defined once.

Loadgen and report modules return documents and raise errors; the command bodies in
:mod:`commands` turn those into one of these.
"""

from __future__ import annotations

EXIT_OK = 0
"""Done: the runs completed and were valid, every expectation held, no regression was found."""

EXIT_FAILED = 1
"""Done, but the outcome is a failure: an expectation failed, a run was partial or invalid
(load-generator bound), a capacity search could not complete, a calibration failed, or
``bench check`` found a regression."""

EXIT_BAD_INPUT = 2
"""Nothing (more) was run or read: a bad scenario or option, a file that is not a usable
document of its kind (or of a newer version), results that cannot be compared, no Redis."""

EXIT_INTERRUPTED = 130
"""Ctrl-C or SIGTERM (128 + SIGINT), where a command says so itself."""
