"""`gemella resource|slot|member|reservation|ledger` against running nodes."""

from __future__ import annotations

import asyncio
import json
import re

from click.testing import CliRunner

from node.cli.main import cli as main
from tests.booking.support import days_ahead, eventually, terms, twin_for_booking, wall
from tests.support.cli import run_cli

NY = "America/New_York"


async def gemella(node, *args: str, token: str | None = None) -> tuple[int, str]:
    """Run the CLI in a thread (it blocks on HTTP) against `node`'s local API."""
    return await run_cli(node, *args, token=token)


async def test_cli__operator_shares_a_slot_and_a_member_reserves_and_cancels_it(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 10, "month")))

    code, out = await gemella(
        nyc,
        "resource",
        "add",
        "--kind",
        "desk",
        "--name",
        "Hot desks",
        "--capacity",
        "6",
        "--id",
        "hot",
        "--hours",
        "mon=08:00-20:00",
        "--hours",
        "tue=08:00-20:00",
    )
    assert code == 0 and "Added desk 'Hot desks' (6 seats) as hot at http://127.0.0.1:" in out
    code, out = await gemella(nyc, "resource", "list")
    assert "hot" in out and "Hot desks" in out
    day = days_ahead(NY, 7)
    day = day if day.weekday() in (0, 1) else days_ahead(NY, 7 + (7 - day.weekday()) % 7)
    code, out = await gemella(
        nyc,
        "--json",
        "slot",
        "offer",
        "hot",
        "--twin",
        london.url,
        "--from",
        wall(day, 9),
        "--to",
        wall(day, 17),
        "--seats",
        "3",
    )
    assert code == 0
    slot = json.loads(out)
    code, out = await gemella(nyc, "slot", "list")
    assert slot["id"] in out and "3/3 left" in out

    code, out = await gemella(london, "--json", "member", "add", "--name", "Ada", "--email", "ada@example.org")
    ada = json.loads(out)
    code, out = await gemella(london, "member", "list")
    assert "Ada <ada@example.org>" in out

    async def offered() -> str:
        return (await gemella(london, "slot", "list", "--twin", nyc.url, token=ada["token"]))[1]

    await eventually(offered, lambda text: slot["id"] in text and "3/3 left" in text)
    code, out = await gemella(london, "reservation", "make", "--slot", slot["id"], "--seats", "2", token=ada["token"])
    assert code == 0 and "confirmed: 2 seats" in out and "2 days" in out
    rid = re.search(r"Reservation (\S+) confirmed", out).group(1)  # type: ignore[union-attr]
    code, out = await gemella(london, "reservation", "list", token=ada["token"])
    assert rid in out and "confirmed" in out
    code, out = await gemella(london, "ledger", "--period", day.strftime("%Y-%m"))
    assert re.search(r"taken\s+desk\s+2 days of 10 per month", out)
    code, out = await gemella(nyc, "ledger", "--period", day.strftime("%Y-%m"))
    assert re.search(r"given\s+desk\s+2 days of 10 per month", out)
    code, out = await gemella(london, "reservation", "cancel", rid, token=ada["token"])
    assert code == 0 and f"Reservation {rid} cancelled" in out

    code, out = await gemella(nyc, "slot", "withdraw", slot["id"])
    assert code == 0 and "told nobody" in out
    runner = CliRunner()
    refused = await asyncio.to_thread(
        runner.invoke, main, ["--node", london.local, "--token", ada["token"], "member", "list"]
    )
    assert refused.exit_code != 0 and "only the operator may do this" in refused.output
    code, out = await gemella(london, "member", "remove", ada["id"])
    assert "personal data and tokens deleted" in out


async def test_cli__standing_offers_are_made_listed_and_withdrawn_in_sentences(nodes):
    from datetime import timedelta

    from tests.booking.support import add_resource, today_in

    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 10, "month")))
    await add_resource(nyc, "desk", 3, name="Hot desks", id="hot")
    start = today_in(NY) + timedelta(days=3)
    end = start + timedelta(days=20)
    skip = start + timedelta(days=7)
    code, out = await gemella(
        nyc, "offers", "add", "hot", "--twin", "London", "--seats", "2", "--start", str(start), "--end", str(end),
        "--except", str(skip),
    )  # fmt: skip
    assert code == 0 and out.startswith("Offered 2 seat(s) of hot for ") and f"not on {skip}" in out, out
    offer_id = re.search(r" as ([0-9a-f-]{36})\.", out).group(1)  # type: ignore[union-attr]
    code, out = await gemella(nyc, "offers", "list")
    assert code == 0 and offer_id in out and "active" in out and "MO,TU,WE,TH,FR 09:00-18:00" in out
    # Bad input is a sentence, not a traceback; nothing is stored.
    code, out = await gemella(nyc, "offers", "add", "hot", "--twin", "London", "--seats", "2", "--start", str(start),
                              "--days", "XX")  # fmt: skip
    assert code != 0 and "two-letter weekdays" in out and "Traceback" not in out
    code, out = await gemella(
        nyc, "offers", "add", "hot", "--twin", "London", "--seats", "2", "--start", str(start), "--end", str(end)
    )
    assert code != 0 and "holds 3" in out and "Traceback" not in out, out
    code, out = await gemella(nyc, "offers", "withdraw", offer_id, "--from", str(start))
    assert code == 0 and f"Withdrew {offer_id} from {start} on" in out
    code, out = await gemella(nyc, "offers", "withdraw", "no-such-offer")
    assert code != 0 and "no standing offer" in out and "Traceback" not in out


async def test_cli__a_member_joins_a_waitlist_and_confirms_the_seat_offered(nodes):
    from tests.booking.support import add_member, add_resource, new_id, offer, reserve, wait_remaining

    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 10, "month")))
    desk = await add_resource(nyc, "desk", 3)
    day = days_ahead(NY, 8)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 1)
    ada, ben = await add_member(london, "Ada"), await add_member(london, "Ben")
    await wait_remaining(london, nyc, slot["id"], ada, 1)
    first = new_id()
    await reserve(london, ada, first, slot_id=slot["id"])
    rid = new_id()
    joining = ("reservation", "make", rid, "--slot", slot["id"], "--waitlist")
    code, out = await gemella(london, *joining, token=ben["token"])
    assert code == 0 and "is on the waitlist" in out and "number 1 in line" in out, out
    code, out = await gemella(london, "reservation", "confirm", rid, token=ben["token"])
    assert code != 0 and "no seats offered" in out and "Traceback" not in out, out
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])

    async def status() -> str:
        return (await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ben["token"]))["status"]

    await eventually(status, "offered")
    code, out = await gemella(london, "reservation", "confirm", rid, token=ben["token"])
    assert code == 0 and f"Reservation {rid} confirmed" in out, out
