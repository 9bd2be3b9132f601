"""RFC 9530 ``Content-Digest``: the body's hash in a header, so that a request signature
covering the header also covers the body.

Nodes send SHA-256 and accept SHA-256 and SHA-512. Written and, in its canonical spelling,
read by hand (``protocol.structured``) because every signed request pays for it; any other
spelling, and every value that does not match, is left to the ``ContentDigest`` of
``http-message-signatures``, which reads what RFC 8941 allows and says why a value fails.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Final

from protocol.structured import parse_byte_sequences, ser_byte_sequence

__all__ = ["content_digest", "digest_mismatch"]

_HASHES: Final[dict[str, Callable[[bytes], hashlib._Hash]]] = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` value of a body: ``sha-256=:<base64>:``."""
    return "sha-256=" + ser_byte_sequence(hashlib.sha256(body).digest())


def digest_mismatch(value: str, body: bytes) -> str | None:
    """Why a ``Content-Digest`` value does not match the body, or None if every digest in it does.

    A malformed value, or one with an algorithm other than sha-256 and sha-512, does not match.
    """
    if value == content_digest(body):  # what nodes send: the canonical sha-256 member alone
        return None
    digests = parse_byte_sequences(value)
    if digests is not None and all(
        algorithm in _HASHES and hmac.compare_digest(digest, _HASHES[algorithm](body).digest())
        for algorithm, digest in digests.items()
    ):
        return None
    from http_message_signatures import ContentDigest, InvalidSignature  # rare: loaded when first needed

    try:
        ContentDigest.verify(value, body)
    except InvalidSignature as exc:
        return str(exc)
    return None
