import json
from typing import Any

import pytest
from hypothesis import given
from pydantic import ValidationError

from protocol.keys import key_id
from protocol.models import (
    OBJECT_TYPES,
    Event,
    FederatedObject,
    MemberPass,
    NodeDocument,
    Slot,
    Terms,
    TwinningAcceptance,
    TwinningProposal,
    parse_object,
)

from .strategies import BOUNDED, OBJECT_STRATEGIES, wire_objects

NYC = "https://nyc.example"
LONDON = "https://london.example"
UUID_A = "0b7c9a8e-1f2d-4c3b-9a8e-7f6d5c4b3a21"
UUID_B = "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716"
TERMS = {
    "allowances": [
        {"kind": "desk", "unit": "day", "amount": 20, "period": "month"},
        {"kind": "meeting_room", "unit": "hour", "amount": 6, "period": "month"},
    ],
    "rules": {
        "book_ahead_days": 30,
        "min_notice_hours": 2,
        "cancel_until_hours": 24,
        "max_seats_per_reservation": 2,
    },
}


def event(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "type": "Event",
        "origin": NYC,
        "id": "ev-1",
        "version": 1,
        "title": "Founders' breakfast",
        "starts_at": "2025-06-10T18:00:00-04:00",
        "ends_at": "2025-06-10T20:00:00-04:00",
        "timezone": "America/New_York",
    }
    return raw | changes


def slot(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "type": "Slot",
        "origin": LONDON,
        "id": "slot-1",
        "version": 1,
        "resource": {"id": "desks", "kind": "desk", "name": "Hot desks", "capacity": 10},
        "starts_at": "2025-06-10T09:00:00+01:00",
        "ends_at": "2025-06-10T18:00:00+01:00",
        "timezone": "Europe/London",
        "twin": NYC,
        "seats": 4,
        "remaining": 4,
    }
    return raw | changes


def member_pass(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "type": "MemberPass",
        "origin": NYC,
        "id": "pass-1",
        "version": 1,
        "member_id": "m-42",
        "display_name": "Ada",
        "home": NYC,
        "issued_at": "2025-06-01T12:00:00Z",
        "expires_at": "2025-07-01T12:00:00Z",
    }
    return raw | changes


def proposal(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "type": "TwinningProposal",
        "origin": NYC,
        "id": UUID_A,
        "version": 1,
        "proposer": NYC,
        "acceptor": LONDON,
        "offer": TERMS,
        "request": {"allowances": [], "rules": TERMS["rules"]},
        "valid_from": "2025-06-01T00:00:00Z",
    }
    return raw | changes


ZERO_KID = key_id(bytes(32))  # the key id of "A" * 43, 32 zero bytes


def node_document(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "type": "NodeDocument",
        "origin": NYC,
        "version": 1,
        "name": "WeCreate NYC",
        "timezone": "America/New_York",
        "verify_keys": {ZERO_KID: {"key": "A" * 43}},
        "endpoints": {
            "inbox": NYC + "/federation/v1/inbox",
            "feed": NYC + "/federation/v1/feed",
            "twinning": NYC + "/federation/v1/twinning",
            "reservations": NYC + "/federation/v1/reservations",
        },
    }
    return raw | changes


def refused(raw: dict[str, Any], match: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError, match=match) as caught:
        parse_object(raw)
    return caught.value


@pytest.mark.parametrize("raw", [event(), slot(), member_pass(), proposal(), node_document()])
def test_models__hand_written_fixtures_are_valid(raw: dict[str, Any]) -> None:
    wire = parse_object(raw).to_wire()
    assert {key: wire[key] for key in raw} == raw


def test_models__every_object_type_has_a_strategy() -> None:
    assert set(OBJECT_STRATEGIES) == set(OBJECT_TYPES)
    assert all(cls.model_fields["type"].default == name for name, cls in OBJECT_TYPES.items())


@BOUNDED
@given(wire_objects())
def test_models__wire_form_round_trips(obj: FederatedObject) -> None:
    wire = json.loads(json.dumps(obj.to_wire()))
    again = parse_object(wire)
    assert type(again) is type(obj)
    assert again == obj
    assert again.to_wire() == wire


@BOUNDED
@given(wire_objects())
def test_models__extra_fields_refused(obj: FederatedObject) -> None:
    refused(obj.to_wire() | {"colour": "blue"}, match="colour")


def test_models__extra_fields_in_nested_models_refused() -> None:
    resource = slot()["resource"] | {"floor": 2}
    refused(slot(resource=resource), match="floor")
    refused(proposal(offer={"rules": {"book_ahead_days": 3, "pets": True}}), match="pets")


def test_models__objects_are_frozen() -> None:
    obj = parse_object(event())
    with pytest.raises(ValidationError, match="frozen"):
        obj.title = "Changed"  # type: ignore[misc]
    assert obj.title == "Founders' breakfast"


@pytest.mark.parametrize("bad", ["5", 5.0, True, [5]], ids=["string", "float", "bool", "list"])
@pytest.mark.parametrize(
    ("build", "field"),
    [(event, "version"), (event, "capacity"), (slot, "seats"), (slot, "remaining")],
    ids=["event.version", "event.capacity", "slot.seats", "slot.remaining"],
)
def test_models__integers_are_strict(build: Any, field: str, bad: Any) -> None:
    refused(build(**{field: bad}), match=field)


def test_models__strict_integers_accept_integers() -> None:
    assert parse_object(event(capacity=5)).capacity == 5  # type: ignore[union-attr]


def test_models__required_integers_refuse_null() -> None:
    refused(slot(seats=None), match="seats")


@pytest.mark.parametrize("bad", [1, ["Europe/London"], True])
def test_models__strings_are_strict(bad: Any) -> None:
    refused(event(title=bad), match="title")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Londres", "", "../../etc/passwd", "/etc/localtime"])
def test_models__unknown_time_zone_refused(zone: str) -> None:
    refused(event(timezone=zone), match="timezone")


def test_models__event_offset_must_match_zone() -> None:
    # On 10 June New York is on daylight time, -04:00.
    refused(event(starts_at="2025-06-10T18:00:00-05:00", ends_at="2025-06-10T20:00:00-05:00"), match="offset")
    refused(event(ends_at="2025-06-10T20:00:00-05:00"), match="ends_at's offset")
    winter = event(starts_at="2025-01-10T18:00:00-05:00", ends_at="2025-01-10T20:00:00-05:00")
    assert parse_object(winter).starts_at.utcoffset().total_seconds() == -5 * 3600  # type: ignore[union-attr]


def test_models__event_offset_checked_across_dst_change() -> None:
    # 2025-03-09 02:00 New York springs forward: 01:30 is -05:00, 03:30 is -04:00.
    ok = event(starts_at="2025-03-09T01:30:00-05:00", ends_at="2025-03-09T03:30:00-04:00")
    assert parse_object(ok).timezone == "America/New_York"  # type: ignore[union-attr]
    refused(event(starts_at="2025-03-09T01:30:00-05:00", ends_at="2025-03-09T03:30:00-05:00"), match="offset")


def test_models__event_exdate_offset_must_match_zone() -> None:
    # Exdates are checked in the zone of the event, each with the offset of its own date.
    weekly = event(rrule="FREQ=WEEKLY;COUNT=30")
    ok = parse_object(weekly | {"exdates": ["2025-06-17T18:00:00-04:00", "2025-12-16T18:00:00-05:00"]})
    assert [moment.utcoffset().total_seconds() for moment in ok.exdates] == [-4 * 3600, -5 * 3600]  # type: ignore[union-attr]
    refused(weekly | {"exdates": ["2025-06-17T18:00:00-04:00", "2025-12-16T18:00:00-04:00"]}, match="exdate's offset")


def test_models__slot_offset_must_match_zone() -> None:
    refused(slot(starts_at="2025-06-10T09:00:00Z", ends_at="2025-06-10T18:00:00Z"), match="offset")


@pytest.mark.parametrize("build", [event, slot])
@pytest.mark.parametrize("shift", ["ends-before", "ends-at-start"])
def test_models__ends_before_starts_refused(build: Any, shift: str) -> None:
    starts_at = build()["starts_at"]
    ends_at = starts_at if shift == "ends-at-start" else "2025-06-09" + starts_at[10:]
    refused(build(ends_at=ends_at), match="ends_at must be after starts_at")


def test_models__member_pass_expiry_after_issue() -> None:
    refused(member_pass(expires_at="2025-06-01T12:00:00Z"), match="expires_at must be after issued_at")


def test_models__proposal_valid_until_after_valid_from() -> None:
    refused(proposal(valid_until="2025-05-01T00:00:00Z"), match="valid_until must be after valid_from")


@pytest.mark.parametrize(
    "instant",
    ["2025-06-10T18:00:00", "2025-06-10T18:00:00.5-04:00", "not a date", "2025-06-31T18:00:00-04:00"],
    ids=["naive", "fraction", "garbage", "no-such-day"],
)
def test_models__instants_refused(instant: str) -> None:
    refused(event(starts_at=instant), match="starts_at")


@pytest.mark.parametrize("instant", [1749592800, "1749592800"], ids=["int", "numeric-string"])
def test_models__instants_must_be_rfc3339_strings(instant: Any) -> None:
    refused(member_pass(issued_at=instant), match="issued_at")


def test_models__ten_megabyte_description_refused() -> None:
    refused(event(description="x" * 10_000_000), match="description")


@pytest.mark.parametrize(
    ("field", "longest"),
    [("title", 200), ("summary", 500), ("description", 20_000), ("venue", 200), ("address", 500)],
)
def test_models__string_bounds(field: str, longest: int) -> None:
    assert getattr(parse_object(event(**{field: "é" * longest})), field) == "é" * longest
    refused(event(**{field: "é" * (longest + 1)}), match=field)


def test_models__title_may_not_be_empty() -> None:
    refused(event(title=""), match="title")


def test_models__list_bounds() -> None:
    assert len(parse_object(event(tags=["t"] * 20)).tags) == 20  # type: ignore[union-attr]
    refused(event(tags=["t"] * 21), match="tags")
    refused(event(tags=["x" * 41]), match="tags")
    refused(event(audience=[f"https://n{i}.example" for i in range(201)]), match="audience")
    refused(event(audience="some"), match="audience")


def test_models__slot_remaining_cannot_exceed_seats() -> None:
    refused(slot(seats=4, remaining=5), match="remaining cannot exceed seats")


def test_models__slot_seats_cannot_exceed_capacity() -> None:
    refused(slot(seats=11, remaining=1), match="capacity")


def test_models__member_pass_home_must_be_origin() -> None:
    refused(member_pass(home=LONDON), match="home node")


def test_models__node_document_key_cannot_be_current_and_old() -> None:
    kid = ZERO_KID
    old = {kid: {"key": "A" * 43, "expired_at": "2025-01-01T00:00:00Z"}}
    refused(node_document(old_verify_keys=old), match="either current or old")


def test_models__node_document_needs_a_current_key() -> None:
    refused(node_document(verify_keys={}), match="verify_keys")


def test_models__node_document_id_is_node() -> None:
    assert parse_object(node_document()).id == "node"
    refused(node_document(id="other"), match="id")


def test_models__proposer_cannot_twin_with_itself() -> None:
    refused(proposal(acceptor=NYC), match="cannot twin with itself")


def test_models__proposal_origin_must_be_proposer() -> None:
    refused(proposal(origin=LONDON), match="origin must be the proposer")


def test_models__acceptance_origin_must_be_acceptor() -> None:
    raw = {
        "type": "TwinningAcceptance",
        "origin": LONDON,
        "id": UUID_B,
        "version": 1,
        "agreement_id": UUID_A,
        "proposer": NYC,
        "acceptor": LONDON,
        "proposal_hash": "abc",
        "accepted_at": "2025-06-02T00:00:00Z",
    }
    assert isinstance(parse_object(raw), TwinningAcceptance)
    refused(raw | {"origin": NYC}, match="origin must be the acceptor")


def test_models__one_allowance_per_kind() -> None:
    allowance = {"kind": "desk", "unit": "day", "amount": 20, "period": "month"}
    with pytest.raises(ValidationError, match="one allowance per resource kind"):
        Terms.model_validate({"allowances": [allowance, allowance | {"amount": 5}]})


def test_models__terms_default_to_the_design_rules() -> None:
    rules = Terms().rules
    assert (rules.book_ahead_days, rules.min_notice_hours, rules.cancel_until_hours) == (30, 2, 24)
    assert rules.max_seats_per_reservation == 2


@pytest.mark.parametrize("version", [0, -1, 2**53])
def test_models__version_bounds(version: int) -> None:
    refused(event(version=version), match="version")


@pytest.mark.parametrize(
    "origin",
    [
        "nyc.example",
        "https://nyc.example/",
        "ftp://nyc.example",
        "https://nyc.example?x=1",
        "https://nyc.example#f",
    ],
)
def test_models__node_id_is_a_base_url(origin: str) -> None:
    refused(event(origin=origin), match="origin")


def test_models__node_id_refuses_a_trailing_newline() -> None:
    refused(event(origin=NYC + "\n"), match="origin")


@pytest.mark.parametrize(
    "raw",
    [{"type": "Poll", "origin": NYC, "id": "x", "version": 1}, {"origin": NYC, "id": "x", "version": 1}],
)
def test_models__unknown_or_missing_type_refused(raw: dict[str, Any]) -> None:
    refused(raw)


def test_models__to_wire_leaves_out_absent_fields() -> None:
    wire = parse_object(event()).to_wire()
    assert "venue" not in wire and "exported_from" not in wire
    assert wire["audience"] == "all" and wire["status"] == "scheduled"


def test_models__event_visibility_follows_audience() -> None:
    everyone = parse_object(event())
    listed = parse_object(event(audience=[LONDON]))
    assert isinstance(everyone, Event) and isinstance(listed, Event)
    assert everyone.visible_to("https://paris.example")
    assert listed.visible_to(LONDON) and not listed.visible_to("https://paris.example")


def test_models__parse_object_returns_the_named_type() -> None:
    parsed = {raw["type"]: parse_object(raw) for raw in (event(), slot(), member_pass(), proposal(), node_document())}
    assert isinstance(parsed["Event"], Event)
    assert isinstance(parsed["Slot"], Slot)
    assert isinstance(parsed["MemberPass"], MemberPass)
    assert isinstance(parsed["TwinningProposal"], TwinningProposal)
    assert isinstance(parsed["NodeDocument"], NodeDocument)


def test_models__event_translations_give_title_and_summary_in_other_languages() -> None:
    raw = event(
        language="es", translations={"en": {"title": "Watch party", "summary": "Live"}, "it": {"title": "Festa"}}
    )
    parsed = Event.model_validate(raw)
    assert parsed.translations is not None and parsed.translations["it"].summary == ""
    assert parsed.to_wire()["translations"]["en"] == {"title": "Watch party", "summary": "Live"}


def test_models__event_without_translations_keeps_its_old_wire_form() -> None:
    """An event written before the extension is still valid and signs the same bytes."""
    raw = event(language="en")
    assert Event.model_validate(raw).to_wire() == raw | {
        "status": "scheduled", "summary": "", "description": "", "tags": [], "audience": "all", "exdates": []
    }  # fmt: skip
    assert "translations" not in Event.model_validate(event()).to_wire()


@pytest.mark.parametrize(
    "translations",
    [
        {},  # written as absent, never as an empty map
        {"ES": {"title": "Fiesta"}},  # the event's own language
        {"it": {"title": "a"}, "IT": {"title": "b"}},  # one language twice
        {"it": {"title": ""}},
        {"it": {"title": "x", "description": "y"}},  # title and summary only
        {"not a tag": {"title": "x"}},
        {f"x{n:03}": {"title": "x"} for n in range(21)},
    ],
)
def test_models__bad_event_translations_refused(translations: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Event.model_validate(event(language="es", translations=translations))
