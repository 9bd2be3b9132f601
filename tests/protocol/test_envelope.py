import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from protocol.envelope import (
    object_hash,
    open_checked,
    open_envelope,
    read_envelope,
    seal,
    seal_raw,
    signer_of,
    wire_form,
)
from protocol.keys import SigningKey, b64url_decode, b64url_encode
from protocol.models import OBJECT_TYPES, Envelope, FederatedObject, KeyRotation, Signature, parse_object
from protocol.problems import Problem, ProblemType

from .strategies import BOUNDED, wire_objects

NYC = "https://nyc.example"
LONDON = "https://london.example"


def fixed_key(name: str) -> SigningKey:
    return SigningKey(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(name.encode()).digest()))


NYC_KEY = fixed_key("nyc")
LONDON_KEY = fixed_key("london")

Serialise = Callable[[dict[str, Any]], bytes]
SERIALISERS: dict[str, Serialise] = {
    # What a stock JSON library sends (ASCII escapes, spaces) and the compact UTF-8 form.
    "json.dumps": lambda value: json.dumps(value).encode("ascii"),
    "compact-utf8": lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(),
}


def event(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "type": "Event",
        "origin": NYC,
        "id": "ev-1",
        "version": 3,
        "title": "Watch party: the twin cities' hackathon finals",
        "summary": "Join London live on the big screen.",
        "description": (
            "Twelve teams from TheCube London present what they built in 48 hours. We stream the "
            "finals to our main hall, vote with London's audience, and keep the floor open for a "
            "Q&A with the winners over the video link. Pizza from 17:30 \u2014 bring a friend."
        ),
        "starts_at": "2025-06-10T18:00:00-04:00",
        "ends_at": "2025-06-10T21:00:00-04:00",
        "timezone": "America/New_York",
        "venue": "WeCreate NYC",
        "room": "Main hall \u2014 2nd floor",
        "capacity": 80,
        "language": "en",
        "tags": ["hackathon", "watch-party", "caf\u00e9", "\U0001f680"],
        "audience": "all",
    }
    return raw | changes


def receive(data: bytes, key: SigningKey, signer: str | None) -> FederatedObject:
    """What an inbox does with the bytes of one envelope."""
    envelope = read_envelope(json.loads(data))
    signer_of(envelope)
    return open_envelope(envelope, key.verify_key, signer=signer)


def problem_kind(call: Callable[[], object]) -> ProblemType:
    with pytest.raises(Problem) as caught:
        call()
    return caught.value.kind


def wire(envelope: Envelope) -> dict[str, Any]:
    return envelope.model_dump(mode="json")


@pytest.mark.parametrize("type_name", sorted(OBJECT_TYPES))
@BOUNDED
@given(data=st.data())
def test_envelope__round_trip_every_type(type_name: str, data: st.DataObject) -> None:
    obj = data.draw(wire_objects(type_name))
    if isinstance(obj, KeyRotation):  # a rotation is signed with the key it retires
        obj = KeyRotation.model_validate(obj.to_wire() | {"old_kid": NYC_KEY.kid})
    serialise = data.draw(st.sampled_from(list(SERIALISERS.values())))
    envelope = seal(obj, NYC_KEY)
    received = receive(serialise(wire(envelope)), NYC_KEY, signer=obj.origin)
    assert type(received) is OBJECT_TYPES[type_name]
    assert received == obj
    assert received.to_wire() == obj.to_wire()


@BOUNDED
@given(obj=wire_objects())
def test_envelope__signature_verifies_with_rfc8785_and_plain_ed25519(obj: FederatedObject) -> None:
    # Any implementation can check an envelope: Ed25519 over the RFC 8785 bytes of `object`.
    envelope = wire(seal(obj, NYC_KEY))
    message = rfc8785.dumps(envelope["object"])
    NYC_KEY.verify_key.public_key().verify(b64url_decode(envelope["signature"]["sig"]), message)
    assert envelope["signature"]["kid"] == NYC_KEY.kid


def assert_refused_unless_unchanged(data: bytes, original: dict[str, Any], signer: str) -> None:
    """A changed envelope either fails (parse, shape, key, signature, validation) or means the same."""
    try:
        changed = json.loads(data)
    except ValueError:  # not UTF-8 or not JSON
        return
    try:
        received = receive(data, NYC_KEY, signer=signer)
    except Problem:
        return
    assert changed == original, data
    assert received.to_wire() == parse_object(original["object"]).to_wire()


@pytest.mark.parametrize("serialise", list(SERIALISERS.values()), ids=list(SERIALISERS))
def test_envelope__every_bit_flip_refused(serialise: Serialise) -> None:
    original = wire(seal_raw(event(), NYC_KEY))
    data = serialise(original)
    assert 600 < len(data) < 1500
    for index in range(len(data)):
        for bit in range(8):
            changed = data[:index] + bytes([data[index] ^ (1 << bit)]) + data[index + 1 :]
            assert_refused_unless_unchanged(changed, original, signer=NYC)


@BOUNDED
@given(obj=wire_objects(), data=st.data())
def test_envelope__any_byte_change_refused(obj: FederatedObject, data: st.DataObject) -> None:
    original = wire(seal(obj, NYC_KEY))
    serialise = data.draw(st.sampled_from(list(SERIALISERS.values())))
    sent = serialise(original)
    index = data.draw(st.integers(0, len(sent) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != sent[index]))
    assert_refused_unless_unchanged(sent[:index] + bytes([byte]) + sent[index + 1 :], original, signer=obj.origin)


def test_envelope__equivalent_escape_is_accepted() -> None:
    # The signature covers the value, not the bytes: another spelling of the same JSON verifies.
    original = wire(seal_raw(event(title="Tab\there"), NYC_KEY))
    data = json.dumps(original).replace("Tab\\there", "Tab\\u0009here").encode()
    expected = parse_object(event(title="Tab\there")).to_wire()
    assert receive(data, NYC_KEY, signer=NYC).to_wire() == expected


def test_envelope__signature_spelling_is_unique() -> None:
    envelope = wire(seal_raw(event(), NYC_KEY))
    sig = envelope["signature"]["sig"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(sig[-1]) ^ 1]  # same six bits but the lowest: a spare bit
    envelope["signature"]["sig"] = sig[:-1] + last
    assert problem_kind(lambda: receive(json.dumps(envelope).encode(), NYC_KEY, NYC)) is ProblemType.SIGNATURE_INVALID


def test_envelope__origin_other_than_signer_refused() -> None:
    envelope = seal_raw(event(), NYC_KEY)
    kind = problem_kind(lambda: open_envelope(envelope, NYC_KEY.verify_key, signer=LONDON))
    assert kind is ProblemType.SIGNATURE_INVALID


def test_envelope__object_claiming_another_origin_refused() -> None:
    # London signs an object that claims to come from NYC.
    envelope = seal_raw(event(origin=NYC), LONDON_KEY)
    assert signer_of(envelope) == (NYC, LONDON_KEY.kid)
    # Looked up as NYC's key: the kid is not NYC's.
    assert problem_kind(lambda: open_envelope(envelope, NYC_KEY.verify_key, signer=NYC)) is ProblemType.UNKNOWN_KEY
    # Checked with London's key, as London: the origin is not the signer.
    kind = problem_kind(lambda: open_envelope(envelope, LONDON_KEY.verify_key, signer=LONDON))
    assert kind is ProblemType.SIGNATURE_INVALID


def test_envelope__other_kid_is_unknown_key() -> None:
    envelope = seal_raw(event(), NYC_KEY)
    assert problem_kind(lambda: open_envelope(envelope, LONDON_KEY.verify_key)) is ProblemType.UNKNOWN_KEY


def test_envelope__spoofed_kid_is_signature_invalid() -> None:
    # Signed by London's key but naming NYC's kid.
    signed = seal_raw(event(), LONDON_KEY)
    forged = Envelope(object=signed.object, signature=Signature(kid=NYC_KEY.kid, sig=signed.signature.sig))
    kind = problem_kind(lambda: open_envelope(forged, NYC_KEY.verify_key, signer=NYC))
    assert kind is ProblemType.SIGNATURE_INVALID


def test_envelope__signature_of_another_object_refused() -> None:
    first, second = seal_raw(event(), NYC_KEY), seal_raw(event(version=4), NYC_KEY)
    swapped = Envelope(object=second.object, signature=first.signature)
    assert problem_kind(lambda: open_envelope(swapped, NYC_KEY.verify_key)) is ProblemType.SIGNATURE_INVALID


@pytest.mark.parametrize("sig", [b64url_encode(bytes(63)), b64url_encode(bytes(65)), "A"], ids=["63", "65", "1-char"])
def test_envelope__signature_of_wrong_length_refused(sig: str) -> None:
    envelope = wire(seal_raw(event(), NYC_KEY))
    envelope["signature"]["sig"] = sig
    kind = problem_kind(lambda: open_envelope(read_envelope(envelope), NYC_KEY.verify_key))
    assert kind is ProblemType.SIGNATURE_INVALID


@pytest.mark.parametrize(
    "changes",
    [
        {"capacity": 80.0},
        {"version": 3.0},
        {"tags": ["a", 1.5]},
        {"exported_from": {"origin": NYC, "id": 1e3}},
    ],
    ids=["capacity", "version", "nested-list", "nested-map"],
)
def test_envelope__floats_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="no floats"):
        seal_raw(event(**changes), NYC_KEY)  # our signer refuses to sign floats ...
    envelope = careless_seal(event(**changes))  # ... another implementation might
    kind = problem_kind(lambda: open_envelope(envelope, NYC_KEY.verify_key, signer=NYC))
    assert kind is ProblemType.VALIDATION_ERROR  # ... but no reader accepts them


def careless_seal(raw: dict[str, Any]) -> Envelope:
    """Sign with the rfc8785 package directly, floats and all."""
    sig = NYC_KEY.sign(rfc8785.dumps(raw))
    return Envelope(object=raw, signature=Signature(kid=NYC_KEY.kid, sig=b64url_encode(sig)))


def test_envelope__float_in_free_form_member_refused() -> None:
    # `member_pass` is any JSON to the model, so only the envelope's own check stops this float.
    request = {
        "type": "ReservationRequest",
        "origin": NYC,
        "id": "0b7c9a8e-1f2d-4c3b-9a8e-7f6d5c4b3a21",
        "version": 1,
        "host": LONDON,
        "target": {"kind": "slot", "id": "slot-1"},
        "seats": 1,
        "requested_at": "2025-06-01T12:00:00Z",
    }
    assert open_envelope(seal_raw(request | {"member_pass": {"score": 1}}, NYC_KEY), NYC_KEY.verify_key)
    envelope = careless_seal(request | {"member_pass": {"score": 1.5}})
    assert problem_kind(lambda: open_envelope(envelope, NYC_KEY.verify_key)) is ProblemType.VALIDATION_ERROR


def test_envelope__float_written_as_integer_text_refused() -> None:
    data = json.dumps(wire(seal_raw(event(), NYC_KEY))).replace('"capacity": 80', '"capacity": 80.0')
    assert problem_kind(lambda: receive(data.encode(), NYC_KEY, NYC)) is ProblemType.VALIDATION_ERROR


def test_envelope__lone_surrogate_refused() -> None:
    data = json.dumps(wire(seal_raw(event(), NYC_KEY))).replace("Main hall", "Main \\ud800hall")
    assert problem_kind(lambda: receive(data.encode(), NYC_KEY, NYC)) is ProblemType.SIGNATURE_INVALID


def test_envelope__signed_but_invalid_object_refused_with_field_path() -> None:
    envelope = seal_raw(event(capacity="80"), NYC_KEY)
    with pytest.raises(Problem) as caught:
        open_envelope(envelope, NYC_KEY.verify_key, signer=NYC)
    assert caught.value.kind is ProblemType.VALIDATION_ERROR
    assert caught.value.extensions["errors"][0]["field"].startswith("object.Event.capacity")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"object": {}}, "signature"),
        ({"signature": {"kid": "k", "sig": "AAAA"}}, "object"),
        ({"object": [], "signature": {"kid": "k", "sig": "AAAA"}}, "object"),
        ({"object": {}, "signature": {"kid": "k", "sig": "AA+/"}}, "signature.sig"),
        ({"object": {}, "signature": {"kid": "", "sig": "AAAA"}}, "signature.kid"),
        ({"object": {}, "signature": {"kid": "k", "sig": "AAAA"}, "note": "hi"}, "note"),
        ("not an envelope", ""),
    ],
    ids=["no-signature", "no-object", "object-list", "sig-not-b64url", "empty-kid", "extra-member", "string"],
)
def test_envelope__read_envelope_refuses_bad_shapes(raw: Any, field: str) -> None:
    with pytest.raises(Problem) as caught:
        read_envelope(raw)
    assert caught.value.kind is ProblemType.VALIDATION_ERROR
    assert caught.value.extensions["errors"][0]["field"] == field


def test_envelope__read_envelope_takes_the_object_as_it_is() -> None:
    # No copy between the steps: the object the signature is checked over is the one parsed.
    raw = {"object": event(), "signature": {"kid": NYC_KEY.kid, "sig": "AAAA"}}
    assert read_envelope(raw).object is raw["object"]


@pytest.mark.parametrize("origin", [None, 5, ["https://nyc.example"]], ids=["missing", "int", "list"])
def test_envelope__signer_of_needs_a_string_origin(origin: Any) -> None:
    raw = event(origin=origin) if origin is not None else {k: v for k, v in event().items() if k != "origin"}
    envelope = read_envelope({"object": raw, "signature": {"kid": NYC_KEY.kid, "sig": "AAAA"}})
    assert problem_kind(lambda: signer_of(envelope)) is ProblemType.VALIDATION_ERROR


def test_envelope__object_hash_is_sha256_of_rfc8785_form(vectors_dir: Path) -> None:
    for source in sorted((vectors_dir / "rfc8785" / "input").glob("*.json")):
        canonical = (vectors_dir / "rfc8785" / "output" / source.name).read_bytes()
        value = json.loads(source.read_text("utf-8"))
        assert object_hash(value) == b64url_encode(hashlib.sha256(canonical).digest()), source.name


@BOUNDED
@given(obj=wire_objects())
def test_envelope__object_hash_stable(obj: FederatedObject) -> None:
    raw = obj.to_wire()
    digest = object_hash(raw)
    assert len(b64url_decode(digest)) == 32
    reordered = dict(reversed(list(raw.items())))
    assert object_hash(reordered) == digest
    assert object_hash(json.loads(json.dumps(raw))) == digest
    assert object_hash(parse_object(raw).to_wire()) == digest
    assert object_hash(raw | {"version": obj.version % (2**53 - 1) + 1}) != digest


def test_envelope__seal_signs_the_wire_form() -> None:
    obj = parse_object(event())
    envelope = seal(obj, NYC_KEY)
    assert envelope.object == obj.to_wire()
    assert envelope == seal_raw(obj.to_wire(), NYC_KEY)  # Ed25519 is deterministic
    assert signer_of(envelope) == (NYC, NYC_KEY.kid)


def test_envelope__key_rotation_signed_with_another_key_refused() -> None:
    new = SigningKey.generate()
    rotation = KeyRotation(
        origin=NYC,
        id="rotation-1",
        version=1,
        old_kid="ed25519:someotherkey0000",
        new_kid=new.kid,
        new_public_key=new.verify_key.b64url,
        effective_at="2026-01-01T00:00:00Z",
    )
    envelope = seal(rotation, NYC_KEY)
    assert (
        problem_kind(lambda: open_envelope(envelope, NYC_KEY.verify_key, signer=NYC)) is ProblemType.SIGNATURE_INVALID
    )


@BOUNDED
@given(obj=wire_objects())
def test_envelope__check_names_the_object_by_its_hash(obj: FederatedObject) -> None:
    if isinstance(obj, KeyRotation):  # a rotation is signed with the key it retires
        obj = KeyRotation.model_validate(obj.to_wire() | {"old_kid": NYC_KEY.kid})
    envelope = seal(obj, NYC_KEY)
    opened, check = open_checked(envelope, NYC_KEY.verify_key, signer=obj.origin)
    assert opened == obj
    assert check.object_hash() == object_hash(envelope.object)


@given(obj=wire_objects())
def test_wire_form__is_the_envelope_models_json_dump(obj: FederatedObject) -> None:
    # The booking path answers and stores `wire_form`; a twin reads it as the model's dump.
    envelope = seal(obj, NYC_KEY)
    assert wire_form(envelope) == envelope.model_dump(mode="json")
    assert read_envelope(wire_form(envelope)) == envelope
