"""Sessions: cookie flags, operator versus member sessions, signing out, ended sessions."""

from __future__ import annotations

from typing import Any

from node.store.tokens import hash_token
from tests.web.support import Browserless, twinned_pair


async def test_sessions__cookie_is_httponly_lax_and_path_root(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.london.local)
    try:
        resp = await client.post(
            "/signin", {"csrf_token": await client.csrf("/"), "token": pair.member("Ben Carter")["token"]}
        )
        header = next(h for h in resp.headers.getall("Set-Cookie") if h.startswith("gemella_session="))
        flags = {part.strip().split("=")[0].lower() for part in header.split(";")}
        assert {"httponly", "path", "samesite"} <= flags
        assert "SameSite=Lax" in header and "Path=/" in header
        assert "secure" not in flags  # the node's URL is http://
        session = client.cookie("gemella_session")
        assert session and session != pair.member("Ben Carter")["token"]
        row = await pair.london.node.store.db.fetch_one(
            "SELECT role, member_id, expires_at FROM tokens WHERE hash = ?", (hash_token(session),)
        )
        assert row is not None
        assert row["role"] == "session" and row["member_id"] == pair.member("Ben Carter")["id"]
        assert row["expires_at"] is not None
    finally:
        await client.close()


async def test_sessions__operator_session_opens_admin_but_not_member_pages(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        status, html = await client.get("/admin")
        assert status == 200 and "<h1>Twinnings</h1>" in html and "TheCube London" in html
        status, html = await client.get("/")
        assert "Your member token" in html and "signed in as the operator" in html
        row = await pair.nyc.node.store.db.fetch_one(
            "SELECT role, member_id FROM tokens WHERE hash = ?", (hash_token(client.cookie("gemella_session") or ""),)
        )
        assert row is not None and (row["role"], row["member_id"]) == ("session", None)
    finally:
        await client.close()


async def test_sessions__member_token_cannot_open_admin(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.london.local)
    try:
        csrf = await client.csrf("/admin")
        resp = await client.post("/admin/signin", {"csrf_token": csrf, "token": pair.member("Ben Carter")["token"]})
        assert resp.status == 200 and "This is a member token" in await resp.text()
        assert client.cookie("gemella_session") is None
        resp = await client.post("/admin/signin", {"csrf_token": csrf, "token": "not-a-token"})
        assert "not valid at TheCube London" in await resp.text()
    finally:
        await client.close()


async def test_sessions__sign_out_ends_the_session_for_good(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.london.local)
    try:
        await client.sign_in(pair.member("Ben Carter")["token"])
        session = client.cookie("gemella_session")
        assert session
        resp = await client.post("/signout", {"csrf_token": await client.csrf("/")}, follow=True)
        assert "You are signed out" in await resp.text()
        assert await pair.london.node.store.tokens.get(session) is None
        # The old cookie, replayed, opens nothing.
        async with client.session.get(pair.london.local + "/", cookies={"gemella_session": session}) as again:
            assert "Your member token" in await again.text()
    finally:
        await client.close()


async def test_sessions__ended_session_goes_back_to_sign_in(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.london.local)
    try:
        await client.sign_in(pair.member("Ben Carter")["token"])
        async with pair.london.node.store.db.transaction() as tx:
            await tx.execute("UPDATE tokens SET expires_at = '2000-01-01T00:00:00Z' WHERE role = 'session'")
        status, html = await client.get("/reservations")
        assert status == 200
        assert "Your session has ended" in html and 'action="/signin"' in html
        assert client.cookie("gemella_session") in (None, "")
    finally:
        await client.close()
