"""The monthly exchange statistics equal what the receipts in both spaces' ledgers say, never
show a figure from 1 to 4, and their digests change when a receipt does."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from protocol.canonical import canonical_json
from tests.public.support import TERMS, city
from tests.support.nodes import eventually, twin

FIGURES = ("desk_days_given", "reservations_given", "desk_days_taken", "reservations_taken")


async def fetch(node: Any, path: str) -> str:
    async with node.api.session.get(node.local + path) as resp:
        assert resp.status == 200, path
        return await resp.text()


def independent(receipts: list[dict[str, Any]]) -> tuple[int, int, set[str]]:
    """(desk-days, reservations, receipt hashes) of confirmed desk receipts, counted here from the envelopes."""
    confirmed = [r for r in receipts if r["object"]["status"] == "confirmed"]
    days = sum(r["object"]["units"] for r in confirmed if (r["object"]["kind"], r["object"]["unit"]) == ("desk", "day"))
    hashes = {hashlib.sha256(canonical_json(r)).hexdigest() for r in confirmed}
    return days, len(confirmed), hashes


def digest(hashes: set[str]) -> str:
    return "sha256:" + hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()


def small_figures(document: Any) -> list[Any]:
    """Every integer from 1 to 4 anywhere in a JSON document, and lists of 1 to 4 hashes."""
    found, stack = [], [document]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and 1 <= item <= 4:
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            if item and all(isinstance(h, str) and len(h) == 64 for h in item) and len(item) < 5:
                found.append(item)
            stack.extend(item)
    return found


async def test_stats__figures_match_both_ledgers_and_small_counts_never_appear(nodes: Any) -> None:
    town = await city(nodes)  # Milan hosts 6 from Madrid and 2 from Lisbon; Madrid hosts 5 from Milan
    milan, madrid = town.milan, town.madrid
    published = json.loads(await fetch(milan, "/open-data/exchanges.json"))
    [month] = published["months"]
    rows = {row["twin"]: row for row in month["twins"]}

    # Milan's figures for Madrid, against the receipts Madrid holds (its own ledger, its own copies).
    at_madrid = await madrid.api.ok("GET", f"/api/v1/ledger?twin={milan.url}&period={month['month']}&receipts=1")
    [entry] = at_madrid["twins"]
    taken_days, taken_count, taken_hashes = independent(entry["receipts"]["taken"])  # Madrid's members at Milan
    given_days, given_count, given_hashes = independent(entry["receipts"]["given"])  # Milan's members at Madrid
    assert (taken_days, taken_count, given_days, given_count) == (6, 6, 5, 5)
    madrid_row = rows[madrid.url]
    assert (madrid_row["desk_days_given"], madrid_row["reservations_given"]) == (taken_days, taken_count)
    assert (madrid_row["desk_days_taken"], madrid_row["reservations_taken"]) == (given_days, given_count)
    assert madrid_row["digest_given"] == digest(taken_hashes) and madrid_row["digest_taken"] == digest(given_hashes)
    assert madrid_row["country"] == "ES"

    # ... and Madrid's own figures for Milan, against Milan's ledger.
    at_milan = await milan.api.ok("GET", f"/api/v1/ledger?twin={madrid.url}&period={month['month']}&receipts=1")
    milan_given = independent(at_milan["twins"][0]["receipts"]["given"])
    theirs = json.loads(await fetch(madrid, "/open-data/exchanges.json"))["months"][0]["twins"][0]
    assert (theirs["desk_days_taken"], theirs["reservations_taken"]) == milan_given[:2]
    assert theirs["digest_taken"] == digest(milan_given[2]) == madrid_row["digest_given"]

    # Lisbon's two guests are left out everywhere, including the sum for Portugal.
    lisbon_row = rows[town.lisbon.url]
    assert lisbon_row["desk_days_given"] is None and lisbon_row["reservations_given"] is None
    portugal = next(p for p in month["country_pairs"] if p["twin_country"] == "PT")
    assert portugal["reservations_given"] is None and portugal["country"] == "IT"

    # The month's digest covers every confirmed receipt; the receipts file lists the hashes of large parts only.
    receipts = json.loads(await fetch(milan, f"/open-data/receipts-{month['month']}.json"))
    parts = {(p["twin"], p["side"]): p for p in receipts["parts"]}
    assert set(parts[(madrid.url, "given")]["hashes"]) == taken_hashes
    assert parts[(town.lisbon.url, "given")]["hashes"] is None
    everything = taken_hashes | given_hashes | await _lisbon_hashes(town, month["month"])
    assert receipts["digest"] == month["digest"] == digest(everything)

    for node in (milan, madrid, town.lisbon):
        for path in ("/open-data/exchanges.json", f"/open-data/receipts-{month['month']}.json"):
            assert small_figures(json.loads(await fetch(node, path))) == [], f"{node.name} {path}"
        for row in csv.DictReader(io.StringIO(await fetch(node, "/open-data/exchanges.csv"))):
            assert not [k for k, v in row.items() if v.isdigit() and 1 <= int(v) <= 4], row


async def _lisbon_hashes(town: Any, month: str) -> set[str]:
    at_lisbon = await town.lisbon.api.ok("GET", f"/api/v1/ledger?twin={town.milan.url}&period={month}&receipts=1")
    return independent(at_lisbon["twins"][0]["receipts"]["taken"])[2]


async def test_stats__the_digest_changes_when_any_receipt_changes(nodes: Any) -> None:
    town = await city(nodes, madrid_guests=5, lisbon_guests=0, milan_guests=0)
    milan = town.milan
    before = json.loads(await fetch(milan, "/open-data/exchanges.json"))["months"][0]
    db = milan.node.store.db
    rows = await db.fetch_all("SELECT id, receipt FROM hosted_reservations ORDER BY id")
    seen = Counter[str]()
    for row in rows:  # alter each receipt in turn (one character of what it signs), then put it back
        receipt = json.loads(row["receipt"])
        signed = receipt["object"]["request_hash"]
        receipt["object"]["request_hash"] = ("A" if signed[0] != "A" else "B") + signed[1:]
        await _set(milan, row["id"], json.dumps(receipt))
        after = json.loads(await fetch(milan, "/open-data/exchanges.json"))["months"][0]
        seen[after["digest"]] += 1
        assert after["digest"] != before["digest"]
        assert after["twins"][0]["digest_given"] != before["twins"][0]["digest_given"]
        await _set(milan, row["id"], row["receipt"])
    assert len(seen) == len(rows) == 5  # each change gives its own digest
    restored = json.loads(await fetch(milan, "/open-data/exchanges.json"))["months"][0]
    assert restored["digest"] == before["digest"]


_STAMPS = itertools.count(1)


async def _set(node: Any, reservation_id: str, receipt: str) -> None:
    """Replace a stored receipt, as storing a receipt does (it moves `updated_at`)."""
    at = f"2099-01-01T00:00:00.{next(_STAMPS):06d}Z"
    async with node.node.store.db.transaction() as tx:
        await tx.execute(
            "UPDATE hosted_reservations SET receipt = ?, updated_at = ? WHERE id = ?", (receipt, at, reservation_id)
        )


async def test_stats__twins_events_rehosted_here_are_counted_and_their_pages_say_so(nodes: Any) -> None:
    town = await city(nodes, madrid_guests=0, lisbon_guests=0, milan_guests=0)
    milan, madrid = town.milan, town.madrid
    day = (await milan.api.ok("GET", f"/api/v1/events/{town.public_event['id']}"))["starts_at"][:10]
    talks = []
    for number in range(5):
        body = {"title": f"Madrid talk {number}", "starts_at": f"{day}T12:00", "ends_at": f"{day}T13:00"}
        talks.append(await madrid.api.ok("POST", "/api/v1/events", body))

    async def arrived() -> int:
        return len(await milan.node.store.objects.list("Event", origin=madrid.url, limit=100))

    await eventually(arrived, 5)
    copies = [await milan.api.ok("POST", f"/api/v1/events/{t['id']}/export", {"room": "Sala Tram"}) for t in talks]
    [month] = json.loads(await fetch(milan, "/open-data/exchanges.json"))["months"]
    [row] = [t for t in month["twins"] if t["twin"] == madrid.url]
    assert row["events_rehosted_here"] == 5

    async def counted_at_madrid() -> Any:  # Milan's copies reach Madrid as Milan's events
        [theirs] = json.loads(await fetch(madrid, "/open-data/exchanges.json"))["months"][0]["twins"]
        return theirs["twin"], theirs["events_rehosted_there"]

    await eventually(counted_at_madrid, (milan.url, 5))
    page = await fetch(milan, f"/events/{copies[0]['id']}")
    assert "Re-hosted here from Espacio Madrid." in page and f'href="{madrid.url}/space"' in page
    await milan.api.ok("DELETE", f"/api/v1/events/{copies[0]['id']}")  # four left: too few to publish
    [month] = json.loads(await fetch(milan, "/open-data/exchanges.json"))["months"]
    assert [t["events_rehosted_here"] for t in month["twins"] if t["twin"] == madrid.url] == [None]


async def test_stats__attended_visits_are_those_the_front_desk_checked_in_never_found_by_subtraction(
    nodes: Any,
) -> None:
    town = await city(nodes, madrid_guests=6, lisbon_guests=0, milan_guests=0)
    milan, madrid = town.milan, town.madrid
    day = (datetime.now(ZoneInfo("Europe/Rome")) + timedelta(days=2)).replace(hour=10, minute=0, second=0)
    for node in (milan, madrid):  # to the morning of the visits (signatures need both clocks to agree)
        node.clock.offset_seconds = (day - datetime.now(UTC)).total_seconds()

    async def attended(node: Any, side: str) -> Any:
        [month] = json.loads(await fetch(node, "/open-data/exchanges.json"))["months"]
        [row] = month["twins"]
        return row["reservations_" + side], row["visits_attended_" + side]

    assert await attended(milan, "given") == (6, 0)
    for reservation in town.reservations[:5]:
        await milan.api.ok("POST", f"/api/v1/guests/{reservation}/check-in")
    # Five of six came: "5" would tell that one person did not, so the figure stays empty.
    assert await attended(milan, "given") == (6, None)
    await milan.api.ok("POST", f"/api/v1/guests/{town.reservations[5]}/check-in")
    assert await attended(milan, "given") == (6, 6)
    await eventually(lambda: attended(madrid, "taken"), (6, 6))  # the home learns it from the receipts
    csv_rows = list(csv.DictReader(io.StringIO(await fetch(milan, "/open-data/exchanges.csv"))))
    assert {row["visits_attended_given"] for row in csv_rows} == {"6"}


async def test_stats__days_and_hours_of_a_few_reservations_are_not_published(nodes: Any) -> None:
    """One member's three reservations of two seats are six desk-days: a figure over 4, but it
    tells how much one person used, so it is empty as their count of reservations is."""
    milan = await nodes("Spazio Milano", "Europe/Rome")
    lisbon = await nodes("Lisboa Cowork", "Europe/Lisbon")
    await twin(milan, lisbon, offer=TERMS, request=TERMS)
    resource = await milan.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Open desks", "capacity": 40})
    day = datetime.now(ZoneInfo("Europe/Rome")).date() + timedelta(days=2)
    offered = {"resource_id": resource["id"], "twin_id": lisbon.url, "seats": 30, "starts_at": f"{day}T09:00"}
    slot = await milan.api.ok("POST", "/api/v1/slots", offered | {"ends_at": f"{day}T18:00"})
    await eventually(lambda: lisbon.node.store.objects.get("Slot", milan.url, slot["id"]), lambda s: s is not None)
    person = await lisbon.api.ok("POST", "/api/v1/members", {"display_name": "Ana", "email": "ana@example.org"})
    for _ in range(3):
        wanted = {"slot_id": slot["id"], "twin_id": milan.url, "seats": 2}
        await lisbon.api.ok("PUT", f"/api/v1/reservations/{uuid.uuid4()}", wanted, token=person["token"])
    for node, side in ((milan, "given"), (lisbon, "taken")):
        [month] = json.loads(await fetch(node, "/open-data/exchanges.json"))["months"]
        [row] = month["twins"]
        assert row[f"reservations_{side}"] is None and row[f"desk_days_{side}"] is None, row
        [pair] = month["country_pairs"]
        assert pair[f"desk_days_{side}"] is None, pair
