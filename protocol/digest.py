"""RFC 9530 ``Content-Digest``: the body's hash in a header, so that a request signature
covering the header also covers the body.

The library ``http-message-signatures`` writes and checks the field; this module only
names what the protocol uses of it. Nodes send SHA-256 and accept SHA-256 and SHA-512.
"""

from __future__ import annotations

from http_message_signatures import ContentDigest, InvalidSignature

__all__ = ["content_digest", "digest_mismatch"]


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` value of a body: ``sha-256=:<base64>:``."""
    return ContentDigest.create(body)


def digest_mismatch(value: str, body: bytes) -> str | None:
    """Why a ``Content-Digest`` value does not match the body, or None if every digest in it does.

    A malformed value, or one with an algorithm other than sha-256 and sha-512, does not match.
    """
    try:
        ContentDigest.verify(value, body)
    except InvalidSignature as exc:
        return str(exc)
    return None
