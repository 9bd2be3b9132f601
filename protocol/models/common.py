"""Field types shared by every wire object.

Wire models are frozen, refuse unknown fields, and validate strictly: a string is not an
integer, a float is not an integer. Instants are RFC 3339 strings with an offset; time zones
are IANA names this machine's zone database knows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

MAX_SAFE_INT = 2**53 - 1
# Instants lie in [1970, 9000) UTC: far enough from datetime's limits (years 1 and 9999) that no
# offset, period or window a node adds can overflow.
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000
_EARLIEST = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
_LATEST = datetime(LATEST_YEAR, 1, 1, tzinfo=UTC)

_NODE_ID = re.compile(r"https?://[A-Za-z0-9.-]+(:(?P<port>[0-9]{1,5}))?(/[A-Za-z0-9._~%/-]*)?")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# Names the zone database ships that are not places: refused as a space's or an event's zone.
_NOT_PLACES = {"localtime", "Factory", "posixrules"}
_IDENT = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"


class WireModel(BaseModel):
    """Base of every model that crosses the wire."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON form that is signed and sent (None-valued fields left out)."""
        return self.model_dump(mode="json", exclude_none=True)


def _check_node_id(value: str) -> str:
    found = _NODE_ID.fullmatch(value)
    if not found or value.endswith("/") or int(found.group("port") or 1) > 65535:
        raise ValueError("a node id is an http(s) base URL without a trailing slash, query or fragment")
    return value


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(
        name for name in available_timezones() if name not in _NOT_PLACES and not name.startswith(("posix/", "right/"))
    )


def _check_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"unknown IANA time zone {value!r}")
    return value


def _rfc3339(value: object) -> object:
    """Instants on the wire are RFC 3339 strings with an offset; node code may pass datetimes."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("an instant is an RFC 3339 string such as 2026-03-10T18:00:00-04:00")
    return value


def _check_instant(value: datetime) -> datetime:
    if value.microsecond:
        raise ValueError("instants are whole seconds")
    if not in_instant_range(value):
        raise ValueError(f"instants lie from {EARLIEST_YEAR}-01-01T00:00:00Z to before {LATEST_YEAR}-01-01T00:00:00Z")
    return value


def in_instant_range(value: datetime) -> bool:
    """Is this aware instant within [1970, 9000) UTC? (False too if its offset overflows.)"""
    try:
        return _EARLIEST <= value.astimezone(UTC) < _LATEST
    except OverflowError:
        return False


NodeId = Annotated[str, StringConstraints(max_length=200), AfterValidator(_check_node_id)]
Ident = Annotated[str, StringConstraints(pattern=_IDENT)]
Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_check_zone)]
# Instants come as strings on the wire; strict mode would refuse them, so these fields are lax.
Instant = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_rfc3339), AfterValidator(_check_instant)]
Version = Annotated[int, Field(ge=1, le=MAX_SAFE_INT)]
Count = Annotated[int, Field(ge=0, le=100_000)]
Text = Annotated[str, StringConstraints(max_length=200)]
Url = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://\S+$")]
ResourceKind = Literal["desk", "meeting_room", "phone_booth", "event_space"]
Base64Url = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$", max_length=200)]


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo of a validated zone name."""
    return ZoneInfo(name)


def offset_matches_zone(instant: datetime, tz: str) -> bool:
    """True when the instant's written offset is the zone's offset at that instant."""
    return instant.utcoffset() == instant.astimezone(ZoneInfo(tz)).utcoffset()


class ObjectRef(WireModel):
    """Names a federated object by its origin and id."""

    origin: NodeId
    id: Ident


class FederatedObject(WireModel):
    """Every federated object has a type, an origin (its only writer), an id and a version."""

    type: str
    origin: NodeId
    id: Ident
    version: Version

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.type, self.origin, self.id)
