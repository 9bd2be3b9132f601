"""Key fingerprints as people read them aloud: Crockford base 32 in groups of four."""

from __future__ import annotations

import base64
import hashlib
import re

from protocol.keys import fingerprint, format_fingerprint


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
