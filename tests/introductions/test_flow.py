"""Introductions between two real nodes: asked at home, answered at the host, addresses exchanged
only on acceptance, mails in each member's language (a real SMTP sink)."""

from __future__ import annotations

from typing import Any

from node.mail.sink import MailSink
from tests.support.mail import mail_config, wait_for_mail
from tests.support.nodes import eventually

from .support import add_member, card_at, file_bytes, introduction, people_pair, publish_card

COMMUNITY = "community@thecube.example"


async def asked(nodes: Any, sink: MailSink | None = None, **config: Any) -> tuple[Any, str]:
    """Ada (London, card for NYC) is asked by Ben (NYC); returns the pair and the introduction id."""
    pair = await people_pair(nodes, sink, **config)
    await add_member(pair.london, pair, "Ada Lovelace", language="it")
    await add_member(pair.nyc, pair, "Ben Carter")
    await publish_card(
        pair.london, pair.token("Ada Lovelace"), [pair.nyc.url], display_name="Ada L.", skills=["design"]
    )
    card = await card_at(pair.nyc, pair.token("Ben Carter"), pair.london.url, "Ada L.")
    body = {"to": {"origin": pair.london.url, "member": card["member"]}, "message": "Hi Ada, I design too."}
    status, made = await pair.nyc.api.call("POST", "/api/v1/introductions", body, token=pair.token("Ben Carter"))
    assert status == 202 and made["status"] == "requested", made
    return pair, made["id"]


async def received(pair: Any, name: str = "Ada Lovelace") -> list[dict[str, Any]]:
    found = await pair.london.api.ok("GET", "/api/v1/introductions", token=pair.token(name))
    return [item for item in found["items"] if item["direction"] == "received"]


async def test_introductions__accepted_gives_both_the_others_address_and_a_mail(nodes: Any, sink: MailSink) -> None:
    pair, id_ = await asked(nodes, sink)
    ada, ben = pair.email("Ada Lovelace"), pair.email("Ben Carter")
    [item] = await eventually(lambda: received(pair), lambda items: len(items) == 1)
    assert item["id"] == id_ and item["status"] == "requested" and item["message"] == "Hi Ada, I design too."
    assert item["other"]["display_name"] == "Ben Carter" and item["other"]["origin"] == pair.nyc.url
    [asked_mail] = await wait_for_mail(sink, ada)
    assert "Ben Carter" in asked_mail.text() and "Hi Ada, I design too." in asked_mail.text()
    assert "vorrebbe" in asked_mail.text()  # Ada reads Italian
    # Before Ada says yes, no address has left either home.
    assert ben.encode() not in file_bytes(pair.london) and ada.encode() not in file_bytes(pair.nyc)
    assert "email" not in await introduction(pair.nyc, pair.token("Ben Carter"), id_)
    assert "email" not in await introduction(pair.london, pair.token("Ada Lovelace"), id_)

    await pair.london.api.ok("POST", f"/api/v1/introductions/{id_}/accept", token=pair.token("Ada Lovelace"))
    at_nyc = await eventually(lambda: introduction(pair.nyc, pair.token("Ben Carter"), id_), lambda i: "email" in i)
    assert at_nyc["status"] == "accepted" and at_nyc["email"] == ada
    at_london = await eventually(
        lambda: introduction(pair.london, pair.token("Ada Lovelace"), id_), lambda i: "email" in i
    )
    assert at_london["email"] == ben
    [ben_mail] = await wait_for_mail(sink, ben)
    assert ada in ben_mail.text() and "introduced" in ben_mail.text()
    mails = await wait_for_mail(sink, ada, count=2)
    assert ben in mails[1].text() and "presentati" in mails[1].text()


async def test_introductions__declined_shares_no_address(nodes: Any, sink: MailSink) -> None:
    pair, id_ = await asked(nodes, sink)
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    await pair.london.api.ok("POST", f"/api/v1/introductions/{id_}/decline", token=pair.token("Ada Lovelace"))
    at_nyc = await eventually(
        lambda: introduction(pair.nyc, pair.token("Ben Carter"), id_), lambda i: i["status"] == "declined"
    )
    assert "email" not in at_nyc
    status, again = await pair.london.api.call(
        "POST", f"/api/v1/introductions/{id_}/accept", token=pair.token("Ada Lovelace")
    )
    assert status == 409 and again["type"].endswith("/conflict")
    assert pair.email("Ada Lovelace").encode() not in file_bytes(pair.nyc)
    assert pair.email("Ben Carter").encode() not in file_bytes(pair.london)
    assert sink.to(pair.email("Ben Carter")) == []


async def test_introductions__only_the_recipient_answers(nodes: Any) -> None:
    pair, id_ = await asked(nodes)
    status, answer = await pair.nyc.api.call(
        "POST", f"/api/v1/introductions/{id_}/accept", token=pair.token("Ben Carter")
    )
    assert status == 403 and answer["type"].endswith("/forbidden")
    await add_member(pair.london, pair, "Cleo Park")
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    status, answer = await pair.london.api.call("GET", f"/api/v1/introductions/{id_}", token=pair.token("Cleo Park"))
    assert status == 404


async def test_introductions__via_operator_waits_for_the_community_manager(nodes: Any, sink: MailSink) -> None:
    london = {
        "people": {"introductions": "via_operator"},
        "node": {"language": "it"},
        **mail_config(sink.port, operator_address=COMMUNITY),
    }
    pair, id_ = await asked(nodes, sink, london=london)
    queue = await eventually(
        lambda: pair.london.api.ok("GET", "/api/v1/introduction-queue"), lambda q: len(q["items"]) == 1
    )
    assert queue["items"][0]["id"] == id_ and queue["items"][0]["to"] == "Ada Lovelace"
    [told] = await wait_for_mail(sink, COMMUNITY)  # in the space's language, with the way to the queue
    text = told.text()
    assert "Ben Carter" in text and "Ada Lovelace" in text and "Hi Ada, I design too." in text
    assert f"{pair.london.url}/admin/introductions" in text and "presentato" in text
    assert await received(pair) == [] and sink.to(pair.email("Ada Lovelace")) == []
    await pair.london.api.ok("POST", f"/api/v1/introduction-queue/{id_}/forward")
    [item] = await received(pair)
    assert item["status"] == "requested"
    await wait_for_mail(sink, pair.email("Ada Lovelace"))
    assert (await pair.london.api.ok("GET", "/api/v1/introduction-queue"))["items"] == []


async def test_introductions__the_operator_declines_in_via_operator_mode(nodes: Any) -> None:
    pair, id_ = await asked(nodes, london={"people": {"introductions": "via_operator"}})
    await eventually(lambda: pair.london.api.ok("GET", "/api/v1/introduction-queue"), lambda q: len(q["items"]) == 1)
    await pair.london.api.ok("POST", f"/api/v1/introduction-queue/{id_}/decline")
    await eventually(lambda: introduction(pair.nyc, pair.token("Ben Carter"), id_), lambda i: i["status"] == "declined")
    assert await received(pair) == []


async def test_introductions__a_card_for_the_space_only_cannot_be_asked(nodes: Any) -> None:
    pair = await people_pair(nodes)
    await add_member(pair.london, pair, "Ada Lovelace")
    await add_member(pair.nyc, pair, "Ben Carter")
    await publish_card(pair.london, pair.token("Ada Lovelace"), "space", display_name="Ada L.")
    body = {"to": {"origin": pair.london.url, "member": "0" * 32}, "message": "Hello"}
    status, problem = await pair.nyc.api.call("POST", "/api/v1/introductions", body, token=pair.token("Ben Carter"))
    assert status == 404 and problem["type"].endswith("/not-found")


async def test_introductions__erasing_a_member_deletes_their_introductions_here(nodes: Any) -> None:
    pair, id_ = await asked(nodes)
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    ben = pair.members["Ben Carter"]
    await pair.nyc.api.ok("DELETE", f"/api/v1/members/{ben['id']}")
    await pair.nyc.node.store.db.checkpoint()
    assert b"Hi Ada, I design too." not in file_bytes(pair.nyc)
    assert await pair.nyc.node.store.objects.get("IntroductionRequest", pair.nyc.url, id_) is None


async def accepted(nodes: Any) -> tuple[Any, str]:
    pair, id_ = await asked(nodes)
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    await pair.london.api.ok("POST", f"/api/v1/introductions/{id_}/accept", token=pair.token("Ada Lovelace"))
    await eventually(lambda: introduction(pair.london, pair.token("Ada Lovelace"), id_), lambda i: "email" in i)
    return pair, id_


async def test_introductions__erasing_the_recipient_reaches_the_askers_home(nodes: Any) -> None:
    pair, id_ = await accepted(nodes)
    await pair.london.api.ok("DELETE", f"/api/v1/members/{pair.members['Ada Lovelace']['id']}")
    shown = await eventually(lambda: introduction(pair.nyc, pair.token("Ben Carter"), id_), lambda i: "email" not in i)
    assert shown["status"] == "accepted" and shown["other"]["display_name"] == ""
    assert await pair.nyc.node.store.objects.get("IntroductionAnswer", pair.london.url, id_) is None
    assert await pair.london.node.store.objects.get("IntroductionRequest", pair.nyc.url, id_) is None
    await pair.london.node.store.db.checkpoint()
    assert pair.email("Ben Carter").encode() not in file_bytes(pair.london)


async def test_introductions__erasing_the_asker_reaches_the_host(nodes: Any) -> None:
    pair, id_ = await accepted(nodes)
    await pair.nyc.api.ok("DELETE", f"/api/v1/members/{pair.members['Ben Carter']['id']}")
    await eventually(lambda: received(pair), [])
    assert await pair.london.node.store.objects.get("IntroductionRequest", pair.nyc.url, id_) is None
    rows = await pair.london.node.store.db.fetch_all("SELECT email FROM introductions")
    assert rows == []


async def test_introductions__erasing_the_recipient_declines_what_waits(nodes: Any) -> None:
    pair, id_ = await asked(nodes)
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    await pair.london.api.ok("DELETE", f"/api/v1/members/{pair.members['Ada Lovelace']['id']}")
    shown = await eventually(
        lambda: introduction(pair.nyc, pair.token("Ben Carter"), id_), lambda i: i["status"] == "declined"
    )
    assert "email" not in shown


async def test_introductions__in_the_members_data_export(nodes: Any) -> None:
    pair, id_ = await accepted(nodes)
    mine = await pair.london.api.ok("GET", "/api/v1/me/export", token=pair.token("Ada Lovelace"))
    [item] = mine["introductions"]
    assert item["id"] == id_ and item["side"] == "received" and item["email"] == pair.email("Ben Carter")
    assert mine["blocks"] == [] and mine["reports"] == [] and mine["trip_sharing"] is False


async def holding(node: Any, *needles: bytes) -> list[bytes]:
    """Which of `needles` the node still holds: in its mail outbox (either database), or anywhere in
    its SQLite files once the write-ahead log is emptied."""
    await node.node.store.db.checkpoint()
    mails = b"".join(m.message for m in await node.node.mail.recent(500))
    return [n for n in needles if n in mails or n in file_bytes(node)]


async def accepted_with_mail(nodes: Any, sink: MailSink) -> tuple[Any, str]:
    """`accepted`, with mail on: each node has mailed its member the request and the introduction."""
    pair, id_ = await asked(nodes, sink)
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    await pair.london.api.ok("POST", f"/api/v1/introductions/{id_}/accept", token=pair.token("Ada Lovelace"))
    await wait_for_mail(sink, pair.email("Ben Carter"))
    await wait_for_mail(sink, pair.email("Ada Lovelace"), count=2)
    return pair, id_


async def test_introductions__erasing_the_asker_leaves_no_mail_about_them_at_the_host(
    nodes: Any, sink: MailSink
) -> None:
    pair, _ = await accepted_with_mail(nodes, sink)
    ben = pair.email("Ben Carter")
    assert await holding(pair.london, b"Hi Ada, I design too.")  # the mail to Ada holds Ben's message
    await pair.nyc.api.ok("DELETE", f"/api/v1/members/{pair.members['Ben Carter']['id']}")
    await eventually(lambda: received(pair), [])
    assert await holding(pair.london, b"Ben Carter", ben.encode(), b"Hi Ada, I design too.") == []


async def test_introductions__erasing_the_recipient_leaves_no_mail_about_them_at_the_askers_home(
    nodes: Any, sink: MailSink
) -> None:
    pair, id_ = await accepted_with_mail(nodes, sink)
    ada = pair.email("Ada Lovelace")
    await pair.london.api.ok("DELETE", f"/api/v1/members/{pair.members['Ada Lovelace']['id']}")
    await eventually(lambda: introduction(pair.nyc, pair.token("Ben Carter"), id_), lambda i: "email" not in i)
    assert await holding(pair.nyc, b"Ada Lovelace", ada.encode()) == []


async def test_introductions__erasing_a_member_who_reported_leaves_no_mail_about_them(
    nodes: Any, sink: MailSink
) -> None:
    pair, id_ = await asked(nodes, sink, london=mail_config(sink.port, operator_address=COMMUNITY))
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    report = {"reason": "Spam from a stranger"}
    await pair.london.api.ok("POST", f"/api/v1/introductions/{id_}/report", report, token=pair.token("Ada Lovelace"))
    [told] = await wait_for_mail(sink, COMMUNITY)
    assert "Ada Lovelace" in told.text()
    await pair.london.api.ok("DELETE", f"/api/v1/members/{pair.members['Ada Lovelace']['id']}")
    assert await holding(pair.london, b"Ada Lovelace", b"Spam from a stranger") == []


async def test_introductions__erasing_the_asker_while_the_host_is_down_reaches_it_when_back(
    nodes: Any, sink: MailSink
) -> None:
    pair, _ = await accepted_with_mail(nodes, sink)
    await pair.london.stop()
    await pair.nyc.api.ok("DELETE", f"/api/v1/members/{pair.members['Ben Carter']['id']}")
    await pair.london.start()
    await eventually(lambda: received(pair), [])
    ben = pair.email("Ben Carter").encode()
    await eventually(lambda: holding(pair.london, b"Ben Carter", ben, b"Hi Ada, I design too."), [])


async def test_introductions__erasing_the_recipient_leaves_no_name_at_the_askers_home(nodes: Any) -> None:
    """The name the asker's home read on the card goes with the card, for a request still waiting."""
    pair, id_ = await asked(nodes)
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    assert (await introduction(pair.nyc, pair.token("Ben Carter"), id_))["other"]["display_name"] == "Ada L."
    await pair.london.api.ok("DELETE", f"/api/v1/members/{pair.members['Ada Lovelace']['id']}")
    shown = await eventually(
        lambda: introduction(pair.nyc, pair.token("Ben Carter"), id_), lambda i: i["status"] == "declined"
    )
    assert shown["other"]["display_name"] == ""
    await eventually(lambda: holding(pair.nyc, b"Ada L."), [])


async def test_introductions__a_twinning_that_ends_takes_the_card_names_with_the_cards(nodes: Any) -> None:
    pair, id_ = await asked(nodes)
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    [twinning] = (await pair.nyc.api.ok("GET", "/api/v1/twins"))["items"]
    await pair.nyc.api.ok("POST", f"/api/v1/twins/{twinning['id']}/end", {"reason": "the agreement ran out"})
    shown = await introduction(pair.nyc, pair.token("Ben Carter"), id_)
    assert shown["other"]["display_name"] == ""  # whom he asked is his; the name on her card was not
    assert await holding(pair.nyc, b"Ada L.") == []
