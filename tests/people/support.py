"""Helpers for the people tests: a node that mails to the sink, members, codes read from mails."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from node.mail.sink import MailSink
from tests.support.mail import mail_config, wait_for_mail
from tests.support.nodes import InProcessNode

CODE = re.compile(r"sign in to .+ is (\d{3}) (\d{3})")
LINK = re.compile(r"(https?://\S+/signin/link/[A-Za-z0-9_-]+)")


async def mailing_node(nodes: Any, sink: MailSink, name: str = "WeCreate NYC", **kwargs: Any) -> InProcessNode:
    config = {**mail_config(sink.port), **kwargs.pop("config", {})}
    node: InProcessNode = await nodes(name, config=config, **kwargs)
    return node


async def add_member(node: InProcessNode, name: str = "Ada Lovelace", email: str | None = None) -> dict[str, Any]:
    email = email or name.lower().replace(" ", ".") + "@example.org"
    return dict(await node.api.ok("POST", "/api/v1/members", {"display_name": name, "email": email}))


async def code_for(sink: MailSink, email: str, count: int = 1) -> str:
    mails = await wait_for_mail(sink, email, count)
    found = CODE.search(mails[-1].text())
    assert found, mails[-1].text()
    return found.group(1) + found.group(2)


async def link_for(sink: MailSink, email: str, count: int = 1) -> str:
    mails = await wait_for_mail(sink, email, count)
    found = LINK.search(mails[-1].text())
    assert found, mails[-1].text()
    return found.group(1)


async def post(
    node: InProcessNode, path: str, body: Any, binding: str | None = None, token: str | None = None
) -> tuple[int, Any, aiohttp.ClientResponse]:
    headers = {"Gemella-Signin": binding} if binding else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as session, session.post(node.local + path, json=body, headers=headers) as r:
        return r.status, await r.json(content_type=None), r
