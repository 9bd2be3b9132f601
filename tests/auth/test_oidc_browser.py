"""Signing in through a real OpenID Connect provider in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auth.conftest import Provider

pytestmark = pytest.mark.browser


async def through_provider(page: Any, node_url: str, login: str) -> None:
    await page.goto(node_url + "/signin")
    await page.get_by_role("link", name="Sign in with your WeCreate NYC account").click()
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", "any password")
    await page.locator("button[type=submit]").click()
    await page.locator("button[type=submit]").click()  # the provider's consent page: "Continue"


async def test_browser__a_member_signs_in_with_the_spaces_account(nodes: Any, person: Any, provider: Provider):
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config())
    member = await nyc.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    page = await person()
    await through_provider(page, nyc.local, "ada")
    assert "You are signed in." in await page.locator("#flash").inner_text()
    assert "Ada" in await page.locator(".who-name").inner_text()
    rows = await nyc.node.store.db.fetch_all("SELECT oidc_subject FROM members WHERE id = ?", (member["id"],))
    assert rows[0]["oidc_subject"] == f"{provider.issuer} ada"


async def test_browser__operators_by_claim_and_new_members_on_first_sign_in(
    nodes: Any, person: Any, provider: Provider
):
    config = provider.config(
        scopes="openid email profile groups",
        create_members=True,
        operator_claim="groups",
        operator_value="gemella-operators",
    )
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=config)
    boss = await person()
    await through_provider(boss, nyc.local, "boss")
    await boss.wait_for_url("**/admin")
    assert "You are signed in." in await boss.locator("#flash").inner_text()
    newbie = await person()
    await through_provider(newbie, nyc.local, "newbie")
    assert "You are signed in." in await newbie.locator("#flash").inner_text()
    [member] = (await nyc.api.ok("GET", "/api/v1/members"))["items"]
    assert (member["display_name"], member["email"]) == ("Newbie", "newbie@example.org")
