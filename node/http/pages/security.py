"""CSRF tokens, signed flash messages and the per-node secret they use.

CSRF: every form carries `csrf_token`, an HMAC (per-node secret) of a cookie the browser
holds: the session cookie once signed in, before that a random pre-session cookie (so the
sign-in form is protected too). A cross-site page can neither read those HttpOnly cookies
nor compute the HMAC, so it cannot forge the field. The token is bound to the session: it
changes with every sign-in and dies with the session. Once signed in, only the session's token
is taken: a page on a sibling host can plant a pre-session cookie whose token it knows.

The secret is derived (HKDF-SHA256) from the node's private signing key, so it survives
restarts without another file to keep, and it is never logged or written anywhere. Rotating
the signing key changes it: forms rendered before a rotation are refused once and reloaded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any

from node.core import Node
from protocol.keys import hkdf_sha256

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PRE_SESSION_COOKIE = "gemella_csrf"
FLASH_COOKIE = "gemella_flash"


class PageSecrets:
    """Keys derived from the node's current signing key (recomputed after a rotation)."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self._kid: str | None = None
        self._keys: dict[str, bytes] = {}

    def key(self, purpose: str) -> bytes:
        current = self._node.keys.current
        if current.kid != self._kid:
            raw = current.private_bytes()
            self._keys = {p: _derive(raw, p) for p in ("csrf", "flash")}
            self._kid = current.kid
        return self._keys[purpose]

    def __repr__(self) -> str:  # never show key material, even in a debugger or a log line
        return "PageSecrets(<hidden>)"

    # -- CSRF ---------------------------------------------------------------------------------

    def csrf_token(self, binding: str) -> str:
        """The form token for a session (or pre-session) cookie value."""
        return _b64(hmac.new(self.key("csrf"), b"csrf\x00" + binding.encode(), hashlib.sha256).digest())

    def csrf_valid(self, submitted: str | None, bindings: list[str]) -> bool:
        if not submitted:
            return False
        return any(hmac.compare_digest(submitted, self.csrf_token(b)) for b in bindings if b)

    # -- flash messages -------------------------------------------------------------------------

    def seal_flash(self, message: dict[str, Any]) -> str:
        body = _b64(json.dumps(message, separators=(",", ":")).encode())
        return body + "." + self._flash_mac(body)

    def open_flash(self, value: str | None) -> dict[str, Any] | None:
        """The flash message in a cookie, if it is ours (signed) and well formed."""
        if not value or "." not in value:
            return None
        body, _, mac = value.rpartition(".")
        if not hmac.compare_digest(mac, self._flash_mac(body)):
            return None
        try:
            message = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            return None
        return message if isinstance(message, dict) else None

    def _flash_mac(self, body: str) -> str:
        return _b64(hmac.new(self.key("flash"), body.encode(), hashlib.sha256).digest()[:16])


def new_pre_session() -> str:
    return secrets.token_urlsafe(32)


def _derive(raw: bytes, purpose: str) -> bytes:
    info = b"gemellaggio web pages v1: " + purpose.encode()
    return hkdf_sha256(raw, info)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
