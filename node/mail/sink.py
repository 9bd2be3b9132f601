"""A local SMTP server that keeps what it receives: the demo's "mail box", and the tests' server.

It is `aiosmtpd` on a loopback port, running in the caller's event loop; it delivers nowhere.
The demo shows what it caught on a page linked from /admin, so a person trying the demo can
follow the e-mail steps (sign-in codes, invitations, reservation mails).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

DEFAULT_KEEP = 500


@dataclass(frozen=True)
class CaughtMail:
    mail_from: str
    recipients: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"]).strip("<>")

    def text(self) -> str:
        """The plain-text part."""
        part = self.message.get_body(preferencelist=("plain",))
        return str(part.get_content()) if part is not None else ""


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.sink.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.sink.caught.append(CaughtMail(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(content)))
        self.sink.arrived.set()
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, keep: int = DEFAULT_KEEP) -> None:
        self.caught: deque[CaughtMail] = deque(maxlen=keep)
        self.refuse: set[str] = set()  # addresses answered with 550 (for tests of refused mail)
        self.arrived = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        handler = _Handler(self)
        loop = asyncio.get_running_loop()

        def protocol() -> Any:
            return SMTP(handler, hostname="gemella-sink", data_size_limit=25 * 1024 * 1024)

        self._server = await loop.create_server(protocol, host, port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def to(self, address: str) -> list[CaughtMail]:
        return [m for m in self.caught if address.lower() in (r.lower() for r in m.recipients)]
