"""Two real twinned nodes, New York and London, with members and profile cards, for introductions
and the trip view; mail goes to a real SMTP sink."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node.mail.sink import MailSink
from tests.support.mail import mail_config
from tests.support.nodes import InProcessNode, eventually, twin

NYC_ZONE, LONDON_ZONE = "America/New_York", "Europe/London"
TERMS = {
    "allowances": [{"kind": "desk", "unit": "day", "amount": 20, "period": "month"}],
    "rules": {"book_ahead_days": 60, "min_notice_hours": 2, "cancel_until_hours": 24, "max_seats_per_reservation": 2},
}


@dataclass
class People:
    nyc: InProcessNode
    london: InProcessNode
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def token(self, name: str) -> str:
        return str(self.members[name]["token"])

    def email(self, name: str) -> str:
        return str(self.members[name]["email"])


async def people_pair(
    nodes: Any, sink: MailSink | None = None, *, london: dict[str, Any] | None = None, nyc: dict[str, Any] | None = None
) -> People:
    mail = mail_config(sink.port) if sink is not None else {}
    nyc_node = await nodes("WeCreate NYC", NYC_ZONE, config={**mail, **(nyc or {})})
    london_node = await nodes("TheCube London", LONDON_ZONE, config={**mail, **(london or {})})
    await twin(nyc_node, london_node, offer=TERMS, request=TERMS)
    return People(nyc_node, london_node)


async def add_member(node: InProcessNode, pair: People, name: str, language: str | None = None) -> dict[str, Any]:
    email = name.lower().replace(" ", ".") + "@example.org"
    body: dict[str, Any] = {"display_name": name, "email": email}
    if language:
        body["language"] = language
    member = dict(await node.api.ok("POST", "/api/v1/members", body))
    member["email"] = email
    pair.members[name] = member
    return member


async def publish_card(node: InProcessNode, token: str, audience: Any, **fields: Any) -> dict[str, Any]:
    """PUT /api/v1/profile with every given field shared (open to visitors, and sharing it, unless told
    `open_to_visitors=False`: then that field is not turned on)."""
    body: dict[str, Any] = {"open_to_visitors": True, **fields}
    body["shared"] = [name for name, value in body.items() if value is not False]
    body["audience"] = audience
    return dict(await node.api.ok("PUT", "/api/v1/profile", body, token=token))


async def card_at(node: InProcessNode, token: str, origin: str, name: str) -> dict[str, Any]:
    """The card of `name` from `origin` as `node`'s directory shows it, once it arrived."""

    async def probe() -> dict[str, Any] | None:
        found = await node.api.ok("GET", f"/api/v1/directory?origin={origin}", token=token)
        return next((item for item in found["items"] if item.get("display_name") == name), None)

    card = await eventually(probe, lambda c: c is not None)
    assert card is not None
    return dict(card)


async def introduction(node: InProcessNode, token: str, id_: str) -> dict[str, Any]:
    return dict(await node.api.ok("GET", f"/api/v1/introductions/{id_}", token=token))


def file_bytes(node: InProcessNode) -> bytes:
    """The node's database as stored: the file and its write-ahead log."""
    path = Path(node.node.settings.database_path)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
