"""The idiomatic Django profile (``--profile idiomatic``, docs/idiomatic.md).

One Django project used by both Python servers: a token table tied to ``auth.User`` and a
message table, reached through the ORM. The launcher side (:mod:`servers.idiomatic.harness`)
imports no Django; the modules that touch the ORM are imported only by servers running under
the profile, after ``django.setup()``.
"""
