"""Make the servers' library log lines carry their cause, so results can group them."""

from __future__ import annotations

import logging

# python-socketio puts the Redis exception of "Cannot publish to redis... retrying" in
# ``extra={"redis_exception": ...}``, which no default formatter prints.
_EXTRA_FIELDS = ("redis_exception",)


class CauseFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name in _EXTRA_FIELDS:
            cause = getattr(record, name, None)
            if cause and not getattr(record, "_cause_added", False):
                record.msg = f"{record.msg} ({name}: {cause})"
                record._cause_added = True
        return True


def show_causes(*logger_names: str) -> None:
    for name in logger_names:
        logging.getLogger(name).addFilter(CauseFilter())
