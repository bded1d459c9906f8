"""The users a run's clients connect as, and their tokens.

Under the idiomatic profile the servers look tokens up in Django's tables, so before a run the
coordinator creates a ``User`` and a token row for every user of the plan, the row's key being
the exact token the workers will send (issued at the same ``tokens_at``); it removes them after.
None of it is timed. Under the equal profile nothing is stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from loadgen.plan.build import build_plan
from loadgen.plan.model import Plan
from loadgen.scenario.resolve import resolve
from servers.common.tokens import make_token

if TYPE_CHECKING:
    from loadgen.run.contender import RunContext


def tokens_for(plan: Plan, mine: Iterable[int], secret: str, now: float) -> dict[str, str]:
    """The token of every user among connections ``mine``, issued at ``now``."""
    users = {plan.connections[i].token_user for i in mine}
    ttl = plan.ramp_up_s + plan.duration_s + plan.drain_s + 3600
    return {user: make_token(user, secret, ttl=ttl, now=now) for user in users}


def run_tokens(
    scenario_data: dict[str, Any], source: str, secret: str, now: float
) -> dict[str, str]:
    """The tokens of every connection of the scenario's plan, as its workers will make them."""
    plan = build_plan(resolve(scenario_data, source=source))
    return tokens_for(plan, range(len(plan.connections)), secret, now)


async def seed_run_users(ctx: RunContext) -> list[str]:
    """Create the run's users and tokens (idiomatic profile); the users created."""
    if ctx.config.profile != "idiomatic":
        return []
    from servers.idiomatic.harness import seed_users

    ctx.tokens_at = time.time()
    tokens = run_tokens(ctx.scenario_data, ctx.scenario_source, ctx.config.secret, ctx.tokens_at)
    await asyncio.to_thread(seed_users, ctx.config, tokens, ctx.server_python, ctx.server_cwd)
    return sorted(tokens)


async def remove_run_users(ctx: RunContext, users: list[str]) -> None:
    if users:
        from servers.idiomatic.harness import remove_users

        await asyncio.to_thread(remove_users, ctx.config, users, ctx.server_python, ctx.server_cwd)
