"""draft-cavage-12 signatures, ours and bovine's, each checked by the other's verifier."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.http_signature import build_signature
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from multidict import CIMultiDict

from node.activitypub import signatures

OWNER = "https://space.example/ap/actor"


def _keys() -> tuple[str, rsa.RSAPrivateKey]:
    public, private = generate_rsa_public_private_key()
    key = load_pem_private_key(private.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return public, key


async def test_signatures__ours_verify_with_bovine_for_get_and_post() -> None:
    public, key = _keys()

    async def retrieve(key_id: str) -> CryptographicIdentifier:
        return CryptographicIdentifier.from_pem(public, OWNER)

    validate = build_validate_http_signature_raw(retrieve)
    for method, body in (("GET", b""), ("POST", b'{"type":"Create"}')):
        url = "https://follower.example/inbox"
        headers = signatures.sign(method, url, body, key, f"{OWNER}#main-key", datetime.now(UTC))
        lowered = {k.lower(): v for k, v in headers.items()}

        async def read() -> bytes:
            return body  # noqa: B023 (read at once, inside the loop)

        assert await validate(method, url, lowered, read) == OWNER, method
        tampered = lowered | {"date": "Mon, 01 Jan 2024 00:00:00 GMT"}
        assert await validate(method, url, tampered, read) is None, method


def test_signatures__bovines_verify_with_ours() -> None:
    public, private = generate_rsa_public_private_key()
    secret = CryptographicSecret.from_pem("https://follower.example/u#main-key", private)
    now = datetime.now(UTC)
    helper = (
        build_signature("space.example", "post", "/ap/inbox")
        .with_field("date", signatures.http_date(now))
        .with_field("digest", signatures.digest(b"{}"))
    )
    header = helper.sign_for_http_draft(secret)
    headers = CIMultiDict(Host="space.example", Date=signatures.http_date(now), Digest=signatures.digest(b"{}"))
    parsed = signatures.parse(header)
    signatures.check_request(parsed, "POST", "/ap/inbox", headers, b"{}", now, 3600)
    signatures.verify(parsed, "POST", "/ap/inbox", headers, public)
    other_public, _ = generate_rsa_public_private_key()
    with pytest.raises(signatures.SignatureRefused):
        signatures.verify(parsed, "POST", "/ap/inbox", headers, other_public)


def test_signatures__parse_refuses_what_it_cannot_read() -> None:
    for header in ("", 'keyId="k"', 'keyId="k",algorithm="hmac-sha256",signature="AAAA"', "x" * 5000):
        with pytest.raises(signatures.SignatureRefused):
            signatures.parse(header)
