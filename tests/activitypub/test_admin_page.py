"""/admin/fediverse: the operator sees the space's address and followers, removes one, blocks an instance."""

from __future__ import annotations

from typing import Any

from tests.activitypub.support import followed
from tests.web.support import Browserless

Nodes = Any


async def test_admin_page__shows_followers_and_removes_and_blocks(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    follower = await followed(milan)
    browser = Browserless(milan.local)
    try:
        await browser.sign_in(milan.token, "/admin")
        status, html = await browser.get("/admin/fediverse")
        assert status == 200
        assert f"@space@{milan.url.split('://')[1]}" in html and follower.actor_id in html
        token = await browser.csrf("/admin/fediverse")
        resp = await browser.post("/admin/fediverse/remove", {"csrf_token": token, "actor": follower.actor_id})
        assert resp.status == 303
        assert await milan.node.activitypub.store.list_followers() == []
        resp = await browser.post("/admin/fediverse/block", {"csrf_token": token, "host": "https://Spam.Example/"})
        assert resp.status == 303
        assert await milan.node.activitypub.store.list_blocked() == {"spam.example"}
        _, html = await browser.get("/admin/fediverse")
        assert "spam.example" in html and "No one follows the space yet." in html
    finally:
        await browser.close()
        await follower.stop()


async def test_admin_page__says_how_to_turn_the_bridge_on(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome", config={"activitypub": {"enabled": False}})
    browser = Browserless(milan.local)
    try:
        await browser.sign_in(milan.token, "/admin")
        status, html = await browser.get("/admin/fediverse")
        assert status == 200 and "activitypub.enabled" in html
    finally:
        await browser.close()
