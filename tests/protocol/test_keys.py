"""Key fingerprints as people read them aloud: Crockford base 32 in groups of four; strict base64url."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.keys import SigningKey, VerifyKey, b64url_decode, b64url_encode, fingerprint, format_fingerprint


def test_format_fingerprint__is_the_same_sha256_in_readable_groups():
    public = bytes(range(32))
    shown = format_fingerprint(fingerprint(public))
    groups = shown.split(" ")
    assert len(groups) == 13 and all(len(g) == 4 for g in groups)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z ]+", shown), "no I, L, O or U, nothing lower case"
    # Decoding the 52 characters gives back the SHA-256 of the key (and four zero bits of padding).
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = 0
    for ch in shown.replace(" ", ""):
        value = value * 32 + alphabet.index(ch)
    assert value & 0xF == 0 and (value >> 4).to_bytes(32, "big") == hashlib.sha256(public).digest()


def test_format_fingerprint__differs_for_another_key():
    a, b = fingerprint(b"\x01" * 32), fingerprint(b"\x02" * 32)
    assert format_fingerprint(a) != format_fingerprint(b)
    assert base64.urlsafe_b64decode(a + "=") == hashlib.sha256(b"\x01" * 32).digest()


def _reference_decode(text: str) -> bytes:
    """Strict base64url the slow, obvious way: the alphabet, no padding, and the bytes encode back
    to the very same text (so spare bits are zero)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    if b64url_encode(raw) != text:
        raise ValueError("not canonical base64url")
    return raw


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@given(
    st.one_of(st.text(alphabet=_ALPHABET, max_size=90), st.text(max_size=12), st.binary(max_size=66).map(b64url_encode))
)
def test_b64url_decode__agrees_with_the_obvious_decoder(text: str) -> None:
    try:
        expected: bytes | None = _reference_decode(text)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            b64url_decode(text)
    else:
        assert b64url_decode(text) == expected


@pytest.mark.parametrize("text", ["AB", "AAB", "A", "AA==", "AA=", "A+", "A/", "AA\n", "\u00e9A"])
def test_b64url_decode__refuses_spare_bits_padding_and_other_alphabets(text: str) -> None:
    with pytest.raises(ValueError):
        b64url_decode(text)


# RFC 8032, section 7.1, TEST 1 and TEST 2: (public key, message, signature).
RFC8032 = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


@pytest.mark.parametrize(("public", "message", "signature"), RFC8032, ids=["test1", "test2"])
def test_verify_key__accepts_the_rfc8032_vectors(public: str, message: str, signature: str) -> None:
    key, sig, data = VerifyKey(bytes.fromhex(public)), bytes.fromhex(signature), bytes.fromhex(message)
    assert key.verify(sig, data)
    assert not key.verify(sig, data + b"\x00")


def _cryptography_verdict(key: VerifyKey, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(key.raw).verify(signature, message)
    except InvalidSignature:
        return False
    return True


@settings(max_examples=60)
@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=8 * 64 - 1), st.booleans(), st.booleans())
def test_verify_key__gives_cryptography_s_verdict(message: bytes, bit: int, alter_signature: bool, alter: bool) -> None:
    # libsodium checks the node's signatures; `cryptography` signs them, and is what other
    # implementations are tested against. Honest and altered signatures get the same verdict.
    signer = SigningKey.generate()
    signature = signer.sign(message)
    if alter and alter_signature:
        signature = bytearray(signature)
        signature[bit // 8] ^= 1 << (bit % 8)
        signature = bytes(signature)
    elif alter:
        message = message + b"!"
    verdict = signer.verify_key.verify(signature, message)
    assert verdict is _cryptography_verdict(signer.verify_key, signature, message)
    assert verdict is not alter


@pytest.mark.parametrize("length", [0, 63, 65])
def test_verify_key__refuses_a_signature_of_the_wrong_length(length: int) -> None:
    signer = SigningKey.generate()
    assert not signer.verify_key.verify(signer.sign(b"m")[:length] + b"\x00" * max(0, length - 64), b"m")
