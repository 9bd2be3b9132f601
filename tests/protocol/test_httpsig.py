"""RFC 9421 request signatures between nodes (protocol/httpsig.py).

Every test runs twice: on the path nodes take (hand-written first, the library for the
rest) and on the library alone, so each behaviour pinned here is shown to be the library's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from protocol.httpsig import (
    BODY_COMPONENTS,
    BODYLESS_COMPONENTS,
    FRESH_NONCE,
    SIGNATURE_TAG,
    NonceCache,
    SignatureParams,
    content_digest,
    sign_request,
    signature_keyid,
    verify_request,
)
from protocol.httpsig_library import sign_with_library
from protocol.keys import SigningKey, b64url_decode
from protocol.problems import Problem, ProblemType

INVALID = ProblemType.SIGNATURE_INVALID
EXPIRED = ProblemType.SIGNATURE_EXPIRED
INBOX = "https://public.example/federation/v1/inbox"
BODY = b'{"items": []}'
NOW = 1_700_000_000
NONCE = "bm9uY2Utb25lLXR3by10aHJlZQ"


@dataclass(frozen=True)
class Req:
    """A request as the verifier sees it."""

    headers: dict[str, str]
    method: str = "POST"
    url: str = INBOX
    body: bytes = BODY
    extra: dict[str, Any] = field(default_factory=dict)


class RecordingKey(SigningKey):
    """A signing key that remembers what it signed, to compare with a vector's signature base."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        super().__init__(private)
        self.signed: list[bytes] = []

    def sign(self, message: bytes) -> bytes:
        self.signed.append(message)
        return super().sign(message)


@pytest.fixture(scope="module", params=["hand-written first", "library alone"], autouse=True)
def path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Which path signs and verifies: the hand-written one first, as nodes do, or the library alone."""
    if request.param == "library alone":
        with (
            mock.patch("protocol.httpsig.sign_by_hand", return_value=None),
            mock.patch("protocol.httpsig.verify_by_hand", return_value=None),
        ):
            yield request.param
    else:
        yield request.param


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def b26(vectors_dir: Path) -> dict[str, Any]:
    return json.loads((vectors_dir / "rfc9421" / "b26-ed25519.json").read_text())


@pytest.fixture(scope="module")
def b26_key(vectors_dir: Path) -> RecordingKey:
    key = RecordingKey.from_pem((vectors_dir / "rfc9421" / "test-key-ed25519.key").read_bytes())
    assert isinstance(key, RecordingKey)
    return key


def signed(key: SigningKey, *, method: str = "POST", url: str = INBOX, body: bytes = BODY, **kwargs: Any) -> Req:
    """A request signed now (NOW) with the node's defaults, unless kwargs say otherwise."""
    headers = {"Content-Type": "application/json"} if body else {}
    kwargs.setdefault("created", NOW)
    kwargs.setdefault("nonce", NONCE)
    added = sign_request(method, url, headers, body, key, key.kid, **kwargs)
    return Req({**headers, **added}, method, url, body)


def verify(key: SigningKey, req: Req, **overrides: Any) -> SignatureParams:
    """verify_request with a fresh nonce cache and NOW, unless overrides say otherwise."""
    options: dict[str, Any] = {"nonces": NonceCache(), "now": NOW} | req.extra | overrides
    return verify_request(req.method, req.url, req.headers, req.body, key.verify_key, **options)


@contextmanager
def refused(kind: ProblemType, match: str | None = None) -> Iterator[None]:
    with pytest.raises(Problem, match=match) as caught:
        yield
    assert caught.value.kind is kind, caught.value


def with_header(req: Req, name: str, value: str) -> Req:
    return replace(req, headers={**req.headers, name: value})


def edit_input(req: Req, old: str, new: str) -> Req:
    """The request with part of its Signature-Input rewritten."""
    assert old in req.headers["Signature-Input"]
    return with_header(req, "Signature-Input", req.headers["Signature-Input"].replace(old, new))


def signature_bytes(req: Req) -> bytes:
    value = req.headers["Signature"]
    return base64.b64decode(value[value.index(":") + 1 : -1])


def without(headers: Mapping[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in names}


def test_path__signs_by_hand_unless_library_alone(path: str, key: SigningKey) -> None:
    with mock.patch("protocol.httpsig_library.sign_with_library", wraps=sign_with_library) as library:
        signed(key)

    assert library.called is (path == "library alone")


# --- RFC 9421 Appendix B.2.6 vector ---


def sign_b26(b26: dict[str, Any], key: SigningKey) -> dict[str, str]:
    request, params = b26["request"], b26["parameters"]
    return sign_request(
        request["method"],
        request["url"],
        request["headers"],
        request["body"].encode(),
        key,
        params["keyid"],
        created=params["created"],
        nonce=None,
        tag=None,
        components=b26["covered_components"],
        label="sig-b26",
    )


def b26_request(b26: dict[str, Any], added: Mapping[str, str]) -> Req:
    request = b26["request"]
    extra = {"nonces": None, "required_tag": None, "now": b26["parameters"]["created"]}
    return Req({**request["headers"], **added}, request["method"], request["url"], request["body"].encode(), extra)


def test_sign_request__reproduces_rfc9421_b26(b26: dict[str, Any], b26_key: RecordingKey) -> None:
    added = sign_b26(b26, b26_key)

    assert b26_key.signed[-1] == b26["expected_signature_base"].encode()
    assert added == {
        "Signature-Input": b26["expected_signature_input"],
        "Signature": b26["expected_signature"],
    }


def test_verify_request__accepts_rfc9421_b26(b26: dict[str, Any], b26_key: RecordingKey) -> None:
    vector = {"Signature-Input": b26["expected_signature_input"], "Signature": b26["expected_signature"]}

    params = verify(b26_key, b26_request(b26, vector))

    assert params == SignatureParams(
        keyid="test-key-ed25519",
        created=1618884473,
        nonce=None,
        tag=None,
        components=tuple(b26["covered_components"]),
    )


B26_CHANGES: dict[str, Callable[[Req], Req]] = {
    "date": lambda r: with_header(r, "Date", "Tue, 20 Apr 2021 02:07:56 GMT"),
    "@method": lambda r: replace(r, method="PUT"),
    "@path": lambda r: replace(r, url=r.url.replace("/foo", "/bar")),
    "@authority": lambda r: replace(r, url=r.url.replace("example.com", "example.org")),
    "content-type": lambda r: with_header(r, "Content-Type", "text/plain"),
    "content-length": lambda r: with_header(r, "Content-Length", "19"),
}


@pytest.mark.parametrize("component", B26_CHANGES)
def test_verify_request__refuses_rfc9421_b26_after_covered_change(
    b26: dict[str, Any], b26_key: RecordingKey, component: str
) -> None:
    vector = {"Signature-Input": b26["expected_signature_input"], "Signature": b26["expected_signature"]}
    req = B26_CHANGES[component](b26_request(b26, vector))

    with refused(INVALID):
        verify(b26_key, req)


# --- Signing ---


def test_sign_request__with_body_covers_digest_and_content_type(key: SigningKey) -> None:
    req = signed(key)

    assert req.headers["Content-Digest"] == content_digest(BODY)
    assert req.headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "content-digest" "content-type")'
        f';created={NOW};keyid="{key.kid}";nonce="{NONCE}";tag="gemellaggio-v1"'
    )
    assert len(signature_bytes(req)) == 64


def test_sign_request__without_body_covers_method_and_target_only(key: SigningKey) -> None:
    added = sign_request("GET", INBOX, {}, b"", key, key.kid, created=NOW, nonce=NONCE)

    assert "Content-Digest" not in added
    assert added["Signature-Input"].startswith('sig1=("@method" "@target-uri");')


def test_sign_request__draws_fresh_128_bit_nonces(key: SigningKey) -> None:
    nonces = {verify(key, signed(key, nonce=FRESH_NONCE)).nonce for _ in range(2)}

    assert len(nonces) == 2
    assert all(nonce is not None and len(b64url_decode(nonce)) == 16 for nonce in nonces)


def test_sign_request__refuses_content_digest_not_matching_body(key: SigningKey) -> None:
    headers = {"Content-Type": "application/json", "Content-Digest": content_digest(b"other")}

    with pytest.raises(ValueError, match="does not match"):
        sign_request("POST", INBOX, headers, BODY, key, key.kid)


def test_sign_request__refuses_missing_covered_header(key: SigningKey) -> None:
    with pytest.raises(ValueError, match="content-type"):
        sign_request("POST", INBOX, {}, BODY, key, key.kid)


# --- Verifying: round trips ---


def test_verify_request__round_trip_returns_what_was_signed(key: SigningKey) -> None:
    params = verify(key, signed(key))

    assert params == SignatureParams(
        keyid=key.kid, created=NOW, nonce=NONCE, tag=SIGNATURE_TAG, components=BODY_COMPONENTS
    )


def test_verify_request__round_trip_without_body(key: SigningKey) -> None:
    params = verify(key, signed(key, method="GET", body=b""))

    assert params.components == BODYLESS_COMPONENTS


def test_verify_request__defaults_to_the_clock(key: SigningKey) -> None:
    req = signed(key, created=None, nonce=FRESH_NONCE)
    nonces = NonceCache()

    params = verify(key, req, now=None, nonces=nonces)

    assert params.nonce is not None and len(nonces) == 1


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_verify_request__header_names_in_any_case(key: SigningKey, case: Callable[[str], str]) -> None:
    req = signed(key)

    verify(key, replace(req, headers={case(k): v for k, v in req.headers.items()}))


def test_verify_request__accepts_aiohttp_multidict_headers(key: SigningKey) -> None:
    req = signed(key)
    headers = CIMultiDictProxy(CIMultiDict(req.headers))

    assert verify_request("POST", INBOX, headers, BODY, key.verify_key, nonces=NonceCache(), now=NOW)


def test_verify_request__accepts_sha512_digest(key: SigningKey) -> None:
    sha512 = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = {"Content-Type": "application/json", "Content-Digest": f"sha-512=:{sha512}:"}
    added = sign_request("POST", INBOX, headers, BODY, key, key.kid, created=NOW)

    assert "Content-Digest" not in added
    verify(key, Req({**headers, **added}))


def test_verify_request__picks_the_signature_with_our_tag(key: SigningKey) -> None:
    ours = signed(key)
    theirs = signed(SigningKey.generate(), tag="someone-else", label="proxy")
    both = {
        **ours.headers,
        "Signature-Input": f"{theirs.headers['Signature-Input']}, {ours.headers['Signature-Input']}",
        "Signature": f"{theirs.headers['Signature']}, {ours.headers['Signature']}",
    }

    assert signature_keyid(both) == key.kid
    assert verify(key, replace(ours, headers=both)).keyid == key.kid


def test_verify_request__refuses_two_signatures_with_our_tag(key: SigningKey) -> None:
    first, second = signed(key), signed(key, nonce="another", label="sig2")
    both = {
        **first.headers,
        "Signature-Input": f"{first.headers['Signature-Input']}, {second.headers['Signature-Input']}",
        "Signature": f"{first.headers['Signature']}, {second.headers['Signature']}",
    }

    with refused(INVALID, "found 2"):
        verify(key, replace(first, headers=both))


# --- Verifying: a changed request ---

TAMPERINGS: dict[str, tuple[Callable[[Req], Req], ProblemType, str | None]] = {
    "method": (lambda r: replace(r, method="PUT"), INVALID, None),
    "target uri": (lambda r: replace(r, url=INBOX + "?after=1"), INVALID, None),
    "body": (lambda r: replace(r, body=b'{"items": [1]}'), INVALID, "does not match"),
    "content type": (lambda r: with_header(r, "Content-Type", "text/plain"), INVALID, None),
    "digest and body": (
        lambda r: replace(with_header(r, "Content-Digest", content_digest(b"{}")), body=b"{}"),
        INVALID,
        None,
    ),
    "created": (lambda r: edit_input(r, f"created={NOW}", f"created={NOW + 1}"), INVALID, None),
    "keyid": (lambda r: edit_input(r, 'keyid="', 'keyid="x'), INVALID, None),
    "nonce": (lambda r: edit_input(r, f'nonce="{NONCE}"', 'nonce="other"'), INVALID, None),
}


@pytest.mark.parametrize("change", TAMPERINGS)
def test_verify_request__refuses_changed_component(key: SigningKey, change: str) -> None:
    tamper, kind, match = TAMPERINGS[change]

    with refused(kind, match):
        verify(key, tamper(signed(key)))


def test_verify_request__refuses_another_key(key: SigningKey) -> None:
    with refused(INVALID):
        verify(SigningKey.generate(), signed(key))


def test_verify_request__behind_proxy_checks_the_public_url(key: SigningKey) -> None:
    req = signed(key, url="https://public.example/federation/v1/inbox")

    verify(key, replace(req, url="https://public.example/federation/v1/inbox"))
    with refused(INVALID):
        verify(key, replace(req, url="http://127.0.0.1:8080/federation/v1/inbox"))


# --- Verifying: time and replay ---


@pytest.mark.parametrize(("now", "ok"), [(NOW + 300, True), (NOW + 301, False), (NOW - 300, True), (NOW - 301, False)])
def test_verify_request__created_within_max_skew(key: SigningKey, now: int, ok: bool) -> None:
    # Without a nonce cache, whose own window would also refuse old requests.
    if ok:
        verify(key, signed(key), now=now, nonces=None)
    else:
        with refused(EXPIRED, "more than 300 s"):
            verify(key, signed(key), now=now, nonces=None)


def _resign_with_input(key: SigningKey, req: Req) -> Req:
    """Sign the base the edited Signature-Input describes (as a foreign signer would)."""
    params = req.headers["Signature-Input"].split(";", 1)[1]
    base = (
        f'"@method": {req.method}\n"@target-uri": {req.url}\n'
        f'"content-digest": {req.headers["Content-Digest"]}\n"content-type": {req.headers["Content-Type"]}\n'
        f'"@signature-params": ("@method" "@target-uri" "content-digest" "content-type");{params}'
    )
    signature = base64.b64encode(key.sign(base.encode())).decode()
    return with_header(req, "Signature", f"sig1=:{signature}:")


def test_verify_request__refuses_expired_expires(key: SigningKey) -> None:
    # Our signer never sets expires, but a signed expiry from another implementation is honoured.
    req = edit_input(signed(key), f"created={NOW}", f"created={NOW};expires={NOW + 10}")
    resigned = _resign_with_input(key, req)

    verify(key, resigned, now=NOW + 10)
    with refused(EXPIRED, "expired"):
        verify(key, resigned, now=NOW + 11)


def test_verify_request__accepts_our_algorithm_named(key: SigningKey) -> None:
    req = edit_input(signed(key), f"created={NOW}", f'created={NOW};alg="ed25519"')

    assert verify(key, _resign_with_input(key, req)).keyid == key.kid


PARAMETER_FAULTS: dict[str, Callable[[str], str]] = {
    "other alg": lambda v: v + ';alg="rsa-pss-sha512"',
    "unknown parameter": lambda v: v + ';foo="bar"',
    "created string": lambda v: v.replace(f"created={NOW}", f'created="{NOW}"'),
    "expires boolean": lambda v: v + ";expires=?1",
    "keyid integer": lambda v: re.sub(r'keyid="[^"]*"', "keyid=5", v),
    "nonce integer": lambda v: re.sub(r'nonce="[^"]*"', "nonce=5", v),
    "alg integer": lambda v: v + ";alg=1",
    "no created": lambda v: v.replace(f";created={NOW}", ""),
    "no keyid": lambda v: re.sub(r';keyid="[^"]*"', "", v),
}


@pytest.mark.parametrize("fault", PARAMETER_FAULTS)
def test_verify_request__refuses_parameters_rfc9421_does_not_allow(key: SigningKey, fault: str) -> None:
    req = signed(key)
    req = with_header(req, "Signature-Input", PARAMETER_FAULTS[fault](req.headers["Signature-Input"]))

    with refused(INVALID):
        verify(key, _resign_with_input(key, req))  # signed, so that only the parameters are at fault


def test_verify_request__refuses_replayed_nonce(key: SigningKey) -> None:
    nonces = NonceCache()
    req = signed(key)
    verify(key, req, nonces=nonces)

    with refused(ProblemType.REPLAY):
        verify(key, req, nonces=nonces, now=NOW + 10)


def test_verify_request__forged_request_does_not_use_up_the_nonce(key: SigningKey) -> None:
    nonces = NonceCache()
    genuine = signed(key)
    with refused(INVALID):
        verify(key, replace(genuine, method="DELETE"), nonces=nonces)
    with refused(INVALID):
        verify(key, replace(genuine, body=b"{}"), nonces=nonces)

    verify(key, genuine, nonces=nonces)


def test_verify_request__refuses_created_before_the_floor(key: SigningKey) -> None:
    # A node started at NOW refuses what was signed before, as it cannot know if it saw it.
    nonces = NonceCache(floor=NOW)

    with refused(EXPIRED, "before"):
        verify(key, signed(key, created=NOW - 1), nonces=nonces)
    verify(key, signed(key, created=NOW), nonces=nonces)


def test_verify_request__evicted_nonce_cannot_be_replayed(key: SigningKey) -> None:
    nonces = NonceCache(max_entries=1)
    first = signed(key, nonce="first")
    verify(key, first, nonces=nonces)
    verify(key, signed(key, created=NOW + 1, nonce="second"), nonces=nonces, now=NOW + 1)

    assert len(nonces) == 1
    with refused(EXPIRED):
        verify(key, first, nonces=nonces, now=NOW + 2)


# --- Verifying: broken or missing signatures ---


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda good: good[:40] + ":", id="truncated text"),
        pytest.param(lambda good: good[: good.index("=") + 1], id="cut off"),
        pytest.param(lambda good: "sig1=:" + base64.b64encode(b"\x01" * 32).decode() + ":", id="32 bytes"),
        pytest.param(lambda good: "sig1=:not*base64:", id="not base64"),
        pytest.param(lambda good: "sig1=:" + "A" * 86 + "==:", id="zeroes"),
        pytest.param(lambda good: "sig1=" + good[6:-1].encode().hex(), id="not a byte sequence"),
        pytest.param(lambda good: good.replace("sig1=", "sig2="), id="other label"),
    ],
)
def test_verify_request__refuses_broken_signature(key: SigningKey, signature: Callable[[str], str]) -> None:
    req = signed(key)

    with refused(INVALID):
        verify(key, with_header(req, "Signature", signature(req.headers["Signature"])))


def test_verify_request__accepts_another_spelling_of_signature_input(key: SigningKey) -> None:
    # RFC 8941 allows spaces inside an inner list; the signature covers the canonical spelling.
    req = signed(key)
    respelled = edit_input(req, '("@method" "@target-uri"', '( "@method"  "@target-uri"')

    assert verify(key, respelled) == verify(key, req)


@pytest.mark.parametrize(
    ("header", "member"),
    [
        ("Signature", "zz=:" + base64.b64encode(bytes(64)).decode() + ":"),
        ("Signature-Input", 'zz=("@method");created=1;keyid="k";tag="t"'),
    ],
)
def test_verify_request__refuses_a_label_in_one_header_only(key: SigningKey, header: str, member: str) -> None:
    req = signed(key)

    with refused(INVALID):
        verify(key, with_header(req, header, f"{req.headers[header]}, {member}"))


def test_verify_request__refuses_non_canonical_base64(key: SigningKey) -> None:
    req = signed(key)
    good = req.headers["Signature"]
    # The last character before "==" carries 2 bits of the signature and 4 pad bits.
    last = good[-4]
    twin = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".index(last) ^ 1
    ]
    respelled = good[:-4] + twin + "==:"
    assert base64.b64decode(respelled[6:-1]) == signature_bytes(req)

    with refused(INVALID, "canonical"):
        verify(key, with_header(req, "Signature", respelled))


@pytest.mark.parametrize("missing", [("Signature",), ("Signature-Input",), ("Signature", "Signature-Input")])
def test_verify_request__refuses_missing_headers(key: SigningKey, missing: tuple[str, ...]) -> None:
    req = signed(key)

    with refused(INVALID):
        verify(key, replace(req, headers=without(req.headers, *missing)))


def test_verify_request__refuses_missing_content_digest(key: SigningKey) -> None:
    req = signed(key)

    with refused(INVALID, "content-digest"):
        verify(key, replace(req, headers=without(req.headers, "Content-Digest")))


@pytest.mark.parametrize("tag", ["other-app", None])
def test_verify_request__refuses_wrong_tag(key: SigningKey, tag: str | None) -> None:
    with refused(INVALID, "tag"):
        verify(key, signed(key, tag=tag))


def test_verify_request__without_required_tag_accepts_untagged(key: SigningKey) -> None:
    assert verify(key, signed(key, tag=None), required_tag=None).tag is None


def test_verify_request__refuses_missing_nonce(key: SigningKey) -> None:
    with refused(INVALID, "nonce"):
        verify(key, signed(key, nonce=None))


@pytest.mark.parametrize(
    ("method", "body", "components", "missing"),
    [
        ("POST", BODY, ("@method", "@target-uri"), "content-digest, content-type"),
        ("POST", BODY, ("@method", "@target-uri", "content-digest"), "content-type"),
        ("GET", b"", ("@method",), "@target-uri"),
        ("GET", b"", ("@target-uri",), "@method"),
    ],
)
def test_verify_request__refuses_too_few_components(
    key: SigningKey, method: str, body: bytes, components: tuple[str, ...], missing: str
) -> None:
    req = signed(key, method=method, body=body, components=components)

    with refused(INVALID, f"does not cover {missing}$"):
        verify(key, req)


# --- signature_keyid ---


def test_signature_keyid__names_the_signing_key(key: SigningKey) -> None:
    assert signature_keyid(signed(key).headers) == key.kid


def test_signature_keyid__reads_header_names_in_any_case(key: SigningKey) -> None:
    headers = {k.lower(): v for k, v in signed(key).headers.items()}

    assert signature_keyid(headers) == key.kid


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (None, "no Signature-Input"),
        ("sig1=(", "malformed"),
        ('sig1=("@method");created=1;keyid="k";tag="other-app"', "found 0"),
        ('sig1=("@method");created=1;nonce="n";tag="gemellaggio-v1"', "no keyid"),
        ('sig1=("@method");keyid=1;tag="gemellaggio-v1"', "no keyid"),
        (
            'a=("@method");keyid="k1";tag="gemellaggio-v1", b=("@method");keyid="k2";tag="gemellaggio-v1"',
            "found 2",
        ),
    ],
)
def test_signature_keyid__refuses_missing_malformed_or_ambiguous_input(value: str | None, match: str) -> None:
    headers = {} if value is None else {"Signature-Input": value}

    with refused(INVALID, match):
        signature_keyid(headers)


def test_signature_keyid__without_required_tag_refuses_two_signatures() -> None:
    headers = {"Signature-Input": 'a=("@method");keyid="k1", b=("@method");keyid="k2"'}

    with refused(INVALID, "found 2"):
        signature_keyid(headers, required_tag=None)


def test_signature_keyid__without_required_tag_reads_the_only_signature(
    b26: dict[str, Any],
) -> None:
    headers = {"Signature-Input": b26["expected_signature_input"]}

    assert signature_keyid(headers, required_tag=None) == "test-key-ed25519"


# --- Properties ---


@given(body=st.binary(min_size=1, max_size=200), data=st.data())
def test_verify_request__refuses_any_single_byte_change_to_body(
    key: SigningKey, body: bytes, data: st.DataObject
) -> None:
    req = signed(key, body=body)
    index = data.draw(st.integers(0, len(body) - 1), label="index")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != body[index]), label="byte")
    changed = body[:index] + bytes([byte]) + body[index + 1 :]

    with refused(INVALID, "does not match"):
        verify(key, replace(req, body=changed))


@given(data=st.data())
def test_verify_request__refuses_any_single_byte_change_to_signature(key: SigningKey, data: st.DataObject) -> None:
    req = signed(key)
    good = req.headers["Signature"]
    index = data.draw(st.integers(0, len(good) - 1), label="index")
    char = data.draw(st.integers(0, 255).map(chr).filter(lambda c: c != good[index]), label="char")

    with refused(INVALID):
        verify(key, with_header(req, "Signature", good[:index] + char + good[index + 1 :]))
