"""Ed25519 keys as the protocol names and writes them.

A public key is written as base64url (no padding) of its raw 32 bytes. Its fingerprint is
the base64url SHA-256 of those bytes, shown to people in groups of four characters; its key
id (``kid``) is ``ed25519:`` followed by the first 16 characters of the fingerprint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import string
from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

_B64URL = re.compile(r"[A-Za-z0-9_-]*")  # whole text: fullmatch (a "$" would let a newline end it)
_B64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
_B64URL_VALUE = {char: value for value, char in enumerate(_B64URL_ALPHABET)}
_URL_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# By length mod 4: the low bits of the last character that carry no data (2 chars = 12 bits
# for 8, 3 chars = 18 bits for 16).
_SPARE_BITS = (0, 0, 0b1111, 0b11)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; raises ValueError on anything else."""
    size = len(text)
    if size % 4 == 1 or not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    # The last character's spare low bits must be zero: one value, one spelling (no malleable
    # signatures). Read from the character itself: cheaper than encoding the bytes again.
    if size and _SPARE_BITS[size % 4] & _B64URL_VALUE[text[-1]]:
        raise ValueError("not canonical base64url")
    # Every character is in the alphabet and the length is possible, so this cannot fail.
    return binascii.a2b_base64(text.encode("ascii").translate(_URL_TO_STANDARD) + b"=" * (-size % 4))


def fingerprint(public_raw: bytes) -> str:
    """The base64url SHA-256 of a raw public key."""
    return b64url_encode(hashlib.sha256(public_raw).digest())


# Crockford's base 32: digits and capitals without I, L, O and U, so nothing reads as something else.
_READABLE = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def format_fingerprint(fp: str) -> str:
    """A fingerprint as people read it aloud and compare it: the same SHA-256 in Crockford base 32
    (52 characters, no 0/O or 1/l/I to confuse), in thirteen groups of four."""
    value = int.from_bytes(b64url_decode(fp), "big") << 4  # 256 bits padded to 260 = 52 x 5
    text = "".join(_READABLE[(value >> shift) & 31] for shift in range(255, -1, -5))
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def key_id(public_raw: bytes) -> str:
    return "ed25519:" + fingerprint(public_raw)[:16]


@dataclass(frozen=True)
class VerifyKey:
    """A public Ed25519 key with its protocol names."""

    raw: bytes

    @classmethod
    def from_b64url(cls, text: str) -> VerifyKey:
        raw = b64url_decode(text)
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return cls(raw)

    @cached_property
    def kid(self) -> str:
        return key_id(self.raw)

    @property
    def b64url(self) -> str:
        return b64url_encode(self.raw)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Whether `signature` is this key's Ed25519 signature of `message` (RFC 8032).

        Checked by libsodium (PyNaCl), not by `cryptography`: `cryptography` holds the GIL while
        it verifies, so the inbox's verifying threads ran one at a time and stalled the event
        loop; libsodium's call releases it (and is a little faster). libsodium is also stricter
        with the forms no honest signer makes (small-order keys and points, S not reduced): such
        a signature is refused. A property test holds the two libraries to the same verdict on
        honest and altered signatures."""
        if len(signature) != 64:
            return False
        try:
            crypto_sign_open(signature + message, self.raw)
        except BadSignatureError:
            return False
        return True

    @cached_property
    def _public(self) -> Ed25519PublicKey:
        # For code that needs `cryptography`'s key object (the reference RFC 9421 library).
        return Ed25519PublicKey.from_public_bytes(self.raw)

    def public_key(self) -> Ed25519PublicKey:
        return self._public


class SigningKey:
    """A private Ed25519 key. Never serialised except to its PEM file."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.verify_key = VerifyKey(raw)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        return cls(private)

    def to_pem(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def kid(self) -> str:
        return self.verify_key.kid

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def private_key(self) -> Ed25519PrivateKey:
        return self._private

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"
