"""Hypothesis strategies for valid wire objects, one per type in `protocol.models.OBJECT_TYPES`.

Every strategy builds model instances through the models' own constructors, so whatever it
yields passed the models' validators. Instants are drawn in UTC and converted to the zone they
are written in, so their offsets always match the zone. `origins` parameters let a test pin the
signing node (the origin must be the signer).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from protocol.envelope import seal
from protocol.keys import SigningKey, b64url_encode, key_id
from protocol.models import (
    Allowance,
    AllowanceUse,
    BookingRules,
    Endpoints,
    Event,
    EventText,
    FederatedObject,
    KeyRotation,
    MemberErasure,
    MemberPass,
    MemberProfile,
    NodeDocument,
    ObjectRef,
    OldVerifyKeyEntry,
    ReservationReceipt,
    ReservationRequest,
    Resource,
    RetractedObject,
    Retraction,
    Slot,
    Target,
    Terms,
    TwinningAcceptance,
    TwinningChange,
    TwinningProposal,
    VerifyKeyEntry,
    WaitlistPlace,
)
from protocol.models.profiles import retraction_id
from protocol.problems import ProblemType

# Bounded and repeatable: the suites that use these run in seconds and write nothing to disk.
BOUNDED = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# Whole-hour, half-hour, 45-minute and 30-minute-DST zones, both hemispheres.
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Rome",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
)
RESOURCE_KINDS = ("desk", "meeting_room", "phone_booth", "event_space")

_LOWER_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789"
_IDENT_FIRST = _LOWER_DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@cache
def text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Any Unicode text without surrogates (astral characters included)."""
    return st.text(min_size=min_size, max_size=max_size)


@cache
def node_ids() -> st.SearchStrategy[str]:
    """Public base URLs: scheme, host, optional port, optional path, no trailing slash."""
    label = st.text(_LOWER_DIGITS, min_size=1, max_size=8)
    host = st.lists(label, min_size=1, max_size=3).map(".".join)
    port = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))
    segment = st.text(_LOWER_DIGITS + "._~-", min_size=1, max_size=8).map(lambda s: "/" + s)
    path = st.lists(segment, max_size=2).map("".join)
    return st.builds(
        lambda scheme, h, p, tail: f"{scheme}://{h}.example{p}{tail}",
        st.sampled_from(["https", "http"]),
        host,
        port,
        path,
    )


def _or_any_node(origins: st.SearchStrategy[str] | None) -> st.SearchStrategy[str]:
    return node_ids() if origins is None else origins


@cache
def idents() -> st.SearchStrategy[str]:
    """Identifiers: `[A-Za-z0-9][A-Za-z0-9._:-]{0,99}`."""
    first = st.sampled_from(_IDENT_FIRST)
    rest = st.one_of(st.text(_IDENT_FIRST + "._:-", max_size=12), st.text(_IDENT_FIRST + "._:-", max_size=99))
    return st.builds(str.__add__, first, rest)


@cache
def uuids() -> st.SearchStrategy[str]:
    return st.uuids().map(str)


@cache
def versions() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(1, 1000), st.integers(1, 2**53 - 1))


@cache
def zones() -> st.SearchStrategy[str]:
    return st.sampled_from(ZONES)


@cache
def instants(zone: str | None = None) -> st.SearchStrategy[datetime]:
    """Whole-second instants from 2000 to 2099, written in `zone` (or in any of ZONES)."""
    utc = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)
    )
    written_in = st.just(zone) if zone else zones()
    return st.builds(_written_in, utc, written_in)


def _written_in(moment: datetime, zone: str) -> datetime:
    """The instant as the wire writes it: the zone's offset at that instant, as a fixed offset.

    (Not the ZoneInfo itself: PEP 495 makes a datetime in a repeated hour unequal to every
    datetime of another zone, so a round-tripped object would compare unequal to itself.)"""
    local = moment.astimezone(ZoneInfo(zone))
    offset = local.utcoffset()
    assert offset is not None
    return local.replace(tzinfo=timezone(offset))


@cache
def durations() -> st.SearchStrategy[timedelta]:
    return st.integers(1, 30 * 24 * 3600).map(lambda s: timedelta(seconds=s))


@cache
def base64url(size: int = 32) -> st.SearchStrategy[str]:
    return st.binary(min_size=size, max_size=size).map(b64url_encode)


@st.composite
def spans(draw: st.DrawFn, zone: str) -> tuple[datetime, datetime]:
    """A (starts_at, ends_at) pair in `zone`, ends strictly after starts."""
    start = draw(instants(zone))
    return start, _written_in(start + draw(durations()), zone)


@cache
def allowances() -> st.SearchStrategy[Allowance]:
    return st.builds(
        Allowance,
        kind=st.sampled_from(RESOURCE_KINDS),
        unit=st.sampled_from(["day", "hour"]),
        amount=st.integers(0, 100_000),
        period=st.sampled_from(["month", "week"]),
    )


@cache
def booking_rules() -> st.SearchStrategy[BookingRules]:
    return st.builds(
        BookingRules,
        book_ahead_days=st.integers(0, 730),
        min_notice_hours=st.integers(0, 720),
        cancel_until_hours=st.integers(0, 720),
        max_seats_per_reservation=st.integers(1, 1000),
    )


@cache
def terms() -> st.SearchStrategy[Terms]:
    one_per_kind = st.lists(allowances(), max_size=4, unique_by=lambda a: a.kind)
    return st.builds(Terms, allowances=one_per_kind, rules=booking_rules())


@st.composite
def twinning_proposals(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> TwinningProposal:
    proposer = draw(_or_any_node(origins))
    valid_from = draw(instants())
    until = draw(st.one_of(st.none(), durations().map(lambda d: valid_from + d)))
    return TwinningProposal(
        origin=proposer,
        id=draw(uuids()),
        version=draw(versions()),
        proposer=proposer,
        acceptor=draw(node_ids().filter(lambda n: n != proposer)),
        offer=draw(terms()),
        request=draw(terms()),
        valid_from=valid_from,
        valid_until=until,
        message=draw(st.one_of(st.none(), text(300))),
    )


@st.composite
def twinning_acceptances(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> TwinningAcceptance:
    acceptor = draw(_or_any_node(origins))
    return TwinningAcceptance(
        origin=acceptor,
        id=draw(uuids()),
        version=draw(versions()),
        agreement_id=draw(uuids()),
        proposer=draw(node_ids().filter(lambda n: n != acceptor)),
        acceptor=acceptor,
        proposal_hash=draw(base64url()),
        accepted_at=draw(instants()),
    )


def twinning_changes(origins: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[TwinningChange]:
    return st.builds(
        TwinningChange,
        origin=_or_any_node(origins),
        id=uuids(),
        version=versions(),
        agreement_id=uuids(),
        action=st.sampled_from(["suspend", "resume", "end", "decline"]),
        reason=st.one_of(st.none(), text(500)),
        at=instants(),
    )


@st.composite
def key_rotations(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> KeyRotation:
    old, new = draw(st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=2, unique=True))
    return KeyRotation(
        origin=draw(_or_any_node(origins)),
        id=draw(idents()),
        version=draw(versions()),
        old_kid=key_id(old),
        new_kid=key_id(new),
        new_public_key=b64url_encode(new),
        effective_at=draw(instants()),
    )


@st.composite
def events(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> Event:
    zone = draw(zones())
    starts_at, ends_at = draw(spans(zone))
    optional = st.one_of
    language = draw(optional(st.none(), st.from_regex(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,2}", fullmatch=True)))
    others = st.sampled_from([t for t in ("en", "it", "es-419", "pt-BR") if t.lower() != (language or "").lower()])
    texts = st.builds(EventText, title=text(200, min_size=1), summary=text(500))
    return Event(
        origin=draw(_or_any_node(origins)),
        id=draw(idents()),
        version=draw(versions()),
        status=draw(st.sampled_from(["scheduled", "postponed", "cancelled", "moved_online"])),
        title=draw(text(200, min_size=1)),
        summary=draw(text(500)),
        description=draw(text(600)),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone,
        venue=draw(optional(st.none(), text(200))),
        room=draw(optional(st.none(), text(200))),
        address=draw(optional(st.none(), text(500))),
        online_url=draw(optional(st.none(), node_ids().map(lambda n: n + "/live?room=1"))),
        capacity=draw(optional(st.none(), st.integers(0, 100_000))),
        language=language,
        translations=draw(optional(st.none(), st.dictionaries(others, texts, min_size=1, max_size=3))),
        tags=draw(st.lists(text(40, min_size=1), max_size=20)),
        audience=draw(optional(st.just("all"), st.lists(node_ids(), max_size=5))),
        exported_from=draw(optional(st.none(), st.builds(ObjectRef, origin=node_ids(), id=idents()))),
        rrule=draw(optional(st.none(), st.from_regex(r"[A-Z0-9=;,:+-]{1,80}", fullmatch=True))),
        exdates=draw(st.lists(instants(zone), max_size=5)),
        updated_at=draw(optional(st.none(), instants())),
    )


@cache
def resources() -> st.SearchStrategy[Resource]:
    return st.builds(
        Resource,
        id=idents(),
        kind=st.sampled_from(RESOURCE_KINDS),
        name=text(200, min_size=1),
        capacity=st.integers(1, 10_000),
    )


@st.composite
def slots(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> Slot:
    zone = draw(zones())
    starts_at, ends_at = draw(spans(zone))
    resource = draw(resources())
    seats = draw(st.integers(1, resource.capacity))
    return Slot(
        origin=draw(_or_any_node(origins)),
        id=draw(idents()),
        version=draw(versions()),
        resource=resource,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone,
        twin=draw(node_ids()),
        seats=seats,
        remaining=draw(st.integers(0, seats)),
        status=draw(st.sampled_from(["open", "withdrawn"])),
    )


@st.composite
def member_passes(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> MemberPass:
    home = draw(_or_any_node(origins))
    issued_at = draw(instants())
    return MemberPass(
        origin=home,
        id=draw(idents()),
        version=draw(versions()),
        member_id=draw(idents()),
        display_name=draw(text(100, min_size=1)),
        home=home,
        issued_at=issued_at,
        expires_at=issued_at + draw(durations()),
    )


@st.composite
def member_erasures(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> MemberErasure:
    home = draw(_or_any_node(origins))
    return MemberErasure(
        origin=home,
        id=draw(idents()),
        version=draw(versions()),
        member_id=draw(idents()),
        home=home,
        erased_at=draw(instants()),
    )


@st.composite
def member_profiles(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> MemberProfile:
    home = draw(_or_any_node(origins))
    handle = draw(st.text("0123456789abcdef", min_size=32, max_size=32))
    withdrawn = draw(st.booleans())
    optional = st.one_of
    content: dict[str, Any] = {}
    if not withdrawn:
        content = {
            "display_name": draw(optional(st.none(), text(200, min_size=1))),
            "headline": draw(optional(st.none(), text(200, min_size=1))),
            "bio": draw(optional(st.none(), text(2000, min_size=1))),
            "skills": draw(optional(st.none(), st.lists(text(60, min_size=1), max_size=30))),
            "interests": draw(optional(st.none(), st.lists(text(60, min_size=1), max_size=30))),
            "languages": draw(
                optional(st.none(), st.lists(st.sampled_from(["en", "it", "es-419", "pt-BR"]), max_size=4))
            ),
            "city": draw(optional(st.none(), text(200, min_size=1))),
            "links": draw(optional(st.none(), st.lists(st.just("https://example.org/me"), max_size=3))),
            "looking_for": draw(optional(st.none(), text(200, min_size=1))),
            "open_to_visitors": draw(optional(st.none(), st.booleans())),
        }
    return MemberProfile(
        origin=home,
        id=handle,
        version=draw(versions()),
        member=handle,
        home=home,
        status="withdrawn" if withdrawn else "published",
        updated_at=draw(instants()),
        **content,
    )


@st.composite
def retractions(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> Retraction:
    target = RetractedObject(
        type=draw(st.sampled_from(["Event", "MemberProfile"])), id=draw(st.from_regex(r"\Aev-[0-9a-f]{12}\Z"))
    )
    return Retraction(
        origin=draw(_or_any_node(origins)),
        id=retraction_id(target.type, target.id),
        version=draw(versions()),
        target=target,
        up_to_version=draw(versions()),
        retracted_at=draw(instants()),
    )


def home_key() -> SigningKey:
    """A fixed key for the member passes nested in reservation requests (Ed25519 is deterministic)."""
    seed = hashlib.sha256(b"gemellaggio test home key").digest()
    return SigningKey(Ed25519PrivateKey.from_private_bytes(seed))


@st.composite
def reservation_requests(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> ReservationRequest:
    home = draw(_or_any_node(origins))
    member_pass = draw(member_passes(st.just(home)))
    return ReservationRequest(
        origin=home,
        id=draw(uuids()),
        version=draw(versions()),
        host=draw(node_ids().filter(lambda n: n != home)),
        target=draw(st.builds(Target, kind=st.sampled_from(["slot", "event"]), id=idents())),
        seats=draw(st.integers(1, 1000)),
        member_pass=seal(member_pass, home_key()).model_dump(mode="json"),
        requested_at=draw(instants()),
        waitlist=draw(st.sampled_from([None, True])),
    )


@st.composite
def waitlist_places(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> WaitlistPlace:
    status = draw(st.sampled_from(["waiting", "offered", "lapsed", "left", "withdrawn"]))
    return WaitlistPlace(
        origin=draw(_or_any_node(origins)),
        id=draw(uuids()),
        version=draw(versions()),
        home=draw(node_ids()),
        member_id=draw(idents()),
        target=draw(st.builds(Target, kind=st.sampled_from(["slot", "event"]), id=idents())),
        seats=draw(st.integers(1, 1000)),
        status=status,
        position=draw(st.integers(1, 1_000_000)) if status == "waiting" else None,
        offer_expires_at=draw(instants()) if status == "offered" else None,
        request_hash=draw(base64url()),
        issued_at=draw(instants()),
    )


@cache
def allowance_uses() -> st.SearchStrategy[AllowanceUse]:
    return st.builds(
        AllowanceUse,
        kind=st.sampled_from(RESOURCE_KINDS),
        unit=st.sampled_from(["day", "hour"]),
        period=st.sampled_from(["month", "week"]),
        period_start=st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
        amount=st.integers(0, 10_000),
        used=st.integers(0, 10_000),
        remaining=st.integers(0, 10_000),
    )


@st.composite
def reservation_receipts(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> ReservationReceipt:
    status = draw(st.sampled_from(["confirmed", "cancelled", "rejected"]))
    problem = draw(st.sampled_from([p.value for p in ProblemType])) if status == "rejected" else None
    timed: dict[str, Any] = {}
    if draw(st.booleans()):
        zone = draw(zones())
        timed["starts_at"], timed["ends_at"] = draw(spans(zone))
        timed["timezone"] = zone
    return ReservationReceipt(
        origin=draw(_or_any_node(origins)),
        id=draw(uuids()),
        version=draw(versions()),
        home=draw(node_ids()),
        member_id=draw(idents()),
        target=draw(st.builds(Target, kind=st.sampled_from(["slot", "event"]), id=idents())),
        kind=draw(st.one_of(st.none(), st.sampled_from(RESOURCE_KINDS))),
        seats=draw(st.integers(1, 1000)),
        status=status,
        problem=problem,
        units=draw(st.integers(0, 10_000_000)),
        unit=draw(st.sampled_from(["day", "hour", "seat"])),
        allowance=draw(st.one_of(st.none(), allowance_uses())),
        request_hash=draw(base64url()),
        issued_at=draw(instants()),
        **timed,
    )


@st.composite
def node_documents(draw: st.DrawFn, origins: st.SearchStrategy[str] | None = None) -> NodeDocument:
    raws = draw(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=6, unique=True))
    current = draw(st.integers(1, min(len(raws), 8)))
    expiry = st.one_of(st.none(), instants())
    verify_keys = {key_id(r): VerifyKeyEntry(key=b64url_encode(r), valid_until=draw(expiry)) for r in raws[:current]}
    old_keys = {key_id(r): OldVerifyKeyEntry(key=b64url_encode(r), expired_at=draw(instants())) for r in raws[current:]}
    origin = draw(_or_any_node(origins))
    return NodeDocument(
        origin=origin,
        version=draw(versions()),
        name=draw(text(200, min_size=1)),
        timezone=draw(zones()),
        location=draw(st.one_of(st.none(), text(200))),
        verify_keys=verify_keys,
        old_verify_keys=old_keys,
        endpoints=Endpoints(
            inbox=origin + "/federation/v1/inbox",
            feed=origin + "/federation/v1/feed",
            twinning=origin + "/federation/v1/twinning",
            reservations=origin + "/federation/v1/reservations",
        ),
    )


OBJECT_STRATEGIES: dict[str, Any] = {
    "TwinningProposal": twinning_proposals,
    "TwinningAcceptance": twinning_acceptances,
    "TwinningChange": twinning_changes,
    "KeyRotation": key_rotations,
    "Event": events,
    "Slot": slots,
    "MemberPass": member_passes,
    "ReservationRequest": reservation_requests,
    "ReservationReceipt": reservation_receipts,
    "WaitlistPlace": waitlist_places,
    "MemberErasure": member_erasures,
    "MemberProfile": member_profiles,
    "Retraction": retractions,
    "NodeDocument": node_documents,
}


def wire_objects(
    type_name: str | None = None, origins: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[FederatedObject]:
    """Valid objects of one type (by its wire `type`), or of any type."""
    names = [type_name] if type_name else list(OBJECT_STRATEGIES)
    return st.one_of(*(OBJECT_STRATEGIES[name](origins) for name in names))
