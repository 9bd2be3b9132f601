"""A whole node: the core (node/core.py) and every feature, built and started in this one place.

`await AssembledNode(settings).open()` gives a complete node with or without aiohttp: the web
application opens and closes it in its cleanup context (node/web/app.py), the CLI and tests
call the same `open` and `close`. Each feature is a typed attribute, built after the features
it uses (which it receives explicitly), started once it is built and stopped in reverse order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

from node.activitypub import Bridge
from node.booking import Booking, MemberRepository
from node.clock import Clock
from node.config import Settings
from node.core import Node
from node.events import EventService
from node.federation.inbox import Acceptor
from node.federation.visibility import install_default_acceptors
from node.introductions import Introductions
from node.keyrotation import KeyService
from node.mail.sender import MailSender
from node.people import People
from node.profiles import ProfileService
from node.retraction import retraction_acceptor
from node.trip import TripView
from node.twinning import TwinningService


class AssembledNode(Node):
    twinning: TwinningService
    key_rotation: KeyService
    mail_sender: MailSender
    events: EventService
    booking: Booking
    people: People
    cards: ProfileService  # members' cards and the directory (the repository alone: `profiles`)
    introductions: Introductions  # introductions between members of twins
    trip: TripView
    activitypub: Bridge | None  # None when `activitypub.enabled` is false

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        super().__init__(settings, clock=clock)
        self.activitypub = None
        self._running = AsyncExitStack()

    async def open(self) -> AssembledNode:
        await super().open()
        try:
            self._start_features()
            await self.federation.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        await self._running.aclose()
        await super().close()

    def _start_features(self) -> None:
        self.twinning = TwinningService(self, self.store.twinnings, self.store.outbox)
        self.key_rotation = KeyService(self, self.store.twinnings)
        self.inbox.accept("KeyRotation", Acceptor(after_apply=self.key_rotation.accept_rotation))
        install_default_acceptors(self.inbox, self.id)
        self.inbox.accept("Retraction", retraction_acceptor(self))
        settings = self.settings
        self.mail_sender = MailSender(
            self.mail, self.store.db, settings.mail, settings.directory, self.clock, lease=self.leases.job("mail")
        )
        self._start(self.mail_sender.start, self.mail_sender.stop)
        self.events = EventService(self)
        self.events.start()
        self.booking = Booking(self)
        self.events.on_publish.append(self.booking.event_moves.follow)
        self._start(self.booking.start, self.booking.stop)
        self.people = People(self, self.booking.home)
        self.people.visitor_erased.append(self.booking.waitlist.forget_member)
        self._start(self.people.start, self.people.stop)
        self.cards = ProfileService(self)
        self._start(self.cards.start, self.cards.stop)
        self.introductions = Introductions(self, MemberRepository(self.store.db), self.profiles)
        self.cards.cards_deleted.append(self.introductions.forget_card)
        self._start(self.introductions.start, self.introductions.stop)
        self.trip = TripView(self, self.profiles, self.events)
        if settings.activitypub.enabled:
            self.activitypub = Bridge(self, self.events.public)
            self._start(self.activitypub.start, self.activitypub.stop)

    def _start(self, start: Callable[[], None], stop: Callable[[], Awaitable[None]]) -> None:
        start()
        self._running.push_async_callback(stop)
