"""E-mail sign-in and invitations on the pages: over HTTP, and end to end in a real browser."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from node.mail.sink import MailSink
from tests.people.support import add_member, code_for, link_for, mailing_node
from tests.support.logs import captured_logs
from tests.support.mail import wait_for_mail
from tests.web.support import Browserless


async def ask_in(browser: Browserless, email: str) -> str:
    resp = await browser.post("/signin/email", {"csrf_token": await browser.csrf("/"), "email": email}, follow=True)
    assert resp.status == 200
    return await resp.text()


async def test_signin_page__the_link_signs_in_in_the_browser_that_asked_only(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    asking, other = Browserless(nyc.local), Browserless(nyc.local)
    try:
        page = await ask_in(asking, member["email"])
        assert "Check your mail" in page
        link = (await link_for(sink, member["email"])).replace(nyc.url, "")
        status, html = await other.get(link)
        assert status == 403 and "another browser" in html
        status, html = await asking.get(link)
        assert status == 200
        resp = await asking.post(link, {"csrf_token": await asking.csrf(link)})
        assert resp.status == 303
        status, html = await asking.get("/")
        assert "Log out" in html or "Sign out" in html
        status, html = await asking.get(link)
        assert status == 401 and "used already" in html
    finally:
        await asking.close()
        await other.close()


async def test_signin_page__a_wrong_code_says_so_in_a_sentence(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    browser = Browserless(nyc.local)
    try:
        await ask_in(browser, member["email"])
        code = await code_for(sink, member["email"])
        wrong = "999999" if code != "999999" else "888888"
        token = await browser.csrf("/")
        resp = await browser.post("/signin/code", {"csrf_token": token, "email": member["email"], "code": wrong})
        assert resp.status == 401
        assert "That code is not right, or it has expired." in await resp.text()
    finally:
        await browser.close()


async def test_signin_page__an_expired_link_says_so(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    browser = Browserless(nyc.local)
    try:
        await ask_in(browser, member["email"])
        link = (await link_for(sink, member["email"])).replace(nyc.url, "")
        nyc.clock.offset_seconds = 11 * 60
        status, html = await browser.get(link)
        assert status == 401 and "This sign-in link has expired or was used already." in html
    finally:
        await browser.close()


@pytest.mark.browser
async def test_browser__a_member_signs_in_with_the_code_from_the_mail(nodes: Any, person: Any, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    page = await person()
    await page.goto(nyc.local + "/signin")
    await page.fill("#signin-email", member["email"])
    await page.get_by_role("button", name="Mail me a code").click()
    await page.get_by_role("heading", name="Check your mail").wait_for()
    await page.fill("#f-code", await code_for(sink, member["email"]))
    await page.get_by_role("button", name="Sign in").click()
    assert "You are signed in." in await page.locator("#flash").inner_text()


@pytest.mark.browser
async def test_browser__an_invitation_link_signs_the_member_in(nodes: Any, person: Any, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    await nyc.api.ok("POST", f"/api/v1/members/{member['id']}/invite")
    link = (await link_for(sink, member["email"])).replace(nyc.url, nyc.local)
    page = await person()
    await page.goto(link)
    await page.get_by_role("heading", name="Welcome to WeCreate NYC").wait_for()
    await page.get_by_role("button", name="Sign in").click()
    assert "You are signed in." in await page.locator("#flash").inner_text()


async def test_admin_members__the_operator_invites_a_member_by_mail(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    operator = Browserless(nyc.local)
    try:
        await operator.sign_in(nyc.token, "/admin")
        token = await operator.csrf("/admin/members")
        resp = await operator.post(f"/admin/members/{member['id']}/invite", {"csrf_token": token}, follow=True)
        assert "The invitation is on its way" in await resp.text()
        assert "/signin/link/" in await link_for(sink, member["email"])
    finally:
        await operator.close()


async def test_signin_page__a_refused_form_on_an_invitation_link_does_not_log_the_link(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    await nyc.api.ok("POST", f"/api/v1/members/{member['id']}/invite")
    link = (await link_for(sink, member["email"])).replace(nyc.url, "")
    secret = link.rsplit("/", 1)[-1]
    browser = Browserless(nyc.local)
    try:
        with captured_logs() as logs:
            resp = await browser.post(link, {"csrf_token": "expired"})
            assert resp.status == 403
            unreadable = {"Content-Type": "application/x-www-form-urlencoded; charset=x-unknown"}
            async with (
                aiohttp.ClientSession() as session,
                session.post(nyc.local + link, data=b"csrf_token=x", headers=unreadable) as answer,
            ):
                assert answer.status == 403
        assert [e["event"] for e in logs] == ["csrf_refused", "form_unreadable", "csrf_refused"]
        assert [e for e in logs if secret in repr(e)] == []  # it works for 7 days, in any browser
        resp = await browser.post(link, {"csrf_token": await browser.csrf(link)})
        assert resp.status == 303, "the link still signs in: it was not used"
    finally:
        await browser.close()


async def test_signin_page__a_language_chosen_before_the_mailed_link_is_kept_for_the_members_mails(
    nodes, sink: MailSink
):
    """As with a token: the switcher's choice made before signing in becomes the member's, so the
    mails that follow (here an invitation) are in it too, not in the space's default."""
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    browser = Browserless(nyc.local)
    try:
        form = {"csrf_token": await browser.csrf("/"), "language": "it", "back": "/"}
        assert (await browser.post("/language", form)).status == 303
        await ask_in(browser, member["email"])
        link = (await link_for(sink, member["email"])).replace(nyc.url, "")
        assert (await browser.post(link, {"csrf_token": await browser.csrf(link)})).status == 303
        await nyc.api.ok("POST", f"/api/v1/members/{member['id']}/invite")
        [_code, invitation] = await wait_for_mail(sink, member["email"], 2)
        assert str(invitation.message["Subject"]) == "Il tuo invito a WeCreate NYC"
    finally:
        await browser.close()


async def test_signin_page__the_code_typed_as_the_mail_writes_it_signs_in(nodes, sink: MailSink):
    """The mail writes the code in two groups ("123 456"); typed or pasted so, with the space (or a
    dash, or a no-break space from a mail program), it is the same code, not a wrong one."""
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    for count, spaced in enumerate(("{} {}", "{}-{}", "{}\u00a0{}"), start=1):
        browser = Browserless(nyc.local)
        try:
            await ask_in(browser, member["email"])
            code = await code_for(sink, member["email"], count)
            typed = spaced.format(code[:3], code[3:])
            token = await browser.csrf("/")
            resp = await browser.post("/signin/code", {"csrf_token": token, "email": member["email"], "code": typed})
            assert resp.status == 303, await resp.text()
        finally:
            await browser.close()
