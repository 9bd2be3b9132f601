"""One-click unsubscribe links (RFC 8058) for optional mails: the member id with an HMAC.

The key is derived (HKDF-SHA256) from the node's signing key, like the pages' secrets, so no
other file is kept; a key rotation makes older links ask the member to sign in instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from protocol.keys import hkdf_sha256


def _key(private_bytes: bytes) -> bytes:
    info = b"gemellaggio mail v1: unsubscribe"
    return hkdf_sha256(private_bytes, info)


def signature(private_bytes: bytes, member_id: str) -> str:
    mac = hmac.new(_key(private_bytes), member_id.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def is_valid(private_bytes: bytes, member_id: str, given: str) -> bool:
    return hmac.compare_digest(signature(private_bytes, member_id).encode(), given.encode("utf-8", "replace"))
