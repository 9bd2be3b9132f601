"""CSRF: every form POST needs the session's token; a session cookie alone changes nothing in the API."""

from __future__ import annotations

from typing import Any

from yarl import URL

from tests.web.support import Browserless, twinned_pair


async def test_csrf__sign_in_without_token_is_forbidden(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.london.local)
    try:
        await client.get("/")
        resp = await client.post("/signin", {"token": pair.member("Ben Carter")["token"]})
        assert resp.status == 403
        assert client.cookie("gemella_session") is None
    finally:
        await client.close()


async def test_csrf__reserve_needs_this_sessions_token(nodes: Any) -> None:
    pair = await twinned_pair(nodes, london_members=("Ben Carter", "Cleo Park"))
    ben, cleo = Browserless(pair.london.local), Browserless(pair.london.local)
    try:
        await ben.sign_in(pair.member("Ben Carter")["token"])
        await cleo.sign_in(pair.member("Cleo Park")["token"])
        form = {"slot_id": pair.slot["id"], "twin": pair.nyc.url, "seats": "1"}
        # No token, a made-up one, and Cleo's (valid, but for another session): all refused.
        for token in (None, "x" * 43, await cleo.csrf("/")):
            data = form if token is None else {**form, "csrf_token": token}
            resp = await ben.post("/reserve", data)
            assert resp.status == 403, token
        assert await pair.london.api.ok("GET", "/api/v1/reservations", token=pair.member("Ben Carter")["token"]) == {
            "items": []
        }
        resp = await ben.post("/reserve", {**form, "csrf_token": await ben.csrf("/")})
        assert resp.status == 303
        mine = await pair.london.api.ok("GET", "/api/v1/reservations", token=pair.member("Ben Carter")["token"])
        assert [r["status"] for r in mine["items"]] == ["confirmed"]
    finally:
        await ben.close()
        await cleo.close()


async def test_csrf__operator_action_without_token_changes_nothing(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        resp = await client.post(f"/admin/twins/{pair.twinning_id}/suspend", {"csrf_token": "forged"})
        assert resp.status == 403
        assert "expired" in await resp.text()
        twin = await pair.nyc.api.ok("GET", f"/api/v1/twins/{pair.twinning_id}")
        assert twin["status"] == "active"
    finally:
        await client.close()


async def test_csrf__session_cookie_alone_cannot_change_the_api(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.nyc.local)
    try:
        await client.sign_in(pair.nyc.token, "/admin")
        body = {"display_name": "Mallory", "email": "m@example.org"}
        async with client.session.post(pair.nyc.local + "/api/v1/members", json=body) as resp:
            assert resp.status == 403
            assert (await resp.json())["type"].endswith("/forbidden")
        async with client.session.get(pair.nyc.local + "/api/v1/members") as resp:
            assert resp.status == 200  # reading with the session is fine
            assert (await resp.json())["items"] == []
    finally:
        await client.close()


async def test_csrf__a_pre_session_cookie_planted_by_someone_else_does_not_carry_a_signed_in_form(nodes: Any) -> None:
    """A page on a sibling host (same site, so SameSite=Lax sends the session cookie along) can set a
    `gemella_csrf` cookie for the whole domain, with a value whose form token it fetched itself. That
    token was accepted beside the session's: every form of the signed-in operator could be forged."""
    pair = await twinned_pair(nodes)
    attacker, operator = Browserless(pair.nyc.local), Browserless(pair.nyc.local)
    try:
        await attacker.get("/")
        planted = attacker.cookie("gemella_csrf") or ""
        forged = await attacker.csrf("/")
        await operator.sign_in(pair.nyc.token, "/admin")
        operator.session.cookie_jar.update_cookies({"gemella_csrf": planted}, URL(pair.nyc.local))
        resp = await operator.post(f"/admin/twins/{pair.twinning_id}/suspend", {"csrf_token": forged})
        assert resp.status == 403
        twin = await pair.nyc.api.ok("GET", f"/api/v1/twins/{pair.twinning_id}")
        assert twin["status"] == "active"
        # The operator's own forms still work, the sign-in form and a public page's switcher included.
        resp = await operator.post(
            f"/admin/twins/{pair.twinning_id}/suspend", {"csrf_token": await operator.csrf("/admin")}
        )
        assert resp.status == 303
        for page in ("/admin", "/", "/space", "/network"):
            form = {"csrf_token": await operator.csrf(page), "language": "it", "back": page}
            assert (await operator.post("/language", form)).status == 303, page
    finally:
        await attacker.close()
        await operator.close()
