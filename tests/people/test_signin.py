"""Signing in by e-mail through the API: codes read from a real SMTP server."""

from __future__ import annotations

from node.mail.sink import MailSink
from tests.people.support import add_member, code_for, mailing_node, post
from tests.support.nodes import eventually


async def ask(node, email: str, binding: str | None = None) -> str:
    status, body, _ = await post(node, "/api/v1/auth/email", {"email": email}, binding)
    assert status == 202, body
    return str(body["binding"])


async def test_signin__a_mailed_code_gives_a_member_token_for_the_api(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    binding = await ask(nyc, "Ada.Lovelace@example.org")  # any case
    code = await code_for(sink, "ada.lovelace@example.org")
    status, body, _ = await post(nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": code}, binding)
    assert status == 200, body
    assert body["member_id"] == member["id"] and body["expires_at"] > "2000"
    assert await nyc.api.ok("GET", "/api/v1/reservations", token=body["token"]) == {"items": []}


async def test_signin__an_unknown_address_gets_the_same_answer_and_no_mail(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    await add_member(nyc)
    known = await post(nyc, "/api/v1/auth/email", {"email": "ada.lovelace@example.org"})
    unknown = await post(nyc, "/api/v1/auth/email", {"email": "nobody@example.org"})
    assert known[0] == unknown[0] == 202
    assert set(known[1]) == set(unknown[1]) and known[1]["status"] == unknown[1]["status"]
    await code_for(sink, "ada.lovelace@example.org")
    assert sink.to("nobody@example.org") == []
    status, body, _ = await post(
        nyc, "/api/v1/auth/email/verify", {"email": "nobody@example.org", "code": "123456"}, unknown[1]["binding"]
    )
    assert status == 401 and body["type"].endswith("/unauthorized")


async def test_signin__a_code_works_once(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    binding = await ask(nyc, member["email"])
    code = await code_for(sink, member["email"])
    first = await post(nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": code}, binding)
    again = await post(nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": code}, binding)
    assert first[0] == 200 and again[0] == 401


async def test_signin__a_code_from_another_browser_is_refused(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    await ask(nyc, member["email"], binding="the-browser-that-asked")
    code = await code_for(sink, member["email"])
    other = await post(nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": code}, "another-browser")
    assert other[0] == 401
    mine = await post(
        nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": code}, "the-browser-that-asked"
    )
    assert mine[0] == 200


async def test_signin__an_expired_code_is_refused(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    binding = await ask(nyc, member["email"])
    code = await code_for(sink, member["email"])
    nyc.clock.offset_seconds = 601
    status, body, _ = await post(nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": code}, binding)
    assert status == 401 and "expired" in body["detail"]


async def test_signin__five_wrong_codes_lock_the_address_for_twenty_minutes(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    binding = await ask(nyc, member["email"])
    code = await code_for(sink, member["email"])
    wrong = "000000" if code != "000000" else "111111"
    answers = []
    for _ in range(5):
        status, body, _ = await post(
            nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": wrong}, binding
        )
        answers.append(status)
    assert answers == [401, 401, 401, 401, 429]
    status, body, resp = await post(nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": code}, binding)
    assert status == 429 and body["type"].endswith("/rate-limited") and "minutes" in body["detail"]
    assert 1000 <= int(resp.headers["Retry-After"]) <= 1200
    nyc.clock.offset_seconds = 20 * 60 + 1  # the lock is over; the code has expired meanwhile, a new one works
    binding = await ask(nyc, member["email"], binding)
    fresh = await code_for(sink, member["email"], 2)
    status, body, _ = await post(nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": fresh}, binding)
    assert status == 200, body


async def test_members__an_email_already_used_is_a_conflict(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    await add_member(nyc, "Ada Lovelace", "ada@example.org")
    status, body = await nyc.api.call(
        "POST", "/api/v1/members", {"display_name": "Other Ada", "email": "ADA@example.org"}
    )
    assert status == 409 and body["type"].endswith("/conflict")
    assert len((await nyc.api.ok("GET", "/api/v1/members"))["items"]) == 1


async def test_invite__mails_a_first_sign_in_link(nodes, sink: MailSink):
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    answer = await nyc.api.ok("POST", f"/api/v1/members/{member['id']}/invite")
    assert answer == {"id": member["id"], "invited": True}
    [mail] = await eventually(lambda: _mails(sink, member["email"]), lambda m: len(m) == 1)
    assert "invitation" in str(mail.message["Subject"]).lower()
    assert f"{nyc.url}/signin/link/" in mail.text()


async def _mails(sink: MailSink, email: str) -> list:
    return sink.to(email)


async def test_signin__each_lock_in_a_row_is_twice_as_long_up_to_a_day_and_a_right_code_starts_over(
    nodes, sink: MailSink
):
    """Someone who asks for codes for another's address, and guesses, gets 5 tries a lock: were
    each lock 20 minutes, 15 tries an hour for ever (one chance in three, in a year, against 3
    live codes). Each lock in a row is twice as long, up to a day."""
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc)
    guesser = await ask(nyc, member["email"])
    wrong = "000000" if await code_for(sink, member["email"]) != "000000" else "111111"
    waits = []
    for _ in range(8):
        for _ in range(5):
            status, body, resp = await post(
                nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": wrong}, guesser
            )
        assert status == 429, body
        waits.append(int(resp.headers["Retry-After"]))
        nyc.clock.offset_seconds += waits[-1] + 1
    assert [round(w / 60) for w in waits] == [20, 40, 80, 160, 320, 640, 1280, 1440]
    # The member, in their own browser, with the code mailed to them: signed in, and counting starts over.
    binding = await ask(nyc, member["email"])
    code = await code_for(sink, member["email"], 2)
    status, body, _ = await post(nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": code}, binding)
    assert status == 200, body
    for _ in range(5):
        status, body, resp = await post(
            nyc, "/api/v1/auth/email/verify", {"email": member["email"], "code": wrong}, guesser
        )
    assert status == 429 and round(int(resp.headers["Retry-After"]) / 60) == 20
