"""The people feature's services on one node, and the typed key handlers reach them by."""

from __future__ import annotations

from aiohttp import web

from node.booking.store import MemberRepository
from node.core import Node

from .accounts import Accounts
from .erasure import Chores, Erasure
from .signin import EmailSignIn


class People:
    """Sign-in by e-mail and invitations (more services join as the feature grows)."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.members = MemberRepository(node.store.db)
        self.signin = EmailSignIn(node, self.members)
        self.accounts = Accounts(node, self.members)
        self.erasure = Erasure(node, self.members, self.accounts)
        self.chores = Chores(node)


PEOPLE = web.AppKey("people", People)


def people(request: web.Request) -> People:
    return request.app[PEOPLE]
