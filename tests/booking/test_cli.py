"""`gemella resource|slot|member|reservation|ledger` against running nodes."""

from __future__ import annotations

import asyncio
import json
import re

from click.testing import CliRunner

from node.cli.main import cli as main
from tests.booking.support import days_ahead, eventually, terms, twin_for_booking, wall

NY = "America/New_York"


async def gemella(node, *args: str, token: str | None = None) -> tuple[int, str]:
    """Run the CLI in a thread (it blocks on HTTP) against `node`'s local API."""
    runner = CliRunner()
    argv = ["--node", node.local, "--token", token or node.token, *args]
    result = await asyncio.to_thread(runner.invoke, main, argv, catch_exceptions=False)
    return result.exit_code, result.output


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
