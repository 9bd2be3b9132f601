"""The home's bookkeeping decisions (node/booking/reservation_store.py) on a real SQLite file."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from node.booking.reservation_store import HomeInTransaction, HomeRepository, HomeReservation, ReceiptFacts
from node.store.db import Database

RECEIPT = {"object": {"type": "ReservationReceipt", "version": 2}, "signature": {"kid": "k1", "sig": "c2ln"}}


def facts(version: int) -> ReceiptFacts:
    receipt = {**RECEIPT, "object": {**RECEIPT["object"], "version": version}}
    return ReceiptFacts(
        "confirmed", "desk", "day", 1, "2027-01", "2027-01-04T14:00:00Z", "2027-01-04T22:00:00Z",
        "America/New_York", version, json.dumps(receipt),
    )  # fmt: skip


async def test_store_receipt__the_reservation_answered_is_the_row_as_stored(tmp_path: Path) -> None:
    db = Database(tmp_path / "node.db")
    await db.open()
    try:
        await db.decide(
            lambda conn: conn.execute(
                "INSERT INTO members (id, display_name, email, calendar_hash, created_at) "
                "VALUES ('m1', 'Ada', 'ada@example.org', x'00', '2026-12-01T00:00:00Z')"
            )
        )
        repo = HomeRepository(db)
        pending = HomeReservation.pending(
            str(uuid.uuid4()), "m1", "https://host.example", "slot", "s1", 2, "2026-12-05T10:00:00Z"
        )
        await db.decide_on_loop(lambda conn: HomeInTransaction(conn).insert(pending))
        newer = facts(2)
        kept = await db.decide_on_loop(
            lambda conn: HomeInTransaction(conn).store_receipt(
                pending, newer, "2026-12-05T10:00:01Z", json.loads(newer.envelope_json)
            )
        )
        assert kept == await repo.get(pending.id)
        assert (kept.status, kept.version, kept.next_try, kept.receipt) == (
            "confirmed",
            2,
            None,
            json.loads(newer.envelope_json),
        )
        older = facts(1)  # a late older version changes nothing: the answer is the newer row
        again = await db.decide_on_loop(
            lambda conn: HomeInTransaction(conn).store_receipt(pending, older, "2026-12-05T10:00:02Z", {})
        )
        assert again == kept
    finally:
        await db.close()
