"""Text with a NUL character, which PostgreSQL's text cannot hold (SQLite's can): in the sign-in
forms and API bodies, and in any address. Refused alike on both databases, never a 500 on one."""

from __future__ import annotations

from node.mail.sink import MailSink
from tests.people.support import add_member, mailing_node, post
from tests.web.support import Browserless


async def test_signin__an_address_or_code_with_a_nul_character_is_refused_in_words_not_a_500(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    await add_member(nyc)
    for path, body in (
        ("/api/v1/auth/email", {"email": "ada\u0000@example.org"}),
        ("/api/v1/auth/email/verify", {"email": "ada@example.org", "code": "12\u00003456"}),
    ):
        status, answer, _ = await post(nyc, path, body)
        assert status == 422 and answer["detail"] == "text may not hold the NUL character (U+0000)", answer
    browser = Browserless(nyc.local)
    try:
        for path, form in (
            ("/signin/email", {"email": "ada\u0000@example.org"}),
            ("/signin/code", {"email": "ada\u0000@example.org", "code": "123456"}),
            ("/signin", {"token": "abc\u0000def"}),
        ):
            resp = await browser.post(path, {"csrf_token": await browser.csrf("/"), **form})
            assert resp.status < 500, (path, await resp.text())
    finally:
        await browser.close()


async def test_http__a_nul_character_in_an_address_finds_nothing_on_either_database(nodes, sink: MailSink):
    """PostgreSQL's text cannot hold it: on PostgreSQL each of these answered 500."""
    nyc = await mailing_node(nodes, sink)
    for method, path, expected in (
        ("GET", "/api/v1/members/a%00b/export", 404),
        ("POST", "/api/v1/members/a%00b/invite", 404),
        ("GET", "/api/v1/twins/a%00b", 404),
        ("GET", "/api/v1/events?origin=a%00b", 422),
    ):
        status, body = await nyc.api.call(method, path)
        assert status == expected, (path, body)
