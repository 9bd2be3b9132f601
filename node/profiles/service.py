"""A member's card: write it, choose its fields and audience, withdraw it; twins' cards coming in.

Every field is off until the member names it in `shared`. The card travels as a signed
`MemberProfile` holding the shared fields only, to the twins of its audience only ("space":
none, "twins": every twin, or the listed twins). Narrowing the audience sends the twins taken
out a `Retraction`; withdrawing or erasing sends a `withdrawn` version with no content. Twins
apply both by deleting what they held.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiosqlite import Connection
from pydantic import ValidationError

from node.clock import iso
from node.core import Node, UnitOfWork
from node.federation.inbox import Acceptor
from node.i18n import negotiate
from node.plain import validation_problem
from node.retraction import guard, retract
from node.store.profiles import Card, OwnProfile, ProfileRepository
from protocol.models import FederatedObject, MemberProfile
from protocol.models.profiles import CONTENT_FIELDS
from protocol.problems import Problem, ProblemType

from . import vocabulary
from .bodies import ProfileBody, invalid

Audience = str | list[str]
# (tx, origin, handles): twins' cards this node no longer holds; what other features took from them goes too.
CardsDeleted = Callable[[Connection, str, list[str]], Awaitable[None]]


class ProfileService:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.repo: ProfileRepository = node.profiles
        self.cards_deleted: list[CardsDeleted] = []  # the name an introduction read on a card (assembly)

    # -- a member's own card --------------------------------------------------------------------

    async def get(self, member_id: str) -> dict[str, Any]:
        own = await self.repo.get_own(member_id)
        if own is None or not own.published:
            raise Problem(ProblemType.NOT_FOUND, "you have not published a card")
        return await self.view(own)

    async def view(self, own: OwnProfile) -> dict[str, Any]:
        hidden = await self.repo.is_hidden(self.node.id, own.handle)
        return {
            "member": own.handle,
            "origin": self.node.id,
            **own.fields,
            "shared": own.shared,
            "audience": own.audience,
            "version": own.version,
            "updated_at": own.updated_at,
            "hidden": hidden,
        }

    async def put(self, member_id: str, body: ProfileBody) -> dict[str, Any]:
        fields = _normalized(body)
        for name in body.shared:
            if fields.get(name) in (None, "", []):
                invalid("shared", f"{name} is turned on but has no value; fill it in or leave it out of shared")
        audience = await self.audience(body.audience)
        now = self.node.clock.now()
        async with self.node.write() as work:
            handle = await self.repo.get_handle(work.tx, member_id)
            current = await self.repo.get_own(member_id, tx=work.tx)
            assert current is not None
            before = await self.recipients(current)
            version = current.version + 1
            shared: dict[str, Any] = {name: fields[name] for name in CONTENT_FIELDS if name in body.shared}
            card = self.compose(handle, version, now, shared)
            await self.node.publish(work, card, wire_audience(audience))
            await self.repo.store_card(work.tx, _card(card), _terms(card))
            own = OwnProfile(member_id, handle, fields, sorted(body.shared), audience, True, version, iso(now))
            await self.repo.store_own(work.tx, own)
            kept = await self.recipients(own)
            await retract(self.node, work, card.key, version, before - kept, kept=kept)
        return await self.view(own)

    async def withdraw(self, member_id: str) -> dict[str, Any]:
        async with self.node.write() as work:
            if not await withdraw_card(self.node, work, member_id):
                raise Problem(ProblemType.NOT_FOUND, "you have not published a card")
        return {"withdrawn": True}

    def compose(self, handle: str, version: int, now: Any, shared: dict[str, Any]) -> MemberProfile:
        try:
            return MemberProfile(
                origin=self.node.id,
                id=handle,
                member=handle,
                home=self.node.id,
                version=version,
                updated_at=now,
                **shared,
            )
        except ValidationError as exc:
            raise validation_problem(exc) from exc

    async def audience(self, value: Audience) -> Audience:
        """'space', 'twins', or the listed twins as node ids; anything but an active twin is refused."""
        if isinstance(value, str):
            return value
        active = set(await self.node.store.twinnings.list_active_peers())
        peers = []
        for index, entry in enumerate(value):
            twinning = await self.node.store.twinnings.get(entry)
            peer = twinning.peer_id if twinning is not None else entry.rstrip("/")
            if peer not in active:
                invalid(f"audience.{index}", f"{entry!r} is not an active twin of this space")
            peers.append(peer)
        return sorted(set(peers))

    async def recipients(self, own: OwnProfile | None) -> set[str]:
        """The twins that may hold this card's content now (a suspended twin still holds it)."""
        if own is None or not own.published or own.audience == "space":
            return set()
        if own.audience == "twins":
            return set(await self.node.store.twinnings.list_sharing_peers())
        return set(own.audience)

    async def origin_named(self, value: str) -> str:
        """A directory's origin filter: "" (all), "local" (this space), a twin by node URL or twinning id."""
        if value in ("", "local"):
            return self.node.id if value else ""
        twinning = await self.node.store.twinnings.get(value)
        return twinning.peer_id if twinning is not None else value.rstrip("/")

    def language_of(self, saved: str | None, accepted: list[str]) -> str:
        """The language a member reads: the one saved on their account, else their browser's."""
        return negotiate([*([saved] if saved else []), *accepted]) or "en"

    # -- the operator ---------------------------------------------------------------------------

    async def hide(self, origin: str, handle: str, hidden: bool) -> dict[str, Any]:
        if await self.repo.get_remote(origin, handle) is None:
            raise Problem(ProblemType.NOT_FOUND, "this node holds no such card")
        async with self.node.write() as work:
            await self.repo.store_hidden(work.tx, origin, handle, hidden, iso(self.node.clock.now()))
        return {"origin": origin, "member": handle, "hidden": hidden}

    # -- twins' cards ---------------------------------------------------------------------------

    def start(self) -> None:
        self.node.inbox.accept("MemberProfile", self.acceptor())

    async def stop(self) -> None:
        await self.repo.purge.flush()  # deleted cards' words leave the index before the node stops

    def acceptor(self) -> Acceptor:
        acceptor = Acceptor(check=self._check_incoming, after_apply_batch=self._apply, on_retract=self._forget)
        return guard(self.node.store, acceptor)

    async def _check_incoming(self, peer_id: str, obj: FederatedObject) -> None:
        # The inbox already refused a card not signed by its origin, and the model one whose home
        # is not its origin. A handle is random: one that another origin (or we) hold is forged.
        assert isinstance(obj, MemberProfile)
        # Our own members' handles are listed under '' (and our own cards under our id).
        if await self.repo.list_owners(obj.id) - {peer_id}:
            raise Problem(ProblemType.FORBIDDEN, f"{peer_id} may not send a card for a member of another space")

    async def _apply(self, tx: Connection, peer_id: str, objects: list[FederatedObject]) -> None:
        # A new version of a card held replaces its text: what the member turned off or rewrote
        # must leave the index's old segments as a deleted card's does.
        replaced = bool(await self.repo.list_held_handles(tx, peer_id, [obj.id for obj in objects]))
        gone = []
        for obj in objects:
            assert isinstance(obj, MemberProfile)
            if obj.status != "withdrawn":
                await self.repo.store_card(tx, _card(obj), _terms(obj))
            elif await self.repo.delete_card(tx, obj.origin, obj.id):
                gone.append(obj.id)
        if gone:
            await self._deleted(tx, peer_id, gone)
        if replaced or gone:
            self.repo.purge.soon()  # runs after this transaction commits (it waits for the writer)

    async def _forget(self, tx: Connection, origin: str, handle: str) -> None:
        if await self.repo.delete_card(tx, origin, handle):
            await self._deleted(tx, origin, [handle])
            self.repo.purge.soon()

    async def _deleted(self, tx: Connection, origin: str, handles: list[str]) -> None:
        for forget in self.cards_deleted:
            await forget(tx, origin, handles)


async def withdraw_card(node: Node, work: UnitOfWork, member_id: str) -> bool:
    """Withdraw the member's card inside `work`: a contentless version to every twin that may
    hold it, their content deleted here. False when there was no published card.

    Also called by erasure (node/people/erasure.py), before the member's rows are deleted."""
    repo = node.profiles
    own = await repo.get_own(member_id, tx=work.tx)
    if own is None or not own.published:
        return False
    version = own.version + 1
    tombstone = MemberProfile(
        origin=node.id,
        id=own.handle,
        member=own.handle,
        home=node.id,
        version=version,
        status="withdrawn",
        updated_at=node.clock.now(),
    )
    await node.publish(work, tombstone, wire_audience(own.audience))
    await repo.delete_card(work.tx, node.id, own.handle)
    work.after_commit.append(repo.purge.soon)
    await repo.store_own(work.tx, OwnProfile(member_id, own.handle, {}, [], "space", False, version, None))
    return True


def wire_audience(audience: Audience) -> list[str] | None:
    """The peers `Node.publish` sends to: None for every twin, none for the space alone."""
    if audience == "twins":
        return None
    return [] if audience == "space" else list(audience)


def _normalized(body: ProfileBody) -> dict[str, Any]:
    """The body's fields as stored: vocabulary terms as ids, empty values left out."""
    fields = body.model_dump(include=set(CONTENT_FIELDS), exclude_none=True)
    for kind in vocabulary.KINDS:
        if kind in fields:
            fields[kind] = list(dict.fromkeys(vocabulary.normalize(kind, t) for t in fields[kind]))
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


def _card(obj: MemberProfile) -> Card:
    shared = {name: getattr(obj, name) for name in CONTENT_FIELDS}
    return Card(origin=obj.origin, member=obj.id, version=obj.version, updated_at=iso(obj.updated_at), **shared)


def _terms(obj: MemberProfile) -> str:
    return vocabulary.search_terms(obj.skills, obj.interests)
