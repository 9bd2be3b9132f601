"""Signed envelopes: `{"object": {...}, "signature": {"kid": ..., "sig": ...}}`.

The signature is Ed25519 over the RFC 8785 canonical JSON of `object` exactly as received,
so an object stays verifiable wherever it is stored or forwarded, by any implementation.
Verifying is two steps because finding the key may need I/O (a refetch of the signer's node
document): `signer_of` names the (origin, kid) to look up, `open_envelope` checks the
signature with the key found and returns the typed object.

The object is validated against its wire model before its signature is checked, and only
once: the model is strict and bounded, so validating first costs nothing a valid object would
not pay anyway, and it proves the object canonicalises on the fast path without walking it
again. An object that fails validation is refused as invalid whether or not it was signed.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import orjson
from pydantic import ValidationError

from .canonical import FloatInPayload, NotCanonicalisable, canonical_fast, canonical_json, is_plain
from .keys import SigningKey, VerifyKey, b64url_decode, b64url_encode
from .models import Envelope, FederatedObject, KeyRotation, Signature, validate_object
from .problems import Problem, ProblemType


def seal(obj: FederatedObject, key: SigningKey) -> Envelope:
    """Sign a wire object with the origin's key."""
    raw = obj.to_wire()
    return seal_raw(raw, key, validated=on_fast_path(obj, raw))


def seal_raw(raw: dict[str, Any], key: SigningKey, *, validated: bool = False) -> Envelope:
    """Sign a raw wire object; `validated` as in `canonical_json`."""
    sig = key.sign(canonical_json(raw, floats=False, validated=validated))
    return Envelope(object=raw, signature=Signature(kid=key.kid, sig=b64url_encode(sig)))


def wire_form(envelope: Envelope) -> dict[str, Any]:
    """The envelope as JSON values: `envelope.model_dump(mode="json")`, without walking its object
    again (it holds its wire form already, a member pass inside a request included)."""
    signature = envelope.signature
    return {"object": envelope.object, "signature": {"kid": signature.kid, "sig": signature.sig}}


# pydantic-core's call itself: `Envelope.model_validate` adds about 0.4 µs of Python to each item.
_validate_envelope = Envelope.__pydantic_validator__.validate_python


def read_envelope(raw: Any) -> Envelope:
    """Validate the envelope's shape (not yet its signature)."""
    try:
        envelope: Envelope = _validate_envelope(raw)
        return envelope
    except ValidationError as exc:
        raise Problem(ProblemType.VALIDATION_ERROR, _first_error(exc), errors=_errors(exc)) from exc


def signer_of(envelope: Envelope) -> tuple[str, str]:
    """The (origin, kid) whose key must verify this envelope."""
    origin = envelope.object.get("origin")
    if not isinstance(origin, str):
        raise Problem(ProblemType.VALIDATION_ERROR, "object.origin is missing", errors=[_err("object.origin")])
    return origin, envelope.signature.kid


def open_envelope(envelope: Envelope, key: VerifyKey, *, signer: str | None = None) -> FederatedObject:
    """Verify the signature with `key` (the key of node `signer`) and parse the object.

    Raises Problem(signature-invalid) if the signature fails or the object's origin is not
    the signer, Problem(validation-error) if the signed object is not a valid wire object.
    """
    # The three steps below without a SignatureCheck between them: on the path of every
    # object received, each call and tuple between pydantic-core and libsodium counts.
    obj, message, sig = _prepared(envelope, key)
    if not key.verify(sig, message):
        raise Problem(ProblemType.SIGNATURE_INVALID, "the object signature does not verify")
    return _finished(envelope, obj, signer)


def open_checked(
    envelope: Envelope, key: VerifyKey, *, signer: str | None = None
) -> tuple[FederatedObject, SignatureCheck]:
    """`open_envelope`, with the check it made (its canonical bytes name the object: `object_hash`)."""
    check = prepare_check(envelope, key)
    if not check.signature_valid():
        raise Problem(ProblemType.SIGNATURE_INVALID, "the object signature does not verify")
    return finish_open(check, signer=signer), check


class SignatureCheck(NamedTuple):
    """An envelope ready for its Ed25519 check: the three steps of `open_envelope`, apart, so a
    receiver can run the middle one (pure crypto, which releases the GIL) on other threads.
    (A named tuple: made once per object received, in a fifth of a frozen dataclass's time.)"""

    envelope: Envelope
    key: VerifyKey
    message: bytes  # the canonical form of `object`
    signature: bytes
    obj: FederatedObject  # `object` validated, not yet known to be signed

    def signature_valid(self) -> bool:
        return len(self.signature) == 64 and self.key.verify(self.signature, self.message)

    def object_hash(self) -> str:
        """`object_hash` of the object, from the canonical bytes already made for the check."""
        return b64url_encode(hashlib.sha256(self.message).digest())


def prepare_check(envelope: Envelope, key: VerifyKey) -> SignatureCheck:
    """Step 1: the key must be the one named; validate `object`; canonicalise it; decode `sig`."""
    obj, message, sig = _prepared(envelope, key)
    return _new_check(SignatureCheck, (envelope, key, message, sig, obj))


_TOO_DEEP = "the value is nested too deeply"  # canonical_json's own words for it

# The tuple made directly: a named tuple's own constructor is a Python function (half the cost).
_new_check = tuple.__new__


def _prepared(envelope: Envelope, key: VerifyKey) -> tuple[FederatedObject, bytes, bytes]:
    signature, raw = envelope.signature, envelope.object
    if key.kid != signature.kid:
        raise Problem(ProblemType.UNKNOWN_KEY, f"key {signature.kid!r} is not the key given")
    try:
        obj = validate_object(raw)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    try:
        if not obj.free_form or on_fast_path(obj, raw):
            # What canonical_json(validated=True) gives, without its call: orjson's bytes.
            try:
                message = canonical_fast(raw)
            except orjson.JSONEncodeError:  # nested deeper than orjson goes: canonical_json decides
                message = canonical_json(raw, floats=False, validated=True)
        else:
            message = canonical_json(raw, floats=False)
        sig = b64url_decode(signature.sig)
    except FloatInPayload as exc:
        raise Problem(ProblemType.VALIDATION_ERROR, "signed objects hold no floats") from exc
    except (NotCanonicalisable, ValueError) as exc:
        raise Problem(ProblemType.SIGNATURE_INVALID, f"cannot check the signature: {exc}") from exc
    except RecursionError as exc:  # a free-form field nested past the walk's depth (about 490 lists)
        raise Problem(ProblemType.SIGNATURE_INVALID, f"cannot check the signature: {_TOO_DEEP}") from exc
    return obj, message, sig


def finish_open(check: SignatureCheck, *, signer: str | None = None) -> FederatedObject:
    """Step 3, after the signature verified: check who may have signed the object."""
    return _finished(check.envelope, check.obj, signer)


def _finished(envelope: Envelope, obj: FederatedObject, signer: str | None) -> FederatedObject:
    if signer is not None and obj.origin != signer:
        raise Problem(ProblemType.SIGNATURE_INVALID, f"origin {obj.origin} is not the signer {signer}")
    if isinstance(obj, KeyRotation) and envelope.signature.kid != obj.old_kid:
        raise Problem(ProblemType.SIGNATURE_INVALID, "a key rotation must be signed with the key it retires")
    return obj


def on_fast_path(obj: FederatedObject, raw: dict[str, Any]) -> bool:
    """Whether `raw`, which validated as `obj`, canonicalises on the fast path without a walk of
    all of it: the model proves it for every field but the free-form ones, which are walked."""
    return all(map(is_plain, map(raw.get, obj.free_form)))  # maps, not a generator's frame: per object


def _invalid(exc: ValidationError) -> Problem:
    """An object that failed its model: invalid, or a lone surrogate (which no canonical form,
    hence no signature, can hold)."""
    if any(error["type"] == "string_unicode" for error in exc.errors()):
        return Problem(ProblemType.SIGNATURE_INVALID, "cannot check the signature: a string is not valid Unicode")
    return Problem(ProblemType.VALIDATION_ERROR, _first_error(exc, "object"), errors=_errors(exc, "object"))


def object_hash(raw: dict[str, Any]) -> str:
    """base64url SHA-256 of an object's canonical form: how one signed object names another."""
    return b64url_encode(hashlib.sha256(canonical_json(raw)).digest())


def _errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    return [
        {"field": ".".join([prefix, *map(str, e["loc"])] if prefix else map(str, e["loc"])), "message": e["msg"]}
        for e in exc.errors(include_url=False)[:20]
    ]


def _first_error(exc: ValidationError, prefix: str = "") -> str:
    first = _errors(exc, prefix)[0]
    return f"{first['field'] or '(body)'}: {first['message']}"


def _err(field: str) -> dict[str, str]:
    return {"field": field, "message": "Field required"}
