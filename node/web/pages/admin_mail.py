"""Operator page: the mail the node sent or still has to send, and (in the demo) the mailbox of
the local SMTP sink, so a person trying the demo can read sign-in codes and invitations."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from aiohttp import web

from node.http.pages.operator import operator_only, render_admin
from node.store.tokens import Principal
from node.web.keys import ASSEMBLED

if TYPE_CHECKING:  # the sink (and its SMTP server library) is loaded by the demo alone
    from node.mail.sink import MailSink

routes = web.RouteTableDef()
DEMO_SINK = web.AppKey["MailSink"]("demo_mail_sink")
SHOWN = 50


@routes.get("/admin/mail")
@operator_only
async def mail(request: web.Request, who: Principal) -> web.Response:
    node = request.app[ASSEMBLED]
    outbox = [
        {"subject": m.subject, "to": m.recipient, "status": m.status, "tries": m.tries, "error": m.last_error}
        | {"created_at": m.created_at, "sent_at": m.sent_at, "kind": m.kind}
        for m in await node.mail.recent(SHOWN)
    ]
    sink = request.app.get(DEMO_SINK)
    caught = [_readable(m.data) for m in reversed(sink.caught)][:SHOWN] if sink is not None else None
    context = {"enabled": node.mail.enabled, "outbox": outbox, "caught": caught, "counts": await node.mail.counts()}
    return render_admin(request, "admin_mail.html", context, who, "/admin/mail")


def _readable(data: bytes) -> dict[str, Any]:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    attachments = [part.get_filename() for part in message.iter_attachments() if part.get_filename()]
    return {
        "subject": str(message["Subject"]),
        "to": str(message["To"]),
        "date": str(message["Date"]),
        "text": body.get_content() if body is not None else "",
        "attachments": attachments,
    }


def install_demo_sink(sink: MailSink) -> Any:
    """An app extension for `gemella demo`: show what `sink` caught on the mail page."""

    def extend(app: web.Application, node: Any) -> None:
        app[DEMO_SINK] = sink

    return extend
