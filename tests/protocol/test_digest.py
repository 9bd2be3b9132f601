"""RFC 9530 Content-Digest (protocol/digest.py)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from http_message_signatures import ContentDigest, InvalidSignature
from hypothesis import given
from hypothesis import strategies as st

from protocol.digest import content_digest, digest_mismatch

from .strategies import BOUNDED

HELLO = b'{"hello": "world"}'
HELLO_SHA512 = "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew=="


def test_content_digest__matches_rfc9530_example() -> None:
    # RFC 9530 section 2, the body {"hello": "world"}.
    assert content_digest(b'{"hello": "world"}') == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"


def test_content_digest__of_empty_body() -> None:
    expected = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    assert content_digest(b"") == f"sha-256=:{expected}:"


@pytest.mark.parametrize(
    "value",
    [
        content_digest(HELLO),
        f"sha-512=:{HELLO_SHA512}:",
        f"{content_digest(HELLO)}, sha-512=:{HELLO_SHA512}:",
    ],
    ids=["sha-256", "sha-512", "both"],
)
def test_digest_mismatch__none_when_every_digest_matches(value: str) -> None:
    assert digest_mismatch(value, HELLO) is None


@pytest.mark.parametrize(
    "value",
    [
        content_digest(b"other"),
        f"{content_digest(HELLO)}, sha-512=:{base64.b64encode(hashlib.sha512(b'x').digest()).decode()}:",
        "md5=:XrY7u+Ae7tCTyyK7j1rNww==:",
        "sha-256=:c2hvcnQ=:",
        "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
        "",
    ],
    ids=["other body", "one of two wrong", "unknown algorithm", "short", "not a byte sequence", "empty"],
)
def test_digest_mismatch__says_why(value: str) -> None:
    assert digest_mismatch(value, HELLO)


# --- Held to the library's ContentDigest ---


def library_mismatch(value: str, body: bytes) -> str | None:
    try:
        ContentDigest.verify(value, body)
    except InvalidSignature as exc:
        return str(exc)
    return None


@st.composite
def digest_members(draw: st.DrawFn, body: bytes) -> str:
    """A member for ``body``, its own digest or another's, in one of the spellings RFC 8941 reads."""
    algorithm = draw(st.sampled_from(["sha-256", "sha-512", "md5"]))
    hashed = draw(st.sampled_from([body, body + b"x"]))
    encoded = base64.b64encode(hashlib.new(algorithm.replace("-", ""), hashed).digest()).decode()
    spelt = draw(st.sampled_from([encoded, encoded.rstrip("="), encoded[:-4]]))
    return f"{algorithm}=:{spelt}:" + draw(st.sampled_from(["", ";p=1"]))


@BOUNDED
@given(body=st.binary(max_size=300))
def test_content_digest__writes_what_the_library_writes(body: bytes) -> None:
    assert content_digest(body) == ContentDigest.create(body)


@BOUNDED
@given(data=st.data(), body=st.binary(max_size=100), separator=st.sampled_from([", ", ",", " ,\t"]))
def test_digest_mismatch__answers_as_the_library(data: st.DataObject, body: bytes, separator: str) -> None:
    value = separator.join(data.draw(st.lists(digest_members(body), min_size=1, max_size=3), label="members"))

    assert digest_mismatch(value, body) == library_mismatch(value, body)
