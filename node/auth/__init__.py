"""Signing in with the space's own identity provider (OpenID Connect), and the web sessions
that every way of signing in ends with.

The public surface, for other features: `open_session`. The routes (`routes.py`) are installed
by the web application.
"""

from __future__ import annotations

from .sessions import open_session

__all__ = ["open_session"]
