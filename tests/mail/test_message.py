"""The HTML part of a mail: each address in a sentence becomes a link to exactly that address."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy

from node.mail.message import Mail, Sender, compose

SENDER = Sender("WeCreate NYC", "noreply@nyc.example", "https://nyc.example")


def links(paragraph: str) -> list[str]:
    _id, raw = compose(
        Mail(kind="test", to="ada@example.org", subject="Hi", paragraphs=(paragraph,)), SENDER, datetime.now(UTC)
    )
    message = email.message_from_bytes(raw, policy=policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    return re.findall(r'<a href="([^"]*)"', html)  # the paragraph's, then the footer's


def test_compose__a_link_ends_where_the_address_does_not_at_the_sentences_punctuation():
    """'Confirm it at https://…/reservations; if you do not, …' (the waitlist's offer): the link
    took the semicolon, and led to a page that does not exist."""
    assert links("Confirm it at https://nyc.example/reservations; if you do not, it goes on.")[0] == (
        "https://nyc.example/reservations"
    )
    assert links("Re-hosted here from https://ldn.example/events/42.")[0] == "https://ldn.example/events/42"
    assert links("(see https://nyc.example/account)")[0] == "https://nyc.example/account"
    assert links("Open https://nyc.example/signin/link/a-b_c9 now")[0] == "https://nyc.example/signin/link/a-b_c9"


def test_sender__the_envelope_senders_domain_is_written_as_the_dns_knows_it():
    sender = Sender("Café Roma", "Café Roma <noreply@café.example>", "https://roma.example")
    assert sender.envelope_from == "noreply@xn--caf-dma.example"
