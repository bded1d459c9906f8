"""The Django project's HTTP routes: none of its own (its chat is WebSocket / Socket.IO)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
