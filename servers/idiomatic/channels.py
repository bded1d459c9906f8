"""Channels under the idiomatic profile: token auth middleware, ORM calls.

The middleware is the one of Channels' "Custom Authentication" docs: it looks the query
string's token up through the ORM in ``database_sync_to_async`` and sets ``scope["user"]``.
The consumer then admits an authenticated user and refuses ``AnonymousUser``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware

from servers.common.state import Member
from servers.common.tokens import TokenError
from servers.idiomatic import orm

get_user = database_sync_to_async(orm.get_user)
save_message = database_sync_to_async(orm.save_message)
read_history = database_sync_to_async(orm.read_history)


class TokenAuthMiddleware(BaseMiddleware):  # type: ignore[misc]
    """``scope["user"]``: the user whose token is ``?token=...``, else ``AnonymousUser``."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        query = parse_qs(scope["query_string"].decode())
        scope["user"] = await get_user(query.get("token", [None])[0])
        return await super().__call__(scope, receive, send)


def member_for(scope: Any) -> Member:
    """The new connection's state for ``scope["user"]``; ``TokenError`` for an anonymous one."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        raise TokenError("unknown token")
    return Member(user.get_username())
