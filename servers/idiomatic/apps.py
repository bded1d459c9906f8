"""The Django app of the idiomatic profile."""

from __future__ import annotations

from django.apps import AppConfig


class ChatConfig(AppConfig):  # type: ignore[misc]
    name = "servers.idiomatic"
    label = "chat"
    default_auto_field = "django.db.models.BigAutoField"
