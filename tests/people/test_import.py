"""Importing members from CSV: dry run, idempotence by e-mail, errors by line and column, limits, formulas."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.support.nodes import InProcessNode

NEXUDUS = (
    "Full Name,Email,Language,Member Since\r\n"
    "Ada Lovelace,ada@example.org,en,2023-01-15\r\n"
    "Giulia Rossi,giulia@example.org,it,15/02/2024\r\n"
    'Ben "Benny" Carter,ben@example.org,,\r\n'
)


async def send(
    node: InProcessNode, body: bytes | str, query: str = "", content_type: str = "text/csv"
) -> tuple[int, Any]:
    data = body.encode() if isinstance(body, str) else body
    headers = {"Authorization": f"Bearer {node.token}", "Content-Type": content_type}
    url = f"{node.local}/api/v1/members/import{query}"
    async with aiohttp.ClientSession() as session, session.post(url, data=data, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def members(node: InProcessNode) -> list[dict[str, Any]]:
    return list((await node.api.ok("GET", "/api/v1/members"))["items"])


async def test_import__a_dry_run_reports_and_changes_nothing(nodes):
    nyc = await nodes("NYC")
    status, body = await send(nyc, NEXUDUS, "?dry_run=true")
    assert status == 200
    assert body == {"created": 3, "updated": 0, "unchanged": 0, "errors": [], "dry_run": True}
    assert await members(nyc) == []


async def test_import__is_idempotent_by_email_and_updates_what_changed(nodes):
    nyc = await nodes("NYC")
    assert (await send(nyc, NEXUDUS))[1]["created"] == 3
    assert (await send(nyc, NEXUDUS))[1] | {"errors": []} == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "errors": [],
        "dry_run": False,
    }
    changed = NEXUDUS.replace("Giulia Rossi,giulia@example.org,it", "Giulia Bianchi,GIULIA@example.org,it")
    _, body = await send(nyc, changed)
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 1, 2)
    found = {m["email"]: m for m in await members(nyc)}
    assert found["giulia@example.org"]["display_name"] == "Giulia Bianchi"
    assert found["giulia@example.org"]["member_since"] == "2024-02-15"
    assert found["ada@example.org"]["language"] == "en"
    assert found["ben@example.org"]["display_name"] == 'Ben "Benny" Carter'


async def test_import__errors_name_the_line_and_column_and_nothing_is_imported(nodes):
    nyc = await nodes("NYC")
    bad = (
        "first name;last name;e-mail;joined\n"
        "Ada;Lovelace;ada@example.org;2023-01-15\n"
        "Grace;Hopper;not-an-address;2023-01-15\n"
        "Alan;Turing;alan@example.org;yesterday\n"
        ";;nobody@example.org;\n"
        "Ada;Again;ADA@example.org;\n"
    )
    status, body = await send(nyc, bad)
    assert status == 422 and body["type"].endswith("/validation-error")
    assert "Nothing was imported." in body["detail"]
    assert [(e["line"], e["column"]) for e in body["errors"]] == [
        (3, "e-mail"),
        (4, "joined"),
        (5, "first name"),
        (6, "e-mail"),
    ]
    assert "“not-an-address” is not an e-mail address" in body["errors"][0]["detail"]
    assert "already on line 2" in body["errors"][3]["detail"]
    assert await members(nyc) == []


async def test_import__a_malformed_file_is_refused_in_a_sentence(nodes):
    nyc = await nodes("NYC")
    for body in ("", "colour,size\nred,big\n", b"name,email\n\xff\xfe,x@example.org\n"):
        status, answer = await send(nyc, body)
        assert status == 422, answer
        assert answer["errors"] and answer["errors"][0]["line"] == 1 and answer["detail"].startswith("line 1: ")
    status, answer = await send(nyc, '{"name": "x"}', content_type="application/json")
    assert status == 415
    assert await members(nyc) == []


async def test_import__an_80_mb_file_is_refused_before_it_is_read(nodes):
    nyc = await nodes("NYC")
    row = b"Someone,someone@example.org,en,2024-01-01\n"
    huge = b"name,email,language,member since\n" + row * (80 * 1024 * 1024 // len(row))
    status, answer = await send(nyc, huge)
    assert status == 413 and answer["type"].endswith("/payload-too-large")
    assert await members(nyc) == []


async def test_import__too_many_rows_is_refused(nodes):
    nyc = await nodes("NYC", config={"people": {"import_max_rows": 2}})
    status, answer = await send(nyc, NEXUDUS)
    assert status == 413 and "more than 2 members" in answer["detail"]
    assert await members(nyc) == []


async def test_import__formulas_are_kept_as_text_and_exported_escaped(nodes):
    nyc = await nodes("NYC")
    status, body = await send(nyc, "name,email\n\"=cmd|' /C calc'!A0\",eve@example.org\n@SUM(1+1),sum@example.org\n")
    assert status == 200 and body["created"] == 2
    names = {m["display_name"] for m in await members(nyc)}
    assert names == {"=cmd|' /C calc'!A0", "@SUM(1+1)"}
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {nyc.token}"}
        async with session.get(f"{nyc.local}/api/v1/members.csv", headers=headers) as resp:
            exported = await resp.text()
    assert "'=cmd|' /C calc'!A0" in exported.replace('"', "") and "'@SUM(1+1)" in exported
    assert "\n=" not in exported and ",=" not in exported and '"=' not in exported
