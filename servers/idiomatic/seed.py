"""The launcher's child process: ``python -m servers.idiomatic.seed migrate|seed|remove``.

``seed`` reads ``{"tokens": {user: token}}`` on stdin and creates each user and its token row
(``bulk_create``), after removing what an earlier run left under the same names; ``remove``
reads ``{"users": [...]}`` and deletes them (their tokens go with them). Run with
``DJANGO_SETTINGS_MODULE=servers.idiomatic.settings`` and the servers' ``BENCH_*``.
"""

from __future__ import annotations

import json
import sys

import django

BATCH = 1000


def main(command: str) -> None:
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from servers.idiomatic.models import Token

    if command == "migrate":
        call_command("migrate", verbosity=0)
        return
    data = json.load(sys.stdin)
    if command == "remove":
        User.objects.filter(username__in=data["users"]).delete()
        return
    tokens: dict[str, str] = data["tokens"]
    User.objects.filter(username__in=list(tokens)).delete()
    User.objects.bulk_create(
        [User(username=user, password="!") for user in tokens], batch_size=BATCH
    )  # "!": an unusable password, as set_unusable_password() stores
    ids = dict(User.objects.filter(username__in=list(tokens)).values_list("username", "id"))
    Token.objects.bulk_create(
        [
            Token(key=token, user_id=ids[user], expires=float(token.split(".")[1]))
            for user, token in tokens.items()
        ],
        batch_size=BATCH,
    )


if __name__ == "__main__":
    main(sys.argv[1])
