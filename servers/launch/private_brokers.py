"""A private RabbitMQ and a private PostgreSQL on free ports, for runs that restart the broker.

The machine's own brokers (127.0.0.1:5672 and :5432) serve other work and are never restarted
by a run; a scenario with a ``broker_restart`` fault gets one of these instead.

- RabbitMQ: ``rabbitmq-server`` (the script behind the packaged wrapper, which would switch to
  the ``rabbitmq`` user and drop the environment) as node ``bench-<port>@localhost``, with its
  own distribution port, database, logs, plugins file (none: no management plugin) and
  configuration in the temporary directory, and its own Erlang cookie (``HOME`` is that
  directory). The machine's ``epmd`` is shared, as nodes do. Booting takes about 8 s on an
  idle 2-core machine; a SIGTERM stops it in about 2 s.
- PostgreSQL: ``initdb`` (trust authentication, no fsync) once, then ``postgres`` itself as the
  child (as the ``postgres`` user when the harness runs as root, which PostgreSQL refuses), a
  database ``test``. Stopped with SIGINT, PostgreSQL's "fast" shutdown (it ends the sessions;
  SIGTERM's "smart" one would wait for the servers' pools to close). Boots in about 0.1 s.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

import psycopg

from servers.common.brokers import probe_rabbitmq
from servers.launch.ports import free_port
from servers.launch.private import PrivateServer, PrivateServerError
from servers.launch.redis import RedisServer

PG_USER = "postgres"  # the database role, and the system user when running as root


def amqp_ping(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when an AMQP 0-9-1 broker answers the protocol header with Connection.Start (a
    method frame): a raw socket, so that the attempts while it boots log nothing."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            frame = sock.recv(1)
    except OSError:
        return False
    return frame == b"\x01"


def rabbitmq_script() -> str | None:
    """The ``rabbitmq-server`` script itself, also when PATH has the packaged wrapper."""
    found = shutil.which("rabbitmq-server") or shutil.which("rabbitmq-server", path="/usr/sbin")
    if found is None:
        return None
    real = Path(os.path.realpath(found))
    return str(real.with_name("rabbitmq-server")) if real.name.endswith("wrapper") else str(real)


class RabbitMQServer(PrivateServer):
    """A RabbitMQ node of its own (guest/guest, vhost ``/``)."""

    name = "rabbitmq"
    start_timeout_s = 90.0  # about 8 s idle; much more on a loaded machine
    stop_timeout_s = 20.0

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        script = rabbitmq_script()
        if script is None:
            raise PrivateServerError("rabbitmq-server is not on PATH (nor in /usr/sbin)")
        super().__init__(port, host)
        self.script = script
        self.dist_port = free_port(host)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@{self.host}:{self.port}/"

    def prepare(self) -> None:
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = {self.host}:{self.port}\nloopback_users = none\n"
        )
        (self.dir / "enabled_plugins").write_text("[].\n")

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.dir),  # its own Erlang cookie
            "RABBITMQ_NODENAME": f"bench-{self.port}@localhost",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_PID_FILE": str(self.dir / "rabbitmq.pid"),
        }

    def command(self) -> list[str]:
        return [self.script]

    def ready(self) -> bool:
        """It answers AMQP, then a client logs in (guest, vhost ``/``)."""
        return amqp_ping(self.host, self.port) and probe_rabbitmq(self.url, timeout=5.0) is None


class PostgresServer(PrivateServer):
    """A PostgreSQL cluster of its own with a database ``test`` (trust authentication)."""

    name = "postgres"
    stop_signal = signal.SIGINT  # fast shutdown
    start_timeout_s = 30.0
    stop_timeout_s = 20.0

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        initdb = shutil.which("initdb")
        if initdb is None:
            raise PrivateServerError("initdb (PostgreSQL) is not on PATH")
        super().__init__(port, host)
        self.bindir = Path(os.path.realpath(initdb)).parent
        self.data = self.dir / "data"
        self._created = False

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}@{self.host}:{self.port}/test"

    def popen_options(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        try:
            user = pwd.getpwnam(PG_USER)
        except KeyError:
            raise PrivateServerError(
                f"PostgreSQL refuses to run as root and there is no {PG_USER!r} user"
            ) from None
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def prepare(self) -> None:
        options = self.popen_options()
        if options:
            os.chown(self.dir, options["user"], options["group"])
        done = subprocess.run(
            [str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", PG_USER,
             "-E", "UTF8", "--no-sync"],
            cwd=self.dir, capture_output=True, text=True, timeout=120, **options,
        )  # fmt: skip
        if done.returncode != 0:
            raise PrivateServerError(f"initdb failed in {self.data}:\n{done.stderr[-2000:]}")

    def command(self) -> list[str]:
        return [
            str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
            "-k", str(self.dir), "-c", f"listen_addresses={self.host}", "-c", "fsync=off",
            "-c", "max_connections=300",
        ]  # fmt: skip

    def ready(self) -> bool:
        """It answers; the first time, the database ``test`` is created."""
        try:
            with psycopg.connect(
                self.url.removesuffix("/test") + "/postgres", connect_timeout=1, autocommit=True
            ) as conn:
                exists = "SELECT 1 FROM pg_database WHERE datname = 'test'"
                if not self._created and not conn.execute(exists).fetchone():
                    conn.execute("CREATE DATABASE test")
                self._created = True
        except psycopg.Error:
            return False
        return True


# Backend kind -> the private server of its broker (a fault's restart, a comparison's own).
PRIVATE_BROKERS: dict[str, type[PrivateServer]] = {
    "redis": RedisServer, "rabbitmq": RabbitMQServer, "postgres": PostgresServer,
}  # fmt: skip
