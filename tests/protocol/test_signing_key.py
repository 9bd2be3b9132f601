"""The signing key on libsodium: the same signatures, PEM files and derived secrets as with
`cryptography`, which the key no longer needs loaded."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.keys import SigningKey, hkdf_sha256

seeds = st.binary(min_size=32, max_size=32)


@settings(max_examples=200, deadline=None)
@given(seeds, st.binary(max_size=2000))
def test_signing_key__signs_what_cryptography_signs(seed: bytes, message: bytes) -> None:
    # Ed25519 is deterministic (RFC 8032): one key and one message, one signature.
    assert SigningKey(seed).sign(message) == Ed25519PrivateKey.from_private_bytes(seed).sign(message)


@settings(max_examples=100, deadline=None)
@given(seeds)
def test_signing_key__writes_and_reads_the_pem_cryptography_writes(seed: bytes) -> None:
    theirs = Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    ours = SigningKey(seed)
    assert ours.to_pem() == theirs
    assert SigningKey.from_pem(theirs).private_bytes() == seed
    assert SigningKey(Ed25519PrivateKey.from_private_bytes(seed)).kid == ours.kid


def test_signing_key__reads_another_pem_form_through_the_library() -> None:
    # The same key with its base64 on two lines, as other tools may wrap it: read by `cryptography`.
    seed = bytes(range(32))
    one_line = SigningKey(seed).to_pem().split(b"\n")
    pem = b"\r\n".join([one_line[0], one_line[1][:40], one_line[1][40:], one_line[2], b""])
    assert SigningKey.from_pem(pem).private_bytes() == seed


@pytest.mark.parametrize(
    "pem",
    [
        b"",
        b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
    ],
)
def test_signing_key__refuses_what_holds_no_ed25519_private_key(pem: bytes) -> None:
    with pytest.raises(ValueError):
        SigningKey.from_pem(pem)


def test_hkdf_sha256__gives_rfc5869_test_case_3() -> None:
    # RFC 5869, A.3: SHA-256 with a zero-length salt and info.
    okm = hkdf_sha256(bytes.fromhex("0b" * 22), b"", 42)
    assert okm.hex() == ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")


@settings(max_examples=100, deadline=None)
@given(seeds, st.binary(max_size=100), st.integers(min_value=1, max_value=200))
def test_hkdf_sha256__derives_what_cryptography_derives(material: bytes, info: bytes, length: int) -> None:
    theirs = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(material)
    assert hkdf_sha256(material, info, length) == theirs
