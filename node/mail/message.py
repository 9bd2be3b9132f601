"""Turning a `Mail` (what to say, to whom) into the exact RFC 5322 bytes the outbox keeps.

Every mail has a plain-text part (an HTML part says the same), a footer naming the space, and
a Message-ID chosen once: the outbox sends these same bytes however often it has to try, so
a receiving system that sees a mail twice sees the same Message-ID. Optional mails carry a
one-click unsubscribe (RFC 8058); reservation mails carry an iTIP calendar part (RFC 6047).
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from node.i18n import _, current

# An address in a sentence: it does not end with the sentence's punctuation ("…/reservations; if").
_URL = re.compile(r"(https?://[^\s<>\"]*[^\s<>\".,;:!?)\]'])")


@dataclass(frozen=True)
class CalendarPart:
    """An iTIP message (RFC 5546): METHOD REQUEST or CANCEL, as a part and as invite.ics."""

    method: str
    ics: bytes


@dataclass(frozen=True)
class Mail:
    kind: str  # signin, invitation, reservation, reminder, ...
    to: str
    subject: str
    paragraphs: tuple[str, ...]  # plain sentences; URLs become links in the HTML part
    member_id: str | None = None
    dedupe_key: str | None = None  # a mail with a key already in the outbox is not written again
    unsubscribe_url: str | None = None  # optional mails only: the page a person opens
    unsubscribe_post_url: str | None = None  # and the address mail software POSTs to (RFC 8058)
    calendar: CalendarPart | None = None


@dataclass(frozen=True)
class Sender:
    """Who mails come from: the space's name and address, and the node's host for Message-IDs."""

    space: str
    address: str  # "Name <addr>" or addr
    node_url: str

    @property
    def envelope_from(self) -> str:
        return ascii_address(parseaddr(self.address)[1])

    @property
    def domain(self) -> str:
        return urlsplit(self.node_url).hostname or "localhost"

    @classmethod
    def default_address(cls, space: str, node_url: str) -> str:
        host = urlsplit(node_url).hostname or "localhost"
        domain = host if "." in host else f"{host}.invalid"
        return str(Address(display_name=space, addr_spec=f"noreply@{domain}"))


def compose(mail: Mail, sender: Sender, now: datetime) -> tuple[str, bytes]:
    """(Message-ID without brackets, the message's bytes with CRLF line endings)."""
    message_id = f"{uuid.uuid4().hex}@{sender.domain}"
    msg = EmailMessage(policy=policy.SMTP)
    msg["Message-ID"] = f"<{message_id}>"
    msg["Date"] = format_datetime(now)
    msg["From"] = sender.address
    msg["To"] = mail.to
    msg["Subject"] = one_line(mail.subject)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office answers, please
    if mail.unsubscribe_post_url:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_post_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    paragraphs = [*mail.paragraphs, *footer(mail, sender)]
    msg.set_content("\n\n".join(paragraphs) + "\n", charset="utf-8")
    msg.add_alternative(_html(paragraphs), subtype="html", charset="utf-8")
    if mail.calendar is not None:
        method = mail.calendar.method
        msg.add_alternative(mail.calendar.ics, maintype="text", subtype="calendar", params={"method": method})
        msg.add_attachment(mail.calendar.ics, maintype="application", subtype="ics", filename="invite.ics")
    # After the body: setting the content clears every Content-* header. Composed in the reader's language.
    msg["Content-Language"] = current().language
    return message_id, msg.as_bytes()


def ascii_address(address: str) -> str:
    """The address as every mail server takes it: its domain as the DNS knows it (ana@españa.es:
    ana@xn--espaa-rta.es). A local part in its own script stays: only SMTPUTF8 carries it."""
    local, at, domain = address.rpartition("@")
    try:
        return f"{local}{at}{domain.encode('idna').decode('ascii')}" if at else address
    except UnicodeError:  # a label the IDNA rules refuse: the server will say so
        return address


def one_line(text: str) -> str:
    """A header's text on one line. Subjects hold names twins chose; a line break in them (CR, LF,
    or any other that `str.splitlines` knows, as the email package does) would make the message
    unwritable, or start a header of the sender's choosing, so each becomes a space."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def footer(mail: Mail, sender: Sender) -> list[str]:
    lines = [f"-- \n{sender.space}, {sender.node_url}"]
    if mail.unsubscribe_url:
        lines.append(_("You can stop these mails with one click: %(url)s", url=mail.unsubscribe_url))
    return lines


def _html(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{_linked(p)}</p>\n" for p in paragraphs)
    head = f'<!doctype html>\n<html lang="{current().language}"><body style="font-family: sans-serif">\n'
    return f"{head}{body}</body></html>\n"


def _linked(paragraph: str) -> str:
    parts = _URL.split(paragraph)
    out = []
    for index, part in enumerate(parts):
        escaped = html.escape(part)
        out.append(f'<a href="{escaped}">{escaped}</a>' if index % 2 else escaped.replace("\n", "<br>"))
    return "".join(out)
