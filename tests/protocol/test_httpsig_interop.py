"""Our RFC 9421 signatures against another implementation: the npm `http-message-signatures`
package run by Node.js (tests/interop/*.mjs, installed by `make test` with `npm ci`).

The Node side signs at the wall clock's time, so these tests sign with `created` = now.
Requests exchanged with it go through the hand-written path both ways (the `by_hand` fixture
fails any use of the library's), as the node's own requests do.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from protocol.httpsig import (
    BODY_COMPONENTS,
    BODYLESS_COMPONENTS,
    SIGNATURE_TAG,
    NonceCache,
    SignatureParams,
    sign_request,
    verify_request,
)
from protocol.keys import SigningKey
from protocol.problems import Problem, ProblemType

INTEROP = Path(__file__).resolve().parents[1] / "interop"
NODE = shutil.which("node")
INBOX = "https://london.example/federation/v1/inbox"
FEED = "https://london.example/federation/v1/feed?after=12&limit=50"
BODY = b'{"items": [{"object": {"origin": "https://nyc.example"}}]}'

_MISSING = (
    "node is not installed (needed for the RFC 9421 interop tests)"
    if NODE is None
    else "tests/interop/node_modules is missing: run `cd tests/interop && npm ci` (make test does)"
    if not (INTEROP / "node_modules" / "http-message-signatures").is_dir()
    else None
)
if _MISSING and os.environ.get("CI"):
    # CI installs both; there a missing one is a broken install, not a reason to skip.
    raise RuntimeError(_MISSING)

pytestmark = [pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")]

# (method, url, body, components) for a request with and one without a body.
REQUESTS = {
    "POST inbox": ("POST", INBOX, BODY, BODY_COMPONENTS),
    "GET feed": ("GET", FEED, b"", BODYLESS_COMPONENTS),
}


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def by_hand() -> Iterator[None]:
    """Fails any use of the library's path: the test's requests are signed and verified by hand."""
    taken = AssertionError("the library's path was taken")
    with (
        mock.patch("protocol.httpsig_library.sign_with_library", side_effect=taken),
        mock.patch("protocol.httpsig_library.verify_with_library", side_effect=taken),
    ):
        yield


def node(script: str, request: dict[str, Any]) -> dict[str, Any]:
    assert NODE is not None
    completed = subprocess.run(
        [NODE, str(INTEROP / script)], input=json.dumps(request), capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def node_verify(method: str, url: str, headers: dict[str, str], body: bytes, public_key: str) -> dict[str, Any]:
    """Node's verdict on a request held to the node's policy: {verified, digest, error}."""
    components = BODY_COMPONENTS if body else BODYLESS_COMPONENTS
    return node(
        "verify.mjs",
        {
            "method": method,
            "url": url,
            "headers": headers,
            "body_b64": base64.b64encode(body).decode(),
            "public_key": public_key,
            "required_fields": list(components),
            "required_params": ["created", "keyid", "nonce", "tag"],
            "max_skew": 300,
        },
    )


def node_sign(method: str, url: str, body: bytes, key: SigningKey, **params: Any) -> dict[str, str]:
    """The request's headers, with Content-Digest and the signature that Node adds."""
    headers = {"Content-Type": "application/json"} if body else {}
    request = {
        "method": method,
        "url": url,
        "headers": headers,
        "body_b64": base64.b64encode(body).decode(),
        "private_key": key.to_pem().decode(),
        "keyid": key.kid,
    } | params
    signed: dict[str, str] = node("sign.mjs", request)["headers"]
    return signed


def our_signed(method: str, url: str, body: bytes, key: SigningKey) -> dict[str, str]:
    headers = {"Content-Type": "application/json"} if body else {}
    return {**headers, **sign_request(method, url, headers, body, key, key.kid)}


@pytest.mark.usefixtures("by_hand")
@pytest.mark.parametrize("name", REQUESTS)
def test_node_verifies__our_signed_request(key: SigningKey, name: str) -> None:
    method, url, body, _ = REQUESTS[name]

    result = node_verify(method, url, our_signed(method, url, body, key), body, key.verify_key.b64url)

    assert result == {"verified": True, "digest": "ok" if body else "absent", "error": None}


def test_node_refuses__our_request_with_changed_method(key: SigningKey) -> None:
    headers = our_signed("POST", INBOX, BODY, key)

    assert node_verify("PUT", INBOX, headers, BODY, key.verify_key.b64url)["verified"] is False


def test_node_refuses__our_request_with_changed_body(key: SigningKey) -> None:
    headers = our_signed("POST", INBOX, BODY, key)

    result = node_verify("POST", INBOX, headers, BODY + b" ", key.verify_key.b64url)

    assert result["verified"] is True and result["digest"] == "mismatch"


def test_node_refuses__our_request_checked_with_another_key(key: SigningKey) -> None:
    headers = our_signed("POST", INBOX, BODY, key)

    result = node_verify("POST", INBOX, headers, BODY, SigningKey.generate().verify_key.b64url)

    assert result["verified"] is False


@pytest.mark.usefixtures("by_hand")
@pytest.mark.parametrize("name", REQUESTS)
def test_verify_request__accepts_node_signed_request(key: SigningKey, name: str) -> None:
    method, url, body, components = REQUESTS[name]
    now = int(time.time())
    headers = node_sign(
        method, url, body, key, created=now, nonce="node-nonce-1", tag=SIGNATURE_TAG, fields=list(components)
    )
    nonces = NonceCache()

    params = verify_request(method, url, headers, body, key.verify_key, nonces=nonces, now=now)

    assert params == SignatureParams(
        keyid=key.kid, created=now, nonce="node-nonce-1", tag=SIGNATURE_TAG, components=components
    )
    with pytest.raises(Problem) as caught:
        verify_request(method, url, headers, body, key.verify_key, nonces=nonces, now=now)
    assert caught.value.kind is ProblemType.REPLAY


def test_verify_request__refuses_node_signed_request_with_changed_target(key: SigningKey) -> None:
    now = int(time.time())
    headers = node_sign(
        "POST", INBOX, BODY, key, created=now, nonce="n2", tag=SIGNATURE_TAG, fields=list(BODY_COMPONENTS)
    )

    with pytest.raises(Problem) as caught:
        verify_request("POST", INBOX + "?x", headers, BODY, key.verify_key, nonces=NonceCache(), now=now)
    assert caught.value.kind is ProblemType.SIGNATURE_INVALID


def test_node_sign__reproduces_rfc9421_b26(vectors_dir: Path) -> None:
    vector = json.loads((vectors_dir / "rfc9421" / "b26-ed25519.json").read_text())
    request, params = vector["request"], vector["parameters"]

    headers = node(
        "sign.mjs",
        {
            "method": request["method"],
            "url": request["url"],
            "headers": request["headers"],
            "body_b64": base64.b64encode(request["body"].encode()).decode(),
            "private_key": (vectors_dir / "rfc9421" / "test-key-ed25519.key").read_text(),
            "keyid": params["keyid"],
            "created": params["created"],
            "fields": vector["covered_components"],
            "label": "sig-b26",
        },
    )["headers"]

    assert headers["Signature-Input"] == vector["expected_signature_input"]
    assert headers["Signature"] == vector["expected_signature"]


def test_node_verifies__rfc9421_b26_with_pem_key(vectors_dir: Path) -> None:
    vector = json.loads((vectors_dir / "rfc9421" / "b26-ed25519.json").read_text())
    request = vector["request"]
    headers = request["headers"] | {
        "Signature-Input": vector["expected_signature_input"],
        "Signature": vector["expected_signature"],
    }

    def verdict(method: str) -> dict[str, Any]:
        return node(
            "verify.mjs",
            {
                "method": method,
                "url": request["url"],
                "headers": headers,
                "body_b64": base64.b64encode(request["body"].encode()).decode(),
                "public_key": (vectors_dir / "rfc9421" / "test-key-ed25519.pem").read_text(),
                "required_fields": vector["covered_components"],
                "max_skew": 10**10,  # the vector was signed in 2021
            },
        )

    assert verdict("POST") == {"verified": True, "digest": "ok", "error": None}
    assert verdict("PUT")["verified"] is False
