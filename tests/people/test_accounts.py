"""Named operator tokens (API and `gemella token`), and a member's "My account" page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.people.support import add_member
from tests.support.cli import run_cli
from tests.web.support import Browserless


async def gemella(node: Any, *args: str) -> tuple[int, str]:
    return await run_cli(node, *args)


async def test_tokens__named_operator_tokens_are_listed_and_revoked(nodes):
    nyc = await nodes("NYC")
    made = await nyc.api.ok("POST", "/api/v1/tokens", {"name": "nightly export"})
    assert made["name"] == "nightly export" and len(made["id"]) == 16
    listed = (await nyc.api.ok("GET", "/api/v1/tokens"))["items"]
    assert sorted(str(t["name"]) for t in listed) == ["None", "nightly export"]
    assert all("token" not in t and "hash" not in t for t in listed)
    assert (await nyc.api.call("GET", "/api/v1/twins", token=made["token"]))[0] == 200
    await nyc.api.ok("DELETE", f"/api/v1/tokens/{made['id']}")
    assert (await nyc.api.call("GET", "/api/v1/twins", token=made["token"]))[0] == 401
    status, _ = await nyc.api.call("DELETE", f"/api/v1/tokens/{made['id']}")
    assert status == 404


async def test_tokens__a_member_may_not_manage_them(nodes):
    nyc = await nodes("NYC")
    member = await add_member(nyc)
    assert (await nyc.api.call("GET", "/api/v1/tokens", token=member["token"]))[0] == 403
    assert (await nyc.api.call("POST", "/api/v1/tokens", {"name": "x"}, token=member["token"]))[0] == 403


async def test_cli__gemella_token_create_list_revoke(nodes):
    nyc = await nodes("NYC")
    code, out = await gemella(nyc, "token", "create", "backup script")
    assert code == 0 and "shown only now" in out
    token_id = re.search(r"New operator token ([0-9a-f]{16})", out).group(1)  # type: ignore[union-attr]
    code, out = await gemella(nyc, "token", "list")
    assert code == 0 and token_id in out and "backup script" in out
    code, out = await gemella(nyc, "token", "revoke", token_id)
    assert code == 0 and f"Operator token {token_id} is revoked." in out
    code, out = await gemella(nyc, "token", "list")
    assert token_id not in out


async def calendar_status(node: Any, url: str) -> int:
    path = url.replace(node.url, "")
    status, _ = await node.api.call("GET", path, token="")
    return status


async def test_account__a_member_sees_and_renews_the_calendar_address_and_api_token(nodes):
    nyc = await nodes("NYC")
    member = await add_member(nyc)
    browser = Browserless(nyc.local)
    try:
        await browser.sign_in(member["token"])
        _, html = await browser.get("/account")
        assert member["calendar_url"] in html
        resp = await browser.post("/account/calendar", {"csrf_token": await browser.csrf("/account")})
        html = await resp.text()
        new_url = re.search(r'<code id="calendar-url">([^<]+)</code>', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        assert new_url != member["calendar_url"] and "stopped working" in html
        assert await calendar_status(nyc, new_url) == 200
        assert await calendar_status(nyc, member["calendar_url"]) == 401
        resp = await browser.post("/account/token", {"csrf_token": await browser.csrf("/account")})
        token = re.search(r'<code id="new-token">([^<]+)</code>', await resp.text()).group(1)  # type: ignore[union-attr]
        assert (await nyc.api.call("GET", "/api/v1/reservations", token=token))[0] == 200
        assert (await nyc.api.call("GET", "/api/v1/reservations", token=member["token"]))[0] == 401
        assert (await browser.get("/account"))[0] == 200  # the web session stays
    finally:
        await browser.close()


@pytest.mark.browser
async def test_browser__csv_import_shows_errors_per_line_then_imports(nodes: Any, person: Any, tmp_path):
    nyc = await nodes("WeCreate NYC")
    bad = tmp_path / "members.csv"
    bad.write_text("Name,Email\nAda Lovelace,ada@example.org\nGrace Hopper,grace-at-example\n")
    page = await person()
    await page.goto(nyc.local + "/admin")
    await page.fill("#token", nyc.token)
    await page.click("button[type=submit]")
    await page.goto(nyc.local + "/admin/members/import")
    await page.set_input_files("#import-file", str(bad))
    await page.get_by_role("button", name="Import").click()
    assert "nothing was imported" in await page.locator("#flash").inner_text()
    error = await page.locator("#import-error-1").inner_text()
    assert "Line 3, column “Email”" in error and "grace-at-example" in error
    bad.write_text("Name,Email\nAda Lovelace,ada@example.org\nGrace Hopper,grace@example.org\n")
    await page.set_input_files("#import-file", str(bad))
    await page.get_by_label("Dry run").uncheck()
    await page.get_by_role("button", name="Import").click()
    assert "2 new members were added" in await page.locator("#flash").inner_text()
    await page.goto(nyc.local + "/admin/members")
    assert "Grace Hopper" in await page.locator("table").inner_text()


@pytest.mark.browser
async def test_browser__a_member_renews_the_calendar_address(nodes: Any, person: Any):
    nyc = await nodes("WeCreate NYC")
    member = await add_member(nyc)
    page = await person()
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(nyc.local + "/signin")
    await page.fill("#token", member["token"])
    await page.click("button[type=submit]")
    await page.get_by_role("link", name="My account").click()
    assert await page.locator("#calendar-url").inner_text() == member["calendar_url"]
    await page.get_by_role("button", name="Get a new calendar address").click()
    await page.locator("#flash").wait_for()
    renewed = await page.locator("#calendar-url").inner_text()
    assert renewed != member["calendar_url"] and renewed.startswith(nyc.url)


async def test_tokens__revoking_an_operator_token_ends_the_admin_sessions_it_could_have_opened(nodes):
    nyc = await nodes("NYC")
    leaked = await nyc.api.ok("POST", "/api/v1/tokens", {"name": "laptop"})
    thief = Browserless(nyc.local)
    try:
        await thief.sign_in(leaked["token"], "/admin")
        status, html = await thief.get("/admin")
        assert status == 200 and "<h1>Twinnings</h1>" in html
        await nyc.api.ok("DELETE", f"/api/v1/tokens/{leaked['id']}")
        status, html = await thief.get("/admin")
        assert "<h1>Twinnings</h1>" not in html and 'name="token"' in html  # the sign-in form again
        session = thief.cookie("gemella_session") or ""
        assert await nyc.node.store.tokens.get(session) is None
    finally:
        await thief.close()
    # The other operator tokens (here the one `gemella init` made) still work, and can sign in again.
    assert (await nyc.api.call("GET", "/api/v1/twins"))[0] == 200
