"""Ed25519 keys as the protocol names and writes them.

A public key is written as base64url (no padding) of its raw 32 bytes. Its fingerprint is
the base64url SHA-256 of those bytes, shown to people in groups of four characters; its key
id (``kid``) is ``ed25519:`` followed by the first 16 characters of the fingerprint.

Keys sign and verify with libsodium (PyNaCl). `cryptography`, which a node needs only for
other work (the reference RFC 9421 library, the fediverse's RSA, a PEM file of another form
than the one we write), is imported when that work asks for it: loaded, it holds about 10 MB
of an idle node's memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_B64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
_B64URL_VALUE = {char: value for value, char in enumerate(_B64URL_ALPHABET)}
_URL_TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/!!!")
# By length mod 4: the low bits of the last character that carry no data (2 chars = 12 bits
# for 8, 3 chars = 18 bits for 16).
_SPARE_BITS = (0, 0, 0b1111, 0b11)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; raises ValueError on anything else."""
    size = len(text)
    if size % 4 == 1:
        raise ValueError("not base64url")
    try:
        # The URL alphabet becomes the standard one, and the standard one's own "+", "/" and "="
        # become a character outside it, so that binascii's strict mode refuses every character
        # base64url does not have (cheaper than a regular expression over the text).
        data = binascii.a2b_base64(
            text.encode("ascii").translate(_URL_TO_STANDARD) + b"=" * (-size % 4), strict_mode=True
        )
    except ValueError:  # binascii.Error, or UnicodeEncodeError: a character outside ASCII
        raise ValueError("not base64url") from None
    # The last character's spare low bits must be zero: one value, one spelling (no malleable
    # signatures). Read from the character itself: cheaper than encoding the bytes again.
    if size and _SPARE_BITS[size % 4] & _B64URL_VALUE[text[-1]]:
        raise ValueError("not canonical base64url")
    return data


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
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        return Ed25519PublicKey.from_public_bytes(self.raw)

    def public_key(self) -> Ed25519PublicKey:
        return self._public


# PKCS#8 (RFC 8410) of an Ed25519 private key, as `cryptography` and OpenSSL write it: this
# DER prefix, then the 32-byte seed; in PEM, one line of 64 base64 characters.
_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
_PEM = re.compile(rb"-----BEGIN PRIVATE KEY-----\r?\n([A-Za-z0-9+/]{64})\r?\n-----END PRIVATE KEY-----\s*")


class SigningKey:
    """A private Ed25519 key. Never serialised except to its PEM file."""

    def __init__(self, private: bytes | Ed25519PrivateKey) -> None:
        """From the 32-byte seed, or from `cryptography`'s key object."""
        seed = private if isinstance(private, bytes) else _raw_private(private)
        if len(seed) != 32:
            raise ValueError("an Ed25519 private key is a 32-byte seed")
        public, self._secret = crypto_sign_seed_keypair(seed)
        self._seed = seed
        self.verify_key = VerifyKey(public)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        """The key of a PEM PKCS#8 file; raises ValueError if it holds no Ed25519 private key."""
        found = _PEM.fullmatch(pem.lstrip())
        der = base64.b64decode(found[1]) if found else b""
        if der.startswith(_PKCS8_PREFIX) and len(der) == len(_PKCS8_PREFIX) + 32:
            return cls(der[len(_PKCS8_PREFIX) :])
        return cls(_seed_from_other_pem(pem))  # another form (with its public key, ...): the library reads it

    def to_pem(self) -> bytes:
        """PEM PKCS#8, byte for byte as `cryptography` writes it."""
        der = base64.b64encode(_PKCS8_PREFIX + self._seed)
        return b"-----BEGIN PRIVATE KEY-----\n" + der + b"\n-----END PRIVATE KEY-----\n"

    @property
    def kid(self) -> str:
        return self.verify_key.kid

    def sign(self, message: bytes) -> bytes:
        return crypto_sign(message, self._secret)[:64]  # the signature, then the message

    def private_bytes(self) -> bytes:
        """The raw 32-byte private key (RFC 8032's seed), from which secrets are derived."""
        return self._seed

    def private_key(self) -> Ed25519PrivateKey:
        """`cryptography`'s object for this key, for code that needs it (the reference library)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self._seed)

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"


def hkdf_sha256(key_material: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF with SHA-256 and no salt (RFC 5869): a secret for one purpose (`info`), derived from a
    private key, so that the node keeps no other secret file."""
    if not 0 < length <= 255 * 32:
        raise ValueError("HKDF-SHA256 derives 1 to 8160 bytes")
    prk = hmac.new(b"\0" * 32, key_material, hashlib.sha256).digest()
    okm, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
    return okm[:length]


def _seed_from_other_pem(pem: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (TypeError, ValueError) as exc:  # TypeError: an encrypted key
        raise ValueError(f"not a readable PEM private key: {exc}") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return _raw_private(private)


def _raw_private(private: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    encoding, form = serialization.Encoding.Raw, serialization.PrivateFormat.Raw
    return private.private_bytes(encoding, form, serialization.NoEncryption())
