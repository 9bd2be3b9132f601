"""Monthly exchange statistics for open data, computed from the signed receipts.

Per month and per twin: desk-days and room-hours given (our receipts as host) and taken (the
twin's receipts for our members), confirmed reservations each way, the visits among them the
host's front desk checked in (what the city sees happen, not only what was booked), and the
twin's events we re-host; the same summed per pair of countries. Any figure from 1 to 4 is
published as empty (`None`), so that no person can be singled out by a small count; 0 and 5
or more are shown as they are. Desk-days and room-hours are empty when the reservations they
sum number 1 to 4 (a large sum of a few people's reservations tells how much each used). A sum
over twins (a pair of countries) is empty when any of its parts is, and attended visits are
empty when the reservations not attended number 1 to 4, so no small figure can be found by
subtraction.

Each month carries a digest over the confirmed receipts its figures were computed from: the
SHA-256 of their sorted hashes (each the SHA-256 of the receipt envelope's RFC 8785 canonical
JSON). Each twin and side (given, taken) has its own digest too, so a twin holding the same
receipts checks its part; the hashes of a part are listed only when it has 5 or more, since
their number is the part's count of reservations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from node.booking import Booking, month_of
from node.clock import parse_iso
from node.core import Node
from node.events import EventService
from protocol.canonical import canonical_json

from .store import StatsRepository

_KEPT: WeakKeyDictionary[Node, tuple[tuple[Any, ...], list[Month]]] = WeakKeyDictionary()
SUPPRESS_BELOW = 5  # figures 1..SUPPRESS_BELOW-1 are never published
UNKNOWN_COUNTRY = "ZZ"  # ISO 3166 user-assigned code: a twin whose public profile names no country
FIGURES = (
    "desk_days_given",
    "room_hours_given",
    "reservations_given",
    "desk_days_taken",
    "room_hours_taken",
    "reservations_taken",
    "events_rehosted_here",  # the twin's events we re-host
    "events_rehosted_there",  # ours the twin re-hosts
    "visits_attended_given",  # confirmed reservations the host checked in
    "visits_attended_taken",
)
# (kind, unit) of a receipt -> the figure its units add to
_UNITS = {("desk", "day"): "desk_days", ("meeting_room", "hour"): "room_hours"}


def suppress(value: int) -> int | None:
    """The figure as published: None when it is small enough to point at a person."""
    return None if 0 < value < SUPPRESS_BELOW else value


def receipt_hash(envelope: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(envelope)).hexdigest()


def digest_of(hashes: Iterable[str]) -> str:
    return "sha256:" + hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()


@dataclass
class Month:
    """One month's raw figures (before suppression) and the receipts behind them."""

    month: str
    twins: dict[str, dict[str, int]] = field(default_factory=dict)
    receipts: list[dict[str, str]] = field(default_factory=list)  # {hash, twin, side}: confirmed only

    def add(self, twin: str, figure: str, amount: int) -> None:
        self.twins.setdefault(twin, dict.fromkeys(FIGURES, 0))[figure] += amount

    def hashes(self, twin: str, side: str) -> list[str]:
        return sorted(r["hash"] for r in self.receipts if r["twin"] == twin and r["side"] == side)

    @property
    def digest(self) -> str:
        return digest_of(r["hash"] for r in self.receipts)


async def months(node: Node, booking: Booking, events: EventService) -> list[Month]:
    """Every month with a receipt or a re-hosted event of a twin, oldest first.

    Anyone may ask for the open data as often as they like, and every receipt is hashed to
    compute it: it is computed again only when a reservation, the public events or the day change."""
    version = (await _receipts_version(node), *await events.repo.get_calendar_version())
    version += (node.clock.now().date().isoformat(),)
    kept = _KEPT.get(node)
    if kept is not None and kept[0] == version:
        return kept[1]
    computed = await _compute(node, booking)
    _KEPT[node] = (version, computed)
    return computed


async def _receipts_version(node: Node) -> tuple[Any, ...]:
    return await StatsRepository(node.store.db).get_receipts_version()


async def _compute(node: Node, booking: Booking) -> list[Month]:
    ledger = booking.ledger
    hosted_repo, home_repo = ledger.hosted, ledger.home
    found: dict[str, Month] = {}
    for name in sorted(set(await hosted_repo.list_months()) | set(await home_repo.list_months())):
        month = found[name] = Month(name)
        for h in await hosted_repo.list_for_month(name):
            _count(month, h.home, "given", h.status, h.kind, h.unit, h.units, h.receipt)
            _attended(month, h.home, "given", h.status, h.attendance)
        for r in await home_repo.list_for_month(name):
            if r.receipt is not None:
                _count(month, r.host, "taken", r.status, r.kind or "", r.unit or "", r.units or 0, r.receipt)
                _attended(month, r.host, "taken", r.status, r.attendance)
    await _rehosted(node, found)
    return [found[name] for name in sorted(found)]


def _count(
    month: Month, twin: str, side: str, status: str, kind: str, unit: str, units: int, receipt: dict[str, Any]
) -> None:
    month.add(twin, f"reservations_{side}", 0)  # the twin has a row even when nothing was confirmed
    if status != "confirmed":
        return
    month.receipts.append({"hash": receipt_hash(receipt), "twin": twin, "side": side})
    month.add(twin, f"reservations_{side}", 1)
    figure = _UNITS.get((kind, unit))
    if figure is not None:
        month.add(twin, f"{figure}_{side}", units)


def _attended(month: Month, twin: str, side: str, status: str, attendance: str | None) -> None:
    """A confirmed reservation the host's front desk checked in (the home learns it from the
    host's newest receipt)."""
    if status == "confirmed" and attendance == "checked_in":
        month.add(twin, f"visits_attended_{side}", 1)


def shown(figures: dict[str, int]) -> dict[str, int | None]:
    """One twin's figures as published: small ones empty; attended visits empty too when the
    rest of the reservations (not attended) is small, since it could be found by subtraction;
    and desk-days and room-hours empty when the reservations they sum are few (1 to 4): three
    reservations of two seats are six desk-days, which tell how much one or two people used."""
    out = {key: suppress(value) for key, value in figures.items()}
    for side in ("given", "taken"):
        missed = figures[f"reservations_{side}"] - figures[f"visits_attended_{side}"]
        if suppress(missed) is None:
            out[f"visits_attended_{side}"] = None
        if suppress(figures[f"reservations_{side}"]) is None:
            out[f"desk_days_{side}"] = out[f"room_hours_{side}"] = None
    return out


async def _rehosted(node: Node, found: dict[str, Month]) -> None:
    """Events re-hosted across a twinning, by the month (our zone) the copy starts in: the twin's
    events we re-host, and ours the twin re-hosts (its copies reach us as its events)."""
    for copy in await StatsRepository(node.store.db).list_rehosted(node.id):
        here = copy.origin == node.id
        twin, figure = (copy.source_origin, "events_rehosted_here") if here else (copy.origin, "events_rehosted_there")
        name = month_of(parse_iso(copy.starts_at), node.settings.node.timezone)
        found.setdefault(name, Month(name)).add(twin, figure, 1)


def published(month: Month, countries: dict[str, str], ours: str, names: dict[str, str]) -> dict[str, Any]:
    """The month as the open data shows it: suppressed figures, per twin and per country pair."""
    pairs: dict[tuple[str, str], dict[str, int | None]] = {}
    for twin, figures in month.twins.items():
        pair = pairs.setdefault((ours, countries.get(twin) or UNKNOWN_COUNTRY), dict.fromkeys(FIGURES, 0))
        for key, value in shown(figures).items():
            total = pair[key]
            pair[key] = None if total is None or value is None else total + value
    return {
        "month": month.month,
        "digest": month.digest,
        "twins": [
            {
                "twin": twin,
                "name": names.get(twin, twin),
                "country": countries.get(twin) or UNKNOWN_COUNTRY,
                **shown(figures),
                **{f"digest_{side}": digest_of(month.hashes(twin, side)) for side in ("given", "taken")},
            }
            for twin, figures in sorted(month.twins.items())
        ],
        "country_pairs": [
            {
                "country": here,
                "twin_country": there,
                **{k: suppress(v) if v is not None else None for k, v in f.items()},
            }
            for (here, there), f in sorted(pairs.items())
        ],
    }


def receipts_file(month: Month, node_id: str) -> dict[str, Any]:
    """The month's digest, and per twin and side its digest and (from SUPPRESS_BELOW receipts) its hashes."""
    parts = []
    for twin, side in sorted({(r["twin"], r["side"]) for r in month.receipts}):
        hashes = month.hashes(twin, side)
        shown = suppress(len(hashes)) is not None
        parts.append({"twin": twin, "side": side, "digest": digest_of(hashes), "hashes": hashes if shown else None})
    return {
        "publisher": node_id,
        "month": month.month,
        "algorithm": "each hash: sha256 of a confirmed receipt envelope's RFC 8785 canonical JSON, in hex; "
        "a digest: 'sha256:' and the sha256 of the sorted hashes joined by line feeds",
        "digest": month.digest,
        "parts": parts,
    }
