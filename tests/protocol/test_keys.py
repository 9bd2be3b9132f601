"""Key fingerprints as people read them aloud: Crockford base 32 in groups of four; strict base64url."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.keys import b64url_decode, b64url_encode, fingerprint, format_fingerprint


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
