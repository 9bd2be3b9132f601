"""Addresses whose domain is written in its own script (IDN): the mail reaches them."""

from __future__ import annotations

from node.mail.sink import MailSink
from tests.people.support import add_member, link_for, mailing_node, post
from tests.support.nodes import eventually


async def test_sender__a_member_at_an_internationalised_domain_gets_the_sign_in_mail(nodes, sink: MailSink):
    """ana@españa.example: the domain travels as the DNS knows it (xn--espaa-rta.example) in the
    envelope and the To header; written as typed, the header held an encoded word where no
    encoded word may be, and the server was asked for an address it cannot take without SMTPUTF8."""
    nyc = await mailing_node(nodes, sink)
    member = await add_member(nyc, "Ana Ruiz", "ana@españa.example")
    status, body, _ = await post(nyc, "/api/v1/auth/email", {"email": member["email"]})
    assert status == 202, body
    link = await link_for(sink, "ana@xn--espaa-rta.example")
    [mail] = sink.to("ana@xn--espaa-rta.example")
    assert str(mail.message["To"]) == "ana@xn--espaa-rta.example" and "/signin/link/" in link


async def test_sender__an_address_no_server_takes_fails_alone_and_the_others_go(nodes, sink: MailSink):
    """A local part written in its own script needs SMTPUTF8: that mail fails for good. It made
    the whole round fail, again and again, so no mail of the node went out any more."""
    nyc = await mailing_node(nodes, sink)
    jorg = await add_member(nyc, "Jörg Meier", "jörg@example.org")
    ada = await add_member(nyc, "Ada Lovelace", "ada@example.org")
    for member in (jorg, ada):
        status, body, _ = await post(nyc, "/api/v1/auth/email", {"email": member["email"]})
        assert status == 202, body
    await link_for(sink, "ada@example.org")
    failed = await eventually(lambda: nyc.node.mail.recent(), lambda rows: any(r.status == "failed" for r in rows))
    [refused] = [r for r in failed if r.status == "failed"]
    assert refused.recipient == "jörg@example.org" and "SMTPUTF8" in (refused.last_error or "")


async def test_members__an_address_with_a_control_character_is_refused_not_a_500_at_its_first_mail(
    nodes, sink: MailSink
):
    """The API's address rule (\\s: Unicode's white space) let U+001C through; the email package
    reads it as a line break and refused the header, so the first mail to the member (here a
    sign-in code) answered 500."""
    nyc = await mailing_node(nodes, sink)
    for address in ("ada\u001c@example.org", "ada@exam\u0007ple.org", "ada\u007f@example.org"):
        status, body = await nyc.api.call("POST", "/api/v1/members", {"display_name": "Ada", "email": address})
        assert status == 422 and body["errors"][0]["field"] == "email", body
