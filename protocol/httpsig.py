"""Request signatures between nodes: RFC 9421 HTTP Message Signatures with Ed25519, and
RFC 9530 Content-Digest, on plain values so the client that signs and the middleware that
verifies share one implementation and one policy.

A signed request carries ``Content-Digest: sha-256=:...:`` (when it has a body),
``Signature-Input: sig1=("@method" "@target-uri" "content-digest" "content-type");
created=...;keyid="...";nonce="...";tag="gemellaggio-v1"`` and ``Signature: sig1=:...:``.
The node accepts a request only if the signature verifies, it is tagged for this protocol,
covers the method, the target URI and (with a body) the digest and content type, was
created within ``max_skew`` seconds of now, its digest matches the body, and its
``(keyid, nonce)`` was not seen before (see ``protocol.replay``).

Two implementations of RFC 9421 sit behind this one behaviour. Tried first is
``protocol.httpsig_profile``, written by hand for the kind of request nodes send each other
(plain components, structured fields in canonical form): it costs a few microseconds beside
the Ed25519 operation. pyauth's ``http-message-signatures`` (``protocol.httpsig_library``)
cost ten times the operation, paid twice by every delivery, feed read and reservation hop;
it now takes what the hand-written path does not read exactly (a component with parameters,
another valid spelling of a field, anything malformed) and signs or verifies it as it always
did, with its own reasons for a refusal. What the hand-written path does read, it decides:
the signature verifies, or the request is refused as invalid, which is all the library,
building the same base, could do. Tests hold the two to the same bases, headers and
verdicts, with the library as the reference.

Written here is what both leave to the application: the node's policy, freshness against a
clock the caller controls (after the signature verified, so that a forged request is
reported invalid rather than expired), replay protection and mapping each failure to a
problem type.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final, NamedTuple, cast

import http_sf

from protocol.digest import content_digest, digest_mismatch
from protocol.httpsig_profile import field_lines, sign_by_hand, verify_by_hand
from protocol.keys import SigningKey, VerifyKey, b64url_encode
from protocol.problems import Problem, ProblemType
from protocol.replay import NonceCache
from protocol.structured import parse_signature_input

__all__ = [
    "BODYLESS_COMPONENTS",
    "BODY_COMPONENTS",
    "FRESH_NONCE",
    "MAX_SKEW",
    "SIGNATURE_TAG",
    "NonceCache",
    "SignatureParams",
    "content_digest",
    "new_nonce",
    "sign_request",
    "signature_keyid",
    "verify_request",
]

SIGNATURE_TAG: Final = "gemellaggio-v1"
MAX_SKEW: Final = 300
BODY_COMPONENTS: Final = ("@method", "@target-uri", "content-digest", "content-type")
BODYLESS_COMPONENTS: Final = ("@method", "@target-uri")
_INVALID = ProblemType.SIGNATURE_INVALID
_EXPIRED = ProblemType.SIGNATURE_EXPIRED


class _Fresh(Enum):
    NONCE = "fresh"


FRESH_NONCE: Final = _Fresh.NONCE
"""The default of ``sign_request(nonce=...)``: a new random nonce (``None`` means no nonce)."""


@dataclass(frozen=True)
class SignatureParams:
    """What a verified signature said.

    ``components`` are written as ``sign_request`` takes them: a bare name (``"@method"``)
    or, for a component with parameters, its serialised form (``'"@query-param";name="a"'``).
    """

    keyid: str
    created: int
    nonce: str | None
    tag: str | None
    components: tuple[str, ...]


class _Verified(NamedTuple):
    params: SignatureParams
    expires: int | str | None


def new_nonce() -> str:
    """A fresh 128-bit random nonce, base64url."""
    return b64url_encode(secrets.token_bytes(16))


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key: SigningKey,
    keyid: str,
    *,
    created: int | None = None,
    nonce: str | _Fresh | None = FRESH_NONCE,
    tag: str | None = SIGNATURE_TAG,
    components: Sequence[str] | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """Sign a request; return the headers to add to it.

    These are ``Signature-Input`` and ``Signature``, and ``Content-Digest`` when the body is
    not empty or the components name it, unless ``headers`` already has one (which must
    match the body). ``components`` default to ``BODY_COMPONENTS``, or ``BODYLESS_COMPONENTS``
    for an empty body. ``url`` is the absolute URL as the receiver will see it: its public
    URL, not an address behind its proxy. Raises ValueError if the request cannot be signed
    (a covered header is missing, the URL is not absolute, the digest does not match).
    """
    if components is None:
        components = BODY_COMPONENTS if body else BODYLESS_COMPONENTS
    added = _digest_to_add(headers, body, components)
    all_headers = {**headers, **added}
    # A given time goes through a datetime, as the library takes it: both paths refuse a year
    # past 9999 alike. The clock's own time needs no such check.
    when = int(time.time()) if created is None else int(datetime.fromtimestamp(created, tz=UTC).timestamp())
    params: dict[str, int | str] = {"created": when, "keyid": keyid}
    if nonce is not None:
        params["nonce"] = new_nonce() if isinstance(nonce, _Fresh) else nonce
    if tag is not None:
        params["tag"] = tag
    covered = tuple(components)
    signed = sign_by_hand(method, url, all_headers, key, covered, params, label)
    if signed is None:
        from protocol.httpsig_library import sign_with_library  # rare: loaded when first needed

        signed = sign_with_library(method, url, all_headers, key, covered, params, label)
    return {**added, **signed}


def signature_keyid(headers: Mapping[str, str], *, required_tag: str | None = SIGNATURE_TAG) -> str:
    """The ``keyid`` of the signature ``verify_request`` would check, before any key is known.

    The caller resolves it to a key (or answers ``unknown-key``) and then verifies; the key
    id is only trusted once ``verify_request`` has returned. Raises ``signature-invalid`` if
    the ``Signature-Input`` header is missing or malformed, has no signature tagged
    ``required_tag`` (or, with ``None``, more than one signature), or names no key.
    """
    value = _field(headers, "signature-input")
    if value is None:
        raise Problem(_INVALID, "the request has no Signature-Input header")
    members = parse_signature_input(value)
    if members is not None:
        params: list[Mapping[str, object]] = [member.params for member in members.values()]
    else:
        params = [_params(member) for member in _parse_dictionary(value, "Signature-Input").values()]
    chosen = [p for p in params if required_tag is None or p.get("tag") == required_tag]
    if len(chosen) != 1:
        raise Problem(_INVALID, f"expected one signature tagged {required_tag!r}, found {len(chosen)}")
    keyid = chosen[0].get("keyid")
    if not isinstance(keyid, str) or not keyid:
        raise Problem(_INVALID, "the signature names no keyid")
    return keyid


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key: VerifyKey,
    *,
    nonces: NonceCache | None,
    now: int | None = None,
    max_skew: int = MAX_SKEW,
    required_tag: str | None = SIGNATURE_TAG,
) -> SignatureParams:
    """Verify a signed request with the key its ``keyid`` names; return what it said.

    ``url`` is the absolute URL the request was meant for: behind a reverse proxy, the
    node's configured public URL plus the request's raw path and query. Header names may be
    in any case. With ``required_tag`` set the node's policy applies (tag, nonce, and the
    components of ``BODY_COMPONENTS``/``BODYLESS_COMPONENTS``); ``None`` checks only the
    signature, freshness and digest, as for a foreign test vector. The nonce is recorded
    in ``nonces`` only once everything else has passed, so a forged or broken request
    cannot use up a genuine one's nonce.

    Raises ``Problem``: ``signature-invalid`` (missing, malformed or wrong signature,
    policy not met, digest not matching the body), ``signature-expired`` (created more
    than ``max_skew`` seconds from ``now``, before ``nonces.floor``, or past a signed
    ``expires``), ``replay``.
    """
    lines = field_lines(headers)
    params, expires = _verified_by_hand(method, url, headers, lines, key, required_tag) or _verified_by_library(
        method, url, headers, key, required_tag
    )
    _require_policy(params, body, required_tag, nonces)
    now = int(time.time()) if now is None else now
    _require_fresh(params.created, expires, now, max_skew)
    _require_digest(lines, body)
    if nonces is not None and params.nonce is not None:
        # Also refuses, as expired, what was created before the cache's floor.
        nonces.check_and_add(params.keyid, params.nonce, params.created, now)
    return params


def _verified_by_hand(
    method: str,
    url: str,
    headers: Mapping[str, str],
    lines: Mapping[str, list[str]],
    key: VerifyKey,
    required_tag: str | None,
) -> _Verified | None:
    member = verify_by_hand(method, url, headers, key, required_tag, lines)
    if member is None:
        return None
    params = member.params
    return _Verified(
        SignatureParams(
            keyid=cast(str, params["keyid"]),
            created=cast(int, params["created"]),
            nonce=_str_or_none(params.get("nonce")),
            tag=_str_or_none(params.get("tag")),
            components=member.items,
        ),
        params.get("expires"),
    )


def _verified_by_library(
    method: str, url: str, headers: Mapping[str, str], key: VerifyKey, required_tag: str | None
) -> _Verified:
    from protocol.httpsig_library import verify_with_library  # rare: loaded when first needed

    result = verify_with_library(method, url, headers, key, required_tag)
    _require_canonical_signature(headers)
    return _Verified(_signature_params(result), result.parameters.get("expires"))


def _require_canonical_signature(headers: Mapping[str, str]) -> None:
    # Structured-field parsers accept base64 without padding or with non-zero pad bits
    # (RFC 9651 section 4.2.7), so one signature has many spellings. Accepting only the
    # canonical one means no change to the Signature header ever verifies. Whitespace
    # around commas is free, as where header lines were joined.
    value = re.sub(r"[ \t]*,[ \t]*", ", ", _field(headers, "signature") or "")
    if http_sf.ser(_parse_dictionary(value, "Signature")) != value:
        raise Problem(_INVALID, "the Signature header is not in canonical form")


def _signature_params(result: Any) -> SignatureParams:  # the library's VerifyResult
    # The library has checked the types: created is an int, keyid/nonce/tag are strings.
    params = result.parameters
    created = params.get("created")
    if not isinstance(created, int):
        raise Problem(_INVALID, "the signature has no created parameter")
    return SignatureParams(
        keyid=str(params["keyid"]),
        created=created,
        nonce=_str_or_none(params.get("nonce")),
        tag=_str_or_none(params.get("tag")),
        components=tuple(_component_name(c) for c in result.covered_components if c != '"@signature-params"'),
    )


def _require_policy(params: SignatureParams, body: bytes, required_tag: str | None, nonces: NonceCache | None) -> None:
    # The tag needs no check here: only a signature tagged required_tag was selected.
    if (required_tag is not None or nonces is not None) and params.nonce is None:
        raise Problem(_INVALID, "the signature has no nonce")
    if required_tag is None:
        return
    missing = [c for c in (BODY_COMPONENTS if body else BODYLESS_COMPONENTS) if c not in params.components]
    if missing:
        raise Problem(_INVALID, f"the signature does not cover {', '.join(missing)}")


def _require_fresh(created: int, expires: int | str | None, now: int, max_skew: int) -> None:
    if created < now - max_skew:
        raise Problem(_EXPIRED, f"created {created} is more than {max_skew} s before now ({now})")
    if created > now + max_skew:
        raise Problem(_EXPIRED, f"created {created} is more than {max_skew} s after now ({now})")
    # A signer that sets expires chose the request's lifetime itself: no skew allowance.
    if isinstance(expires, int) and expires < now:
        raise Problem(_EXPIRED, f"the signature expired at {expires}")


def _require_digest(lines: Mapping[str, list[str]], body: bytes) -> None:
    # When the policy applies and there is a body, the digest is covered, so present.
    found = lines.get("content-digest")
    value = None if found is None else ", ".join([line.strip() for line in found])  # as _field reads it
    error = None if value is None else digest_mismatch(value, body)
    if error:
        raise Problem(_INVALID, error)


def _digest_to_add(headers: Mapping[str, str], body: bytes, components: Sequence[str]) -> dict[str, str]:
    existing = _field(headers, "content-digest")
    if existing is not None:
        error = digest_mismatch(existing, body)
        if error:
            raise ValueError(f"cannot sign: {error}")
        return {}
    if body or "content-digest" in components:
        return {"Content-Digest": content_digest(body)}
    return {}


def _field(headers: Mapping[str, str], name: str) -> str | None:
    """A field's value whatever the case of its name; repeated lines joined (RFC 9110 5.3)."""
    lines = [value.strip() for key, value in headers.items() if key.lower() == name]
    return ", ".join(lines) if lines else None


def _parse_dictionary(value: str, name: str) -> http_sf.DictionaryType:
    try:
        parsed = http_sf.parse(value.encode(), tltype="dictionary")
    except ValueError as exc:
        raise Problem(_INVALID, f"the {name} header is malformed: {exc}") from exc
    return cast(http_sf.DictionaryType, parsed)  # tltype="dictionary" parses nothing else


def _params(member: object) -> Mapping[str, object]:
    # The parser gives every dictionary member as (value, parameters).
    return member[1] if isinstance(member, tuple) else {}


def _component_name(identifier: str) -> str:
    # '"@method"' -> '@method'; an identifier with parameters stays serialised.
    return identifier[1:-1] if identifier.index('"', 1) == len(identifier) - 1 else identifier


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
