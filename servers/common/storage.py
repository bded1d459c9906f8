"""Message persistence: one schema and one storage layer for every server.

The store is synchronous DB-API code (``sqlite3`` or ``psycopg``), used from one dedicated
thread per server process: Channels reaches it through ``database_sync_to_async``, the
python-socketio server through a one-thread executor. Each stored message costs one INSERT
and one commit on that thread; ``history`` is one indexed SELECT.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import orjson

from servers.common.protocol import Body, history_entry

SCHEMA_SQLITE = """
CREATE TABLE IF NOT EXISTS chat_message (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    room VARCHAR(128) NOT NULL,
    msg_id VARCHAR(160) NOT NULL,
    sender VARCHAR(64) NOT NULL,
    ts DOUBLE PRECISION NOT NULL,
    body_text TEXT,
    body_bin BLOB
);
CREATE INDEX IF NOT EXISTS chat_message_room_seq ON chat_message (room, seq);
"""

SCHEMA_POSTGRES = """
CREATE TABLE IF NOT EXISTS chat_message (
    seq BIGSERIAL PRIMARY KEY,
    room VARCHAR(128) NOT NULL,
    msg_id VARCHAR(160) NOT NULL,
    sender VARCHAR(64) NOT NULL,
    ts DOUBLE PRECISION NOT NULL,
    body_text TEXT,
    body_bin BYTEA
);
CREATE INDEX IF NOT EXISTS chat_message_room_seq ON chat_message (room, seq);
"""

_INSERT = (
    "INSERT INTO chat_message (room, msg_id, sender, ts, body_text, body_bin) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p})"
)
_HISTORY = (
    "SELECT room, msg_id, sender, ts, body_text, body_bin FROM chat_message "
    "WHERE room = {p} ORDER BY seq DESC LIMIT {p}"
)


def is_postgres(db_url: str) -> bool:
    return db_url.startswith(("postgresql://", "postgres://"))


def _sqlite_path(db_url: str) -> str:
    return db_url.removeprefix("sqlite:///")


class MessageStore:
    """Stores chat messages and reads a room's latest ones back (thread-confined connections)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._postgres = is_postgres(db_url)
        param = "%s" if self._postgres else "?"
        self._insert = _INSERT.format(p=param)
        self._history = _HISTORY.format(p=param)
        self._local = threading.local()

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.db_url)
            self._local.conn = conn
        return conn

    def append(self, room: str, msg_id: str | int, sender: str, ts: float, body: Body) -> None:
        text, blob = (None, body) if isinstance(body, bytes) else (body, None)
        conn = self._connection()
        conn.execute(self._insert, (room, orjson.dumps(msg_id).decode(), sender, ts, text, blob))
        conn.commit()

    def history(self, room: str, limit: int) -> list[dict[str, Any]]:
        """The last ``limit`` messages of ``room``, oldest first."""
        rows = self._connection().execute(self._history, (room, limit)).fetchall()
        return [
            history_entry(r, orjson.loads(i), s, ts, bytes(b) if b is not None else t)
            for r, i, s, ts, t, b in reversed(rows)
        ]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def connect(db_url: str) -> Any:
    """Open a connection and make sure the schema exists."""
    if is_postgres(db_url):
        import psycopg

        conn = psycopg.connect(db_url)
        try:
            conn.execute(SCHEMA_POSTGRES.split(";")[0])
            conn.execute(SCHEMA_POSTGRES.split(";")[1])
            conn.commit()
        except psycopg.errors.UniqueViolation:  # another instance created it at the same time
            conn.rollback()
        return conn
    lite = sqlite3.connect(_sqlite_path(db_url), timeout=10.0, check_same_thread=False)
    lite.execute("PRAGMA journal_mode=WAL")
    lite.execute("PRAGMA synchronous=NORMAL")
    lite.executescript(SCHEMA_SQLITE)
    return lite


def ensure_schema(db_url: str) -> None:
    """Create the table before servers start, so that instances do not race to create it."""
    connect(db_url).close()
