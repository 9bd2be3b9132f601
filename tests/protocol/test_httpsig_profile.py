"""The hand-written RFC 9421 path (protocol/httpsig_profile.py), held to the library.

pyauth's ``http-message-signatures`` is the reference: for generated requests (methods, URLs
with paths, queries, percent escapes and ports, header values with spaces, tabs and several
lines, labels, parameters, nonces with any allowed character) the hand-written path must
build the library's signature base and headers byte for byte, read what the library signed,
and, through ``verify_request``, reach the library's verdict on any change to a request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import string
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from http_message_signatures import HTTPMessageSigner
from http_message_signatures.algorithms import ED25519
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from protocol.httpsig import NonceCache, SignatureParams, sign_request, verify_request
from protocol.httpsig_library import sign_with_library, verify_with_library
from protocol.httpsig_profile import field_lines, sign_by_hand, signature_base, verify_by_hand
from protocol.keys import SigningKey
from protocol.problems import Problem, ProblemType
from tests.support.counts import record

from .strategies import BOUNDED

KEY = SigningKey.generate()
PRINTABLE = string.printable[:95]  # space to tilde
DERIVED = ("@method", "@target-uri", "@authority", "@scheme", "@path", "@query")
NAMED_FIELDS = ("content-type", "date", "accept", "x-trace-id", "content-length")

# --- Generated requests ---

escapes = st.from_regex(r"%[0-9A-Fa-f]{2}", fullmatch=True)


def url_text(more: str, min_size: int = 0) -> st.SearchStrategy[str]:
    chars = st.sampled_from(string.ascii_letters + string.digits + "-._~!$&'()*+,;=" + more)
    return st.lists(st.one_of(chars, escapes), min_size=min_size, max_size=10).map("".join)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https", "http", "HTTPS", "Http", "coap+tcp"]))
    host = draw(st.one_of(st.sampled_from(["london.example", "LONDON.Example", "127.0.0.1"]), url_text("", 1)))
    port = draw(st.sampled_from([None, "", "443", "0443", "80", "080", "8443", "0", "00"]))
    path = draw(
        st.one_of(st.just(""), st.lists(url_text(":@"), min_size=1, max_size=4).map("/".join).map("/{}".format))
    )
    query = draw(st.one_of(st.none(), url_text(":@/?")))
    return f"{scheme}://{host}{'' if port is None else ':' + port}{path}{'' if query is None else '?' + query}"


methods = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"]),
    st.from_regex(r"[A-Z][A-Z0-9!#$%&'*+.^_`|~-]{0,6}", fullmatch=True),
)
field_names = st.one_of(st.sampled_from(NAMED_FIELDS), st.from_regex(r"x-[a-z0-9!#$%&'*+.^_`|~-]{1,8}", fullmatch=True))
field_lines_text = st.text(st.sampled_from(PRINTABLE + "\t"), max_size=24)
sf_strings = st.text(st.sampled_from(PRINTABLE), max_size=24)
labels = st.from_regex(r"[a-z*][a-z0-9_.*-]{0,8}", fullmatch=True)
name_cases: st.SearchStrategy[Callable[[str], str]] = st.sampled_from([str.lower, str.title, str.upper])


@dataclass(frozen=True)
class Request:
    """A request and what to sign of it."""

    method: str
    url: str
    lines: tuple[tuple[str, str], ...]  # field lines as sent: names in any case, repeated names
    body: bytes
    components: tuple[str, ...]
    params: dict[str, int | str]
    label: str

    def headers(self) -> CIMultiDictProxy[str]:
        """As aiohttp gives them: every line, in order."""
        return CIMultiDictProxy(CIMultiDict(self.lines))

    def header_dict(self) -> dict[str, str]:
        """As sign_request takes them: one value per name as written."""
        return dict(self.lines)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    names = draw(st.lists(field_names, unique=True, max_size=4))
    lines = [(draw(name_cases)(name), draw(field_lines_text)) for name in names]
    if names:  # more lines of some fields, perhaps named in another case
        lines += [(draw(name_cases)(name), draw(field_lines_text)) for name in draw(st.lists(st.sampled_from(names)))]
    body = draw(st.binary(max_size=40))
    if draw(st.booleans()):
        lines.append(("Content-Digest", "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"))
        names.append("content-digest")
    components = tuple(draw(st.permutations(DERIVED + tuple(names)))[: draw(st.integers(0, len(DERIVED) + len(names)))])
    params: dict[str, int | str] = {"created": draw(st.integers(0, 253_402_300_799)), "keyid": draw(sf_strings)}
    for name in ("nonce", "tag"):
        value = draw(st.one_of(st.none(), sf_strings))
        if value is not None:
            params[name] = value
    return Request(draw(methods), draw(urls()), tuple(lines), body, components, params, draw(labels))


def library_signed(req: Request, *, alg: bool = False, expires: int | None = None) -> Request:
    """The request signed by the library, every field line kept; with ``alg`` and ``expires`` if asked."""
    message = _Message(req.method, req.url, CIMultiDict(req.lines))
    signer = HTTPMessageSigner(signature_algorithm=ED25519)
    prepared = _library_prepare(req, message, alg=alg, expires=expires)
    signer.apply(message, prepared, KEY.sign(prepared.signature_base))
    return replace(req, lines=tuple(message.headers.items()))


@dataclass(frozen=True)
class _Message:
    method: str
    url: str
    headers: Any


def _library_prepare(req: Request, message: _Message, *, alg: bool = False, expires: int | None = None) -> Any:
    return HTTPMessageSigner(signature_algorithm=ED25519).prepare(
        message,
        key_id=req.params["keyid"],
        created=datetime.fromtimestamp(req.params["created"], tz=UTC),
        expires=None if expires is None else datetime.fromtimestamp(expires, tz=UTC),
        nonce=req.params.get("nonce"),
        tag=req.params.get("tag"),
        label=req.label,
        include_alg=alg,
        covered_component_ids=req.components,
        use_existing_digest="content-digest" in message.headers,
    )


@pytest.fixture(scope="module")
def b26(vectors_dir: Path) -> dict[str, Any]:
    return json.loads((vectors_dir / "rfc9421" / "b26-ed25519.json").read_text())


# --- Signing ---


@BOUNDED
@given(req=requests())
def test_signature_base__is_the_library_base(req: Request) -> None:
    prepared = _library_prepare(req, _Message(req.method, req.url, req.headers()))

    base = signature_base(req.method, req.url, field_lines(req.headers()), req.components, prepared.signature_params)

    assert base == prepared.signature_base


@BOUNDED
@given(req=requests())
def test_sign_by_hand__writes_the_library_headers(req: Request) -> None:
    args = (req.method, req.url, req.header_dict(), KEY, req.components, req.params, req.label)

    signed = sign_by_hand(*args)

    assert signed is not None
    assert signed == sign_with_library(*args)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("OPTIONS", "https://london.example"),
        ("OPTIONS", "https://london.example:443?a=1"),
        ("GET", "https://london.example"),
        ("GET", "HTTPS://London.EXAMPLE:0443/a/../b?"),
        ("GET", "http://london.example:080/%7Euser?q=%2F"),
        ("GET", "http://london.example:0/"),
        ("GET", "https://london.example:/x"),
        ("GET", "coap+tcp://london.example:443/x"),
    ],
)
def test_signature_base__is_the_library_base_at_the_edges_of_urls(method: str, url: str) -> None:
    req = Request(method, url, (), b"", DERIVED, {"created": 1, "keyid": "k"}, "sig1")
    prepared = _library_prepare(req, _Message(method, url, {}))

    assert signature_base(method, url, {}, DERIVED, prepared.signature_params) == prepared.signature_base


def test_signature_base__reproduces_rfc9421_b26(b26: dict[str, Any]) -> None:
    request = b26["request"]
    signature_params = b26["expected_signature_input"].removeprefix("sig-b26=")
    lines = field_lines(request["headers"])

    base = signature_base(request["method"], request["url"], lines, b26["covered_components"], signature_params)

    assert base == b26["expected_signature_base"].encode()


PLAIN = Request(
    "POST",
    "https://london.example/inbox?a=1",
    (("Content-Type", "application/json"),),
    b"",
    ("@method", "content-type"),
    {"created": 1, "keyid": "k"},
    "sig1",
)
OUTSIDE_THE_PROFILE: dict[str, dict[str, Any]] = {
    "IP literal": {"url": "https://[2001:db8::1]/inbox"},
    "user info": {"url": "https://user@london.example/inbox"},
    "fragment": {"url": "https://london.example/inbox#part"},
    "relative URL": {"url": "/inbox"},
    "lowercase method": {"method": "post"},
    "component with parameters": {"components": ('"@query-param";name="a"',)},
    "another derived component": {"components": ("@request-target",)},
    "uppercase field name": {"components": ("Content-Type",)},
    "missing field": {"components": ("x-missing",)},
    "repeated component": {"components": ("@method", "@method")},
    "several Set-Cookie lines": {
        "lines": (("Set-Cookie", "a=1"), ("set-cookie", "b=2")),
        "components": ("set-cookie",),
    },
    "non-ASCII field": {"lines": (("Content-Type", "caf\u00e9"),)},
    "folded field": {"lines": (("Content-Type", "a\r\n b"),)},
    "uppercase label": {"label": "Sig1"},
    "non-ASCII keyid": {"params": {"created": 1, "keyid": "k\u00e9y"}},
    "control character in nonce": {"params": {"created": 1, "keyid": "k", "nonce": "a\nb"}},
}


@pytest.mark.parametrize("case", OUTSIDE_THE_PROFILE)
def test_sign_by_hand__leaves_the_rest_to_the_library(case: str) -> None:
    req = replace(PLAIN, **OUTSIDE_THE_PROFILE[case])

    assert sign_by_hand(req.method, req.url, req.header_dict(), KEY, req.components, req.params, req.label) is None


def test_sign_request__several_set_cookie_lines_go_through_the_library() -> None:
    # They are signed with the "bs" parameter (RFC 9421 2.1.3), which only the library writes.
    headers = {"Set-Cookie": "a=1", "set-cookie": "b=2"}

    added = sign_request("GET", "https://london.example/", headers, b"", KEY, "k", components=("set-cookie",))

    assert added["Signature-Input"].startswith('sig1=("set-cookie";bs);')


def test_sign_request__components_with_parameters_go_through_the_library() -> None:
    url = "https://london.example/feed?after=12&limit=50"
    components = ("@method", '"@query-param";name="after"')

    added = sign_request("GET", url, {}, b"", KEY, KEY.kid, created=1, nonce="n", components=components)

    assert added["Signature-Input"].startswith('sig1=("@method" "@query-param";name="after");created=1;')
    params = verify_request("GET", url, added, b"", KEY.verify_key, nonces=None, now=1, required_tag=None)
    assert params.components == components


# --- Verifying ---


expiries = st.one_of(st.none(), st.integers(1, 253_402_300_799))


@BOUNDED
@given(req=requests(), alg=st.booleans(), expires=expiries)
def test_verify_by_hand__reads_what_the_library_signed(req: Request, alg: bool, expires: int | None) -> None:
    headers = library_signed(req, alg=alg, expires=expires).headers()
    tag = req.params.get("tag")
    required_tag = tag if isinstance(tag, str) else None

    member = verify_by_hand(req.method, req.url, headers, KEY.verify_key, required_tag)

    result = verify_with_library(req.method, req.url, headers, KEY.verify_key, required_tag)
    assert member is not None
    assert member.params == result.parameters
    assert member.items == tuple(c[1:-1] for c in result.covered_components if c != '"@signature-params"')


# --- The node's requests ---


@contextmanager
def library_refused() -> Iterator[None]:
    """Fails any use of the library's path: what runs inside is signed and verified by hand."""
    taken = AssertionError("the library's path was taken")
    with (
        mock.patch("protocol.httpsig_library.sign_with_library", side_effect=taken),
        mock.patch("protocol.httpsig_library.verify_with_library", side_effect=taken),
    ):
        yield


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "https://london.example/federation/v1/inbox", b'{"items": []}'),
        ("GET", "https://london.example/federation/v1/feed?after=12&limit=50", b""),
    ],
)
def test_node_requests__are_signed_and_verified_by_hand(method: str, url: str, body: bytes) -> None:
    headers = {"Content-Type": "application/json"} if body else {}
    sent = {"Host": "london.example", "User-Agent": "Python/3.11 aiohttp/3.14", "Accept-Encoding": "gzip, deflate"}

    with library_refused():
        added = sign_request(method, url, headers, body, KEY, KEY.kid)
        received = CIMultiDictProxy(CIMultiDict({**sent, **headers, **added}))
        params = verify_request(method, url, received, body, KEY.verify_key, nonces=NonceCache())

    assert params.keyid == KEY.kid


def test_rfc9421_b26__is_signed_and_verified_by_hand(b26: dict[str, Any], vectors_dir: Path) -> None:
    request, params = b26["request"], b26["parameters"]
    key = SigningKey.from_pem((vectors_dir / "rfc9421" / "test-key-ed25519.key").read_bytes())
    method, url, body = request["method"], request["url"], request["body"].encode()

    with library_refused():
        added = sign_request(
            method,
            url,
            request["headers"],
            body,
            key,
            params["keyid"],
            created=params["created"],
            nonce=None,
            tag=None,
            components=b26["covered_components"],
            label="sig-b26",
        )
        headers = {**request["headers"], **added}
        verify_request(
            method, url, headers, body, key.verify_key, nonces=None, now=params["created"], required_tag=None
        )

    assert added == {"Signature-Input": b26["expected_signature_input"], "Signature": b26["expected_signature"]}


# --- Verdicts on changed requests ---


OTHER_INPUT = 'zz=("@method");created=1;keyid="k";tag="t"'
OTHER_SIGNATURE = "zz=:" + base64.b64encode(bytes(64)).decode() + ":"

# Rewrites of one signature header, by what they change.
REWRITES: dict[str, tuple[str, Callable[[str], str]]] = {
    "created": ("Signature-Input", lambda v: re.sub(r"created=(\d+)", r"created=\g<1>1", v)),
    "keyid": ("Signature-Input", lambda v: v.replace('keyid="', 'keyid="x')),
    "spaces in the inner list": ("Signature-Input", lambda v: v.replace("(", "( ", 1)),
    "tag spelt as a token": ("Signature-Input", lambda v: re.sub(r';tag="(\w+)"', r";tag=\1", v)),
    "input without signature": ("Signature-Input", lambda v: f"{v}, {OTHER_INPUT}"),
    "signature without input": ("Signature", lambda v: f"{v}, {OTHER_SIGNATURE}"),
    # The same bytes, spelt without padding.
    "base64 padding": ("Signature", lambda v: re.sub(r"=*:(,|$)", r":\1", v, count=1)),
}


def _map_header(req: Request, name: str, change: Callable[[str], str]) -> Request:
    return replace(req, lines=tuple((n, change(v) if n == name else v) for n, v in req.lines))


def _edit_header(draw: st.DrawFn, req: Request, name: str) -> Request:
    """One character of the header replaced by one of the field's syntax."""

    def edit(value: str) -> str:
        at = draw(st.integers(0, len(value) - 1))
        return value[:at] + draw(st.sampled_from(' \t,;=()":\\?*-019aAzZ+/')) + value[at + 1 :]

    return _map_header(req, name, edit)


def _spaces_around_fields(draw: st.DrawFn, req: Request) -> Request:
    lines = tuple((n, v if n.lower().startswith("signature") else f" \t{v} ") for n, v in req.lines)
    return replace(req, lines=lines)


def _another_signature(draw: st.DrawFn, req: Request) -> Request:
    req = _map_header(req, "Signature-Input", lambda v: f"{v}, {OTHER_INPUT}")
    return _map_header(req, "Signature", lambda v: f"{v}, {OTHER_SIGNATURE}")


def _rewriting(header: str, rewrite: Callable[[str], str]) -> Callable[[st.DrawFn, Request], Request]:
    return lambda draw, req: _map_header(req, header, rewrite)


CHANGES: dict[str, Callable[[st.DrawFn, Request], Request]] = {
    "none": lambda draw, req: req,
    "method": lambda draw, req: replace(req, method=draw(methods)),
    "url": lambda draw, req: replace(req, url=draw(urls())),
    "host case": lambda draw, req: replace(req, url=req.url.upper()),
    "field line": lambda draw, req: replace(req, lines=(*req.lines, (draw(field_names), draw(field_lines_text)))),
    "spaces around a field": _spaces_around_fields,
    "signature-input text": lambda draw, req: _edit_header(draw, req, "Signature-Input"),
    "signature text": lambda draw, req: _edit_header(draw, req, "Signature"),
    "another signature": _another_signature,
    **{name: _rewriting(header, rewrite) for name, (header, rewrite) in REWRITES.items()},
}


@st.composite
def changed_requests(draw: st.DrawFn) -> tuple[str, Request]:
    change = draw(st.sampled_from(sorted(CHANGES)))
    signed = library_signed(draw(requests()), alg=draw(st.booleans()), expires=draw(expiries))
    return change, CHANGES[change](draw, signed)


def _verdict(req: Request, *, by_hand: bool) -> SignatureParams | ProblemType:
    """verify_request's answer, through the hand-written path or the library alone."""
    library_alone = mock.patch("protocol.httpsig.verify_by_hand", return_value=None)
    try:
        with nullcontext() if by_hand else library_alone:
            return verify_request(
                req.method,
                req.url,
                req.headers(),
                req.body,
                KEY.verify_key,
                nonces=None,
                now=int(req.params["created"]),
                required_tag=None,  # the signature's verdict, without the node's policy
            )
    except Problem as problem:
        return problem.kind


PATHS: Counter[str] = Counter()


@settings(BOUNDED, max_examples=500)  # a dozen kinds of change, each tried often enough
@given(case=changed_requests())
def test_verify_request__reaches_the_library_verdict_on_any_change(case: tuple[str, Request]) -> None:
    change, req = case
    try:
        decided = verify_by_hand(req.method, req.url, req.headers(), KEY.verify_key, None) is not None
    except Problem:
        decided = True
    PATHS[f"{change}: {'by hand' if decided else 'library'}"] += 1

    assert _verdict(req, by_hand=True) == _verdict(req, by_hand=False)


@pytest.fixture(scope="module", autouse=True)
def _report_paths() -> Iterator[None]:
    yield
    if PATHS:
        record("httpsig verdicts (change: path)", **dict(sorted(PATHS.items())))
