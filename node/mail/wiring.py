"""Installs the mail worker in the application: started when the node opens, stopped before it closes."""

from __future__ import annotations

from aiohttp import web

from node.core import Node

from .sender import MailSender

SENDER = web.AppKey("mail_sender", MailSender)


def install(app: web.Application, node: Node) -> None:
    sender = app[SENDER] = MailSender(node.mail, node.store.db, node.settings.mail, node.settings.directory, node.clock)

    def open_mail(opened: Node) -> None:
        sender.start()

    async def close_mail(app: web.Application) -> None:
        await sender.stop()

    node.on_open.append(open_mail)
    app.on_shutdown.append(close_mail)
