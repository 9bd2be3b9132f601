"""Their data is theirs: export, and erasure that reaches the hosts (checked in the SQLite files' bytes)."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from node.mail.sink import MailSink
from tests.support.mail import mail_config, wait_for_mail
from tests.support.nodes import InProcessNode, eventually, twin
from tests.support.postgres import on_postgresql
from tests.web.support import LONDON_ZONE, NYC_ZONE, TERMS

NAME, EMAIL = "Zelda Quintessa", "zelda.quintessa@example.org"


async def setup(
    nodes: Any, sink: MailSink, home: dict[str, Any] | None = None, **nyc_config: Any
) -> tuple[InProcessNode, InProcessNode, dict, dict]:
    nyc = await nodes("WeCreate NYC", NYC_ZONE, config=nyc_config)
    london = await nodes("TheCube London", LONDON_ZONE, config=mail_config(sink.port) | (home or {}))
    await twin(nyc, london, offer=TERMS, request=TERMS)
    resource = await nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Hot desks", "capacity": 10})
    day = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=2)
    body = {
        "resource_id": resource["id"],
        "twin_id": london.url,
        "starts_at": f"{day}T09:00",
        "ends_at": f"{day}T18:00",
    }
    slot = await nyc.api.ok("POST", "/api/v1/slots", {**body, "seats": 4})
    member = await london.api.ok("POST", "/api/v1/members", {"display_name": NAME, "email": EMAIL})
    await eventually(lambda: london.node.store.objects.get("Slot", nyc.url, slot["id"]), lambda f: f is not None)
    reserve = {"slot_id": slot["id"], "twin_id": nyc.url, "seats": 1}
    status, reservation = await london.api.call(
        "PUT", f"/api/v1/reservations/{uuid.uuid4()}", reserve, token=member["token"]
    )
    assert status == 201, reservation
    await wait_for_mail(sink, EMAIL)
    return nyc, london, member, reservation


def files_hold(directory: Path, *needles: str) -> list[str]:
    """Which of the node's SQLite files (database, -wal, -shm) contain any of `needles` as bytes."""
    found = []
    for path in directory.glob("node.db*"):
        data = path.read_bytes()
        found += [f"{path.name}: {n}" for n in needles if n.encode() in data or n.encode("utf-16-le") in data]
    return found


async def test_export__a_member_downloads_everything_held_about_them(nodes, sink: MailSink):
    _nyc, london, member, reservation = await setup(nodes, sink)
    mine = await london.api.ok("GET", "/api/v1/me/export", token=member["token"])
    assert mine["member"]["email"] == EMAIL and mine["member"]["display_name"] == NAME
    assert [r["id"] for r in mine["reservations"]] == [reservation["id"]]
    assert mine["reservations"][0]["receipt"]["signature"]
    assert next(m["subject"] for m in mine["mails"]).startswith("Confirmed:")
    assert {t["role"] for t in mine["tokens"]} == {"member"} and "hash" not in mine["tokens"][0]
    theirs = await london.api.ok("GET", f"/api/v1/members/{member['id']}/export")
    assert theirs["member"] == mine["member"] and theirs["reservations"] == mine["reservations"]
    status, _ = await london.api.call("GET", f"/api/v1/members/{member['id']}/export", token=member["token"])
    assert status == 403


async def test_erasure__cancels_abroad_and_leaves_the_name_in_no_database_file(nodes, sink: MailSink):
    nyc, london, member, reservation = await setup(nodes, sink)
    assert files_hold(nyc.directory, NAME), "the host should hold the visitor's name before the erasure"
    done = await london.api.ok("DELETE", f"/api/v1/members/{member['id']}", token=member["token"])
    assert done["erased"] is True and done["cancelled"] == [reservation["id"]] and done["hosts"] == [nyc.url]
    hosted = await nyc.node.store.db.fetch_all("SELECT status, display_name, member_id FROM hosted_reservations")
    assert [(r["status"], r["member_id"]) for r in hosted] == [("cancelled", member["id"])]
    await eventually(lambda: _hosted_names(nyc), [""])  # the signed erasure notice reached the host
    await eventually(lambda: _files(nyc.directory), [])
    assert files_hold(london.directory, NAME, EMAIL, "zelda.quintessa") == []
    assert (await london.api.call("GET", "/api/v1/reservations", token=member["token"]))[0] == 401
    assert (await london.api.ok("GET", "/api/v1/members"))["items"] == []
    # The ledger still proves the exchange: the receipts keep the opaque id.
    rows = await london.node.store.db.fetch_all("SELECT member_id, status FROM home_reservations")
    assert [(r["member_id"], r["status"]) for r in rows] == [(member["id"], "cancelled")]


async def test_erasure__another_member_may_not_erase_someone_else(nodes, sink: MailSink):
    _, london, member, _ = await setup(nodes, sink)
    other = await london.api.ok("POST", "/api/v1/members", {"display_name": "Other", "email": "o@example.org"})
    status, body = await london.api.call("DELETE", f"/api/v1/members/{member['id']}", token=other["token"])
    assert status == 403 and body["type"].endswith("/forbidden")
    assert len((await london.api.ok("GET", "/api/v1/members"))["items"]) == 2


async def test_erasure__hosts_forget_visitor_names_days_after_the_visit(nodes, sink: MailSink):
    nyc, _, _, _ = await setup(nodes, sink, people={"visitor_name_days": 3})
    chores = nyc.node.people.chores
    assert await chores.forget_old_visitors() == 0
    # The visit ends at 18:00 New York two days from today (see setup); the clock moves relative to
    # that end, not to now, so the test means the same at any hour it runs.
    visit_end = datetime.combine(
        datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=2), time(18), ZoneInfo(NYC_ZONE)
    )
    nyc.clock.offset_seconds = (visit_end + timedelta(days=2) - datetime.now(UTC)).total_seconds()  # kept
    assert await chores.forget_old_visitors() == 0
    nyc.clock.offset_seconds = (visit_end + timedelta(days=3, hours=1) - datetime.now(UTC)).total_seconds()
    assert await chores.forget_old_visitors() == 1
    assert await _hosted_names(nyc) == [""]
    assert files_hold(nyc.directory, NAME) == []


async def _hosted_names(node: InProcessNode) -> list[str]:
    return [
        r["display_name"] for r in await node.node.store.db.fetch_all("SELECT display_name FROM hosted_reservations")
    ]


async def _files(directory: Path) -> list[str]:
    return files_hold(directory, NAME, EMAIL)


@pytest.mark.browser
async def test_browser__a_member_deletes_their_account_and_the_host_forgets_them(nodes, person, sink: MailSink):
    nyc, london, member, _ = await setup(nodes, sink)
    page = await person()
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(london.local + "/signin")
    await page.fill("#token", member["token"])
    await page.click("button[type=submit]")
    await page.get_by_role("link", name="My account").click()
    await page.get_by_role("button", name="Delete my account").click()
    await page.get_by_role("heading", name="Your account is deleted").wait_for()
    await eventually(lambda: _files(nyc.directory), [])
    assert files_hold(london.directory, NAME, EMAIL) == []
    hosted = await nyc.node.store.db.fetch_all("SELECT status FROM hosted_reservations")
    assert [r["status"] for r in hosted] == ["cancelled"]


async def _twinning_id(node: InProcessNode, peer: InProcessNode) -> str:
    return str(next(t for t in (await node.api.ok("GET", "/api/v1/twins"))["items"] if t["peer"] == peer.url)["id"])


@pytest.mark.parametrize("pausing", ["home", "host"])
async def test_erasure__a_suspended_host_forgets_the_name_when_the_twinning_resumes(nodes, sink: MailSink, pausing):
    nyc, london, member, _ = await setup(nodes, sink)
    pauser, other = (london, nyc) if pausing == "home" else (nyc, london)
    twinning = await _twinning_id(pauser, other)
    await pauser.api.ok("POST", f"/api/v1/twins/{twinning}/suspend", {"reason": "a pause"})
    await eventually(lambda: _status(other, twinning), "suspended")
    done = await london.api.ok("DELETE", f"/api/v1/members/{member['id']}")
    assert done["hosts"] == [nyc.url]
    await pauser.api.ok("POST", f"/api/v1/twins/{twinning}/resume", {})
    await eventually(lambda: _hosted_names(nyc), [""])
    await eventually(lambda: _files(nyc.directory), [])


async def test_erasure__a_host_that_was_down_forgets_the_name_when_it_is_back(nodes, sink: MailSink):
    nyc, london, member, reservation = await setup(nodes, sink)
    await nyc.stop()
    done = await london.api.ok("DELETE", f"/api/v1/members/{member['id']}")
    assert done["not_cancelled"] == [{"id": reservation["id"], "problem": "peer-unreachable"}]
    await nyc.start()
    await eventually(lambda: _hosted_names(nyc), [""])
    await eventually(lambda: _files(nyc.directory), [])


@pytest.mark.skipif(on_postgresql(), reason="SQLite's files and their WAL")
async def test_erasure__a_read_held_open_meanwhile_delays_the_purge_of_the_files_but_does_not_stop_it(
    nodes, sink: MailSink
):
    """A reader on an older snapshot (a `gemella backup` copying, a long export) keeps the WAL
    from being emptied into the database file: the node tries again once it can."""
    _, london, member, _ = await setup(nodes, sink)
    await london.node.store.db.checkpoint()  # the name is in node.db itself now
    reader = sqlite3.connect(london.directory / "node.db")
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM members").fetchone()
        await london.api.ok("DELETE", f"/api/v1/members/{member['id']}")
    finally:
        reader.rollback()
        reader.close()
    await eventually(lambda: _files(london.directory), [])


async def test_erasure__a_host_that_never_answers_is_asked_once_not_for_each_reservation(nodes, sink: MailSink):
    """A twin that takes connections and never answers (hung, or hostile) costs the erasure one
    wait, not one per reservation held there: with many, the request would run out of time and
    the member could never be erased while it hangs."""
    limits = {"booking": {"host_timeout_seconds": 1.0}, "limits": {"total_timeout_seconds": 3.0}}
    nyc, london, member, first = await setup(nodes, sink, home=limits)
    slot_id = first["target"]["id"]
    more = [await _reserve(london, member, nyc, slot_id) for _ in range(3)]  # the slot's 4 seats
    await nyc.stop()
    loop = asyncio.get_running_loop()
    hung = await loop.create_server(asyncio.Protocol, "127.0.0.1", nyc.port, reuse_address=True)  # reads, never answers
    try:
        done = await london.api.ok("DELETE", f"/api/v1/members/{member['id']}")
    finally:
        hung.close()
    assert sorted(r["id"] for r in done["not_cancelled"]) == sorted([first["id"], *more])
    assert {r["problem"] for r in done["not_cancelled"]} == {"peer-unreachable"}
    assert files_hold(london.directory, NAME, EMAIL) == []


async def _reserve(home: InProcessNode, member: dict, host: InProcessNode, slot_id: str) -> str:
    body = {"slot_id": slot_id, "twin_id": host.url, "seats": 1}
    made = await home.api.ok("PUT", f"/api/v1/reservations/{uuid.uuid4()}", body, token=member["token"])
    return str(made["id"])


async def _status(node: InProcessNode, twinning_id: str) -> str:
    return str((await node.api.ok("GET", f"/api/v1/twins/{twinning_id}"))["status"])
