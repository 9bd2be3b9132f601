"""The host's own part of a reservation abroad, apart from HTTP and from the load of a shared
machine: a host and a home node in this process (real SQLite, real signatures, twinned through
their APIs), reservation requests signed at the home, then opened and decided at the host one
after another, each step's thread CPU time per request:

- `open`: the request opened and checked (`HostDesk._asked`: its envelope, its Ed25519
  signature, the member pass), on the event loop's thread;
- `decide`: the decision in its transaction (`HostDesk._decide` between BEGIN IMMEDIATE and
  COMMIT, the signed receipt stored), on the writer's connection.

Beside them, the machine's limit for the decision's unavoidable work, in the same run on the
same connection: a bare transaction inserting one row of the receipt's size, plus one Ed25519
signature of the receipt's canonical bytes.

    python bench/host_decision.py [--requests 500] [--repeats 3] [--slots 20]

Requests spread over `slots` slots (the seats a decision counts grow with each slot's
reservations). Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit, machine, median, progress
from node.booking.home_waitlist import signed_request
from node.booking.hosted_store import HostedInTransaction
from node.booking.reservation_store import HomeReservation
from node.logs import configure_logging
from node.store.db import _in_transaction
from protocol.canonical import canonical_json
from protocol.json_text import loads
from tests.support.nodes import InProcessNode, twin

QUIET = {"log": {"level": "warning"}, "delivery": {"pull_interval_seconds": 3600.0}}
TERMS = {"allowances": [], "rules": {"book_ahead_days": 730, "min_notice_hours": 0, "max_seats_per_reservation": 10}}


async def setup(root: Path, slots: int) -> tuple[InProcessNode, InProcessNode, list[str], Any]:
    host = await InProcessNode.create(root, "Host", "America/New_York", config=QUIET)
    home = await InProcessNode.create(root, "Home", "Europe/London", config=QUIET)
    await twin(host, home, offer=TERMS, request=TERMS)
    ids = []
    for index in range(slots):
        resource = await host.api.ok(
            "POST", "/api/v1/resources", {"kind": "desk", "name": f"D{index}", "capacity": 10_000}
        )
        day = (date.today() + timedelta(days=20 + index)).isoformat()
        body = {"resource_id": resource["id"], "twin_id": home.url, "seats": 10_000}
        body |= {"starts_at": f"{day}T09:00", "ends_at": f"{day}T17:00"}
        ids.append((await host.api.ok("POST", "/api/v1/slots", body))["id"])
    added = await home.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    return host, home, ids, await home.node.booking.members.get(added["id"])


def requests(host: InProcessNode, home: InProcessNode, slots: Any, member: Any, count: int) -> list[tuple[str, Any]]:
    """Requests as the host receives them: signed at the home, then through JSON."""
    made = []
    for _ in range(count):
        reservation = HomeReservation.pending(
            str(uuid.uuid4()), member.id, host.node.id, "slot", next(slots), 1, "2026-01-01T00:00:00Z"
        )
        made.append(
            (
                reservation.id,
                loads(host.node.to_json(signed_request(home.node, home.node.booking.members, reservation, member))),
            )
        )
    return made


async def one_round(host: InProcessNode, home: InProcessNode, slots: Any, member: Any, count: int) -> dict[str, float]:
    desk, peer, db = host.node.booking.host, home.node.id, host.node.store.db
    batch = requests(host, home, slots, member, count)
    started = time.thread_time()
    asked = [await desk._asked(peer, rid, raw) for rid, raw in batch]
    opened = time.thread_time() - started
    receipt = canonical_json(loads(host.node.to_json(asked[0].request.to_wire())), floats=False)
    row = "x" * 1500  # about a stored receipt's size

    def decide_all() -> tuple[float, float]:
        conn = db._writer._conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS bare (id TEXT PRIMARY KEY, body TEXT)")
        began = time.thread_time()
        for one in asked:
            _in_transaction(lambda: conn, lambda c, one=one: desk._decide(HostedInTransaction(c), one))
        decided = time.thread_time() - began
        began = time.thread_time()
        for _ in asked:
            host.node.keys.current.sign(receipt)
            _in_transaction(
                lambda: conn, lambda c: c.execute("INSERT INTO bare VALUES (?, ?)", (str(uuid.uuid4()), row))
            )
        return decided, time.thread_time() - began

    async with db._lock:
        decided, bare = await db._writer._execute(decide_all)
    return {"open_us": 1e6 * opened / count, "decide_us": 1e6 * decided / count, "bare_us": 1e6 * bare / count}


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")
    with tempfile.TemporaryDirectory(prefix="gemella-bench-") as tmp:
        host, home, ids, member = await setup(Path(tmp), args.slots)
        slots = itertools.cycle(ids)
        try:
            await one_round(host, home, slots, member, 50)  # warm up
            rounds = []
            for index in range(1, args.repeats + 1):
                progress(f"round {index}/{args.repeats}: {args.requests} requests")
                rounds.append(await one_round(host, home, slots, member, args.requests))
        finally:
            await home.stop()
            await host.stop()
            await home.close_session()
            await host.close_session()
    figures = {key: round(median([r[key] for r in rounds]), 1) for key in ("open_us", "decide_us", "bare_us")}
    emit(
        {
            "benchmark": "host_decision",
            "machine": machine(),
            "requests_per_round": args.requests,
            "slots": args.slots,
            "reservations_per_slot_at_end": (50 + args.requests * args.repeats) // args.slots,
            "open_cpu_us_per_request": figures["open_us"],
            "decide_cpu_us_per_request": figures["decide_us"],
            "bare_insert_and_sign_cpu_us": figures["bare_us"],
            "decide_ratio_to_bare": round(figures["decide_us"] / figures["bare_us"], 2),
            "decide_per_round_us": [round(r["decide_us"], 1) for r in rounds],
            "ratio_method": "median thread CPU per request of the decision / of a bare one-row insert "
            "transaction and one Ed25519 signature, same connection, same run",
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slots", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
