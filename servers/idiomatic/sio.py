"""python-socketio under the idiomatic profile: the same ORM calls through asgiref's
``sync_to_async`` (thread-sensitive, as Channels' ``database_sync_to_async``)."""

from __future__ import annotations

from asgiref.sync import sync_to_async

from servers.common.state import Member
from servers.common.tokens import TokenError
from servers.idiomatic import orm

get_user = sync_to_async(orm.get_user)
save_message = sync_to_async(orm.save_message)
read_history = sync_to_async(orm.read_history)


async def member_for(token: object) -> Member:
    """The new connection's state for the user ``token`` names; ``TokenError`` for none."""
    user = await get_user(token)
    if not user.is_authenticated:
        raise TokenError("unknown token")
    return Member(user.get_username())
