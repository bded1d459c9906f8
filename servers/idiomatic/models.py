"""A token table tied to ``auth.User`` (as in Django REST framework) and a message table."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Token(models.Model):  # type: ignore[misc]
    """An API token: its key is the exact text a client sends (servers/common/tokens.py)."""

    key = models.CharField(max_length=160, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires = models.FloatField()  # unix time, the expiry the token names

    class Meta:
        db_table = "idiomatic_token"

    def __str__(self) -> str:
        return str(self.key)


class Message(models.Model):  # type: ignore[misc]
    """One stored chat message; ``msg_id`` is the client's id as JSON (a string or a number)."""

    room = models.CharField(max_length=128)
    msg_id = models.CharField(max_length=160)
    sender = models.CharField(max_length=150)
    ts = models.FloatField()
    body_text = models.TextField(null=True)
    body_bin = models.BinaryField(null=True)

    class Meta:
        db_table = "idiomatic_message"  # not chat_message: the equal profile's table
        indexes = [models.Index(fields=["room", "id"], name="idiomatic_message_room_id")]

    def __str__(self) -> str:
        return f"{self.room}:{self.msg_id}"
