"""channels_postgres's layer with three upstream races closed (docs/backplanes.md).

Imported only when the backend is postgres: channels_postgres defines Django models, which
raise unless ``channels_postgres`` is in INSTALLED_APPS (servers/channels/settings.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import channels_postgres.core
import channels_postgres.db


class PostgresChannelLayer(channels_postgres.core.PostgresChannelLayer):  # type: ignore[misc]
    """channels_postgres 1.1.4's layer with three upstream races closed (docs/backplanes.md).

    1. Several listeners. Upstream starts its LISTEN task from ``receive()`` whenever its
       "running" event is not set yet, and sets it only once LISTEN is issued: every consumer
       that connects while the first listener is still starting starts another one, and each
       listener delivers every NOTIFY again (duplicates). Here the task is started once.
    2. LISTEN after the first sends. The listener starts on the first ``receive()``, which
       Channels runs beside (not before) the consumer's handlers: a client could join a group
       and get a message NOTIFYed before this process listened, which was then never
       delivered. Here ``new_channel()`` (awaited before a consumer handles anything) starts the
       listener and waits until it listens.
    3. Stolen messages. On start upstream's listener ``DELETE ... RETURNING``s every unexpired
       message in the table, other processes' included, and queues them locally under channels
       it does not own: another instance's large (> 8000 bytes, fetched by id) message is then
       gone when its owner fetches it (an ``AssertionError`` in ``receive``). This layer's
       channels are process-local (``!``: a new process owns none of the stored rows), so the
       sweep is skipped.
    """

    def _get_or_create_listener_task(self) -> tuple[asyncio.Event, bool]:
        event, _ = super()._get_or_create_listener_task()
        started = self.__dict__.get("_bench_listener") is not None
        if not started:
            self._bench_listener = True
        return event, not started

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = kwargs.get("PSYCOPG_OPTIONS", {})
        logger = channels_postgres.core.logger
        self.django_db: channels_postgres.db.DatabaseLayer = _NoSweepDatabase(
            options, self.db_params, logger=logger
        )

    async def new_channel(self, prefix: str = "specific") -> str:
        event, is_new = self._get_or_create_listener_task()
        if is_new:
            self._listener = asyncio.create_task(self.listen_to_all_channels())
        await event.wait()
        return str(await super().new_channel(prefix))


class _NoSweepDatabase(channels_postgres.db.DatabaseLayer):  # type: ignore[misc]
    async def retrieve_non_expired_queued_messages(self) -> list[tuple[str, str, bytes, str]]:
        """Nothing: the start-up sweep took other processes' messages (see above)."""
        return []
