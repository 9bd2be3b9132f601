"""The general path of request signatures: pyauth's ``http-message-signatures`` (3.x).

``protocol.httpsig`` signs and verifies the node's own kind of request by hand. Whatever its
hand-written path does not read exactly comes here: a component with parameters
(``@query-param``, ``;sf``, ``;bs``), another valid spelling of ``Signature-Input``, a URL
with an IP literal, a request that is malformed in any way. The library owns what is generic
and easy to get subtly wrong: resolving every component RFC 9421 defines, the signature
base, the structured fields, and the reasons it gives for a refusal. The tests also hold
the hand-written path to it, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    VerifyResult,
)
from http_message_signatures.algorithms import ED25519

from protocol.keys import SigningKey, VerifyKey
from protocol.problems import Problem, ProblemType

__all__ = ["sign_with_library", "verify_with_library"]


@dataclass(frozen=True)
class _Request:
    """The view of a request the library resolves components from."""

    method: str
    url: str
    headers: Mapping[str, str]


def sign_with_library(
    method: str,
    url: str,
    headers: Mapping[str, str],
    key: SigningKey,
    components: tuple[str, ...],
    params: Mapping[str, int | str],
    label: str,
) -> dict[str, str]:
    """``Signature-Input`` and ``Signature`` for a request whose headers already hold any digest.

    ``params`` are ``created``, ``keyid`` and optionally ``nonce`` and ``tag``, in that order.
    Raises ValueError if the request cannot be signed.
    """
    request = _Request(method, url, {**headers})  # apply() writes the signature into it
    signer = HTTPMessageSigner(signature_algorithm=ED25519)
    try:
        prepared = signer.prepare(
            request,
            key_id=cast(str, params["keyid"]),
            created=datetime.fromtimestamp(cast(int, params["created"]), tz=UTC),
            nonce=cast(str | None, params.get("nonce")),
            label=label,
            tag=cast(str | None, params.get("tag")),
            include_alg=False,  # DESIGN's parameters are created, keyid, nonce and tag; B.2.6 has no alg
            covered_component_ids=components,
            use_existing_digest=any(name.lower() == "content-digest" for name in headers),
        )
        signer.apply(request, prepared, key.sign(prepared.signature_base))
    except HTTPMessageSignaturesException as exc:
        raise ValueError(f"cannot sign {method} {url}: {exc}") from exc
    return {"Signature-Input": request.headers["Signature-Input"], "Signature": request.headers["Signature"]}


def verify_with_library(
    method: str, url: str, headers: Mapping[str, str], key: VerifyKey, required_tag: str | None
) -> VerifyResult:
    """The one signature tagged ``required_tag`` (with None, the only one), verified with ``key``.

    Checks neither freshness nor digest. Raises ``signature-invalid``.
    """
    verifier = _Verifier(signature_algorithm=ED25519, key_resolver=_OneKey(key))
    try:
        results = verifier.verify(_Request(method, url, headers), max_age=None, expect_tag=required_tag)
    except HTTPMessageSignaturesException as exc:
        raise Problem(ProblemType.SIGNATURE_INVALID, str(exc)) from exc
    if len(results) != 1:
        detail = f"expected one signature tagged {required_tag!r}, found {len(results)}"
        raise Problem(ProblemType.SIGNATURE_INVALID, detail)
    return results[0]


class _Verifier(HTTPMessageVerifier):
    """The library checks ``created`` against the wall clock with a 5 s tolerance; this one
    does not, because ``verify_request`` judges freshness against its ``now``, after the
    signature verified, so that a forged request is reported invalid rather than expired."""

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        """Judged by ``verify_request`` against its ``now``, after the signature verified."""


class _OneKey(HTTPSignatureKeyResolver):
    """The caller has already resolved ``keyid`` to this key (see ``signature_keyid``)."""

    def __init__(self, key: VerifyKey) -> None:
        self._key = key

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        return self._key.public_key()
