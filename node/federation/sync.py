"""Keeping each twin in step: a delivery loop (push, from the outbox) and a pull loop (feed).

Push is the fast path; the feed guarantees convergence if pushes were lost. Both loops run
per peer, as one `PeerLink`. Delivery retries with capped exponential backoff and full
jitter, honouring Retry-After; nothing leaves the outbox until the peer acknowledged it.

With several workers on one database every worker delivers: each claims the rows it sends
(node/store/outbox.py), so the worker whose request queued an object sends it at once and two
workers never send the same row together. The pull loop runs in the one worker that holds the
twin's `pull:` lease (node/store/leases.py): pages read twice would be wasted work.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

import structlog

from node.clock import iso, parse_iso
from node.retry import Backoff, parse_retry_after, slower
from node.store import OutboxItem
from node.store.outbox import Claim
from node.worker import Worker
from protocol.models import MAX_BODY_BYTES
from protocol.problems import Problem, ProblemType

from .client import AnswerTooLarge, PeerUnreachable, Response
from .links import LinkContext

log = structlog.get_logger("node.sync")

BATCH_BYTES = MAX_BODY_BYTES - 64 * 1024


class DeliveryFailed(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PullPaused(Exception):
    """The twin's budget of objects is spent: the pull goes on from its cursor in `wait` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the twin's budget of objects is spent for {wait:.1f} s")
        self.wait = wait


class PeerLink:
    """Delivery and pull loops for one peer."""

    def __init__(self, links: LinkContext, peer_id: str) -> None:
        self.peer_id = peer_id
        self.db = links.store.db
        self.outbox = links.store.outbox
        self.peer_state = links.store.peer_state
        self.twinnings = links.store.twinnings
        self.client = links.client
        self.inbox = links.inbox
        self.clock = links.clock
        self.leases = links.leases
        self.metrics = links.metrics
        self.items = links.items
        self.settings = settings = links.settings.delivery
        self._backoff = Backoff(settings.backoff_base_seconds, settings.backoff_cap_seconds)
        self._pull_failures = 0
        self._held_rounds = 0  # delivery rounds in a row in which the twin refused items for the moment
        # A bug must not stop delivery for good: the worker logs it and looks again later.
        self._idle = settings.idle_recheck_seconds
        self._delivery = Worker(f"deliver:{peer_id}", self._deliver_once, after_error=self._idle)
        self._pull = Worker(f"pull:{peer_id}", self._pull_once, lease=links.leases.job(f"pull:{peer_id}"))

    def start(self) -> None:
        self._delivery.start()
        self._pull.start()  # pull once on start

    def wake(self) -> None:
        self._delivery.wake()

    def pull_soon(self) -> None:
        self._pull.wake()

    async def stop(self) -> None:
        await asyncio.gather(self._delivery.stop(), self._pull.stop())
        # A round cut short leaves its rows claimed: released, the next process (or this one,
        # restarted) sends them at once instead of after the claim lapses.
        try:
            async with self.db.transaction() as tx:
                await self.outbox.store_release(tx, self.peer_id, self.leases.holder)
        except Exception:
            log.warning("claims_not_released", peer=self.peer_id, exc_info=True)

    # -- delivery ---------------------------------------------------------------------------

    async def _deliver_once(self) -> float | None:
        """Send what is due; returns how long to wait before looking again (None: until woken)."""
        state = await self.peer_state.get(self.peer_id)
        now = self.clock.now()
        if state.next_try and parse_iso(state.next_try) > now:
            return (parse_iso(state.next_try) - now).total_seconds()
        items = await self._claim()
        if not items:
            return await self._until_claims_lapse()
        try:
            delivered, sent = await self._send(items)
        except DeliveryFailed as exc:
            return await self._failed(state.tries, str(exc), exc.retry_after)
        await self._succeeded(state.tries, delivered)
        # Items the twin refused for the moment (a key it has not fetched yet...) are sent again
        # later, with backoff: at once, they would be refused again, round after round.
        self._held_rounds = self._held_rounds + 1 if len(delivered) < sent else 0
        return self._backoff.delay(self._held_rounds - 1) if self._held_rounds else 0.0

    async def _until_claims_lapse(self) -> float:
        """Nothing to claim: look again when another worker's claims on this twin's rows lapse
        (it may have died mid-delivery), or after the idle time if none are claimed."""
        lapse = await self.outbox.get_next_claim_lapse(self.peer_id)
        if lapse is None:
            return self._idle
        return min(self._idle, max(0.05, lapse - time.time()))

    async def _claim(self) -> list[OutboxItem]:
        """This round's rows, claimed for one lease (agreement messages, then objects once active)."""
        twinning = await self.twinnings.get_live(self.peer_id)
        now = time.time()
        # One process alone on its database (SQLite) claims for no time at all: after a crash, the
        # restarted process must not wait for its former self's claims to lapse.
        claim = Claim(self.leases.holder, now, now + self.leases.seconds if self.leases.shared else now)
        async with self.db.transaction() as tx:
            items = await self.outbox.store_claims(tx, claim, self.peer_id, "twinning", 50)
            if twinning is not None and twinning.status == "active":
                items += await self.outbox.store_claims(tx, claim, self.peer_id, "inbox", self.settings.batch_items)
        return items

    async def _send(self, items: list[OutboxItem]) -> tuple[list[OutboxItem], int]:
        """(the items the twin took or refused for good, how many were sent)."""
        delivered = []
        for item in [i for i in items if i.route == "twinning"]:
            resp = await self._post(self.client.post_twinning(self.peer_id, item.envelope))
            if resp.status < 300 or not resp.worth_retrying():
                delivered.append(item)  # done, or refused for good: retrying cannot help
                if resp.status >= 300:
                    log.warning("twinning_message_refused", peer=self.peer_id, status=resp.status)
            else:
                raise _failure(resp, self.clock.now())
        batch = _fit([i for i in items if i.route == "inbox"])
        if batch:
            delivered += await self._send_batch(batch)
        return delivered, len(items) - sum(1 for i in items if i.route == "inbox") + len(batch)

    async def _send_batch(self, batch: list[OutboxItem]) -> list[OutboxItem]:
        payload = {"items": [i.envelope for i in batch]}
        resp = await self._post(self.client.post_inbox(self.peer_id, payload))
        if resp.status != 202:
            raise _failure(resp, self.clock.now())
        try:
            results = resp.json()["results"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryFailed("the twin's inbox answered without results") from exc
        delivered = []
        for item, result in zip(batch, results, strict=False):
            problem = result.get("problem") or {}
            if result.get("status") != "rejected" or not _retryable(problem):
                delivered.append(item)  # applied, or refused for good: retrying cannot help
            if result.get("status") == "rejected":
                log.warning("item_rejected", peer=self.peer_id, type=item.type, id=item.id, problem=problem)
        return delivered

    async def _post(self, sending: Awaitable[Response]) -> Response:
        try:
            return await sending
        except PeerUnreachable as exc:
            raise DeliveryFailed(str(exc)) from exc

    async def _succeeded(self, previous_tries: int, delivered: list[OutboxItem]) -> None:
        at = iso(self.clock.now())
        async with self.db.transaction() as tx:
            await self.outbox.delete_delivered(tx, delivered)
            await self.outbox.store_release(tx, self.peer_id, self.leases.holder)
            await self.peer_state.store_success(tx, self.peer_id, at)
        self.metrics.deliveries.labels(peer=self.peer_id, result="ok").inc()
        self.metrics.delivered_items.labels(peer=self.peer_id).inc(len(delivered))
        if previous_tries:
            log.info("peer_recovered", peer=self.peer_id, after_tries=previous_tries)
            self.pull_soon()  # it may have changed things while we could not reach it

    async def _failed(self, tries: int, error: str, retry_after: float | None) -> float:
        delay = self._backoff.delay(tries, retry_after)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await self.outbox.store_release(tx, self.peer_id, self.leases.holder)
            await self.peer_state.store_failure(tx, self.peer_id, iso(now), iso(now + timedelta(seconds=delay)), error)
        self.metrics.deliveries.labels(peer=self.peer_id, result="error").inc()
        log.warning("delivery_failed", peer=self.peer_id, error=error, tries=tries + 1, retry_in=round(delay, 2))
        return delay

    # -- pull -------------------------------------------------------------------------------

    async def _pull_once(self) -> float:
        """Read the feed if the twinning is active; returns when to read it again. A feed that
        keeps failing is read less and less often, up to the retry cap."""
        settings = self.settings
        try:
            twinning = await self.twinnings.get_live(self.peer_id)
            if twinning is not None and twinning.status == "active":
                await self.pull_feed()
            self._pull_failures = 0
        except PullPaused as paused:
            self._pull_failures = 0
            log.info("pull_paused", peer=self.peer_id, seconds=round(paused.wait, 1))
            return paused.wait
        except (PeerUnreachable, Problem) as exc:
            self._pull_failures += 1
            await self._pull_failed(str(exc))
        except Exception:
            self._pull_failures += 1
            log.exception("pull_loop_error", peer=self.peer_id)
        return slower(settings.pull_interval_seconds, self._pull_failures, settings.backoff_cap_seconds)

    async def pull_feed(self, page_size: int = 500) -> int:
        """Read the peer's feed from our stored cursor to its end; returns objects read.

        While one page is applied (verified on worker threads, stored), the next one is already
        being read: the peer's work and ours overlap, as they would not page after page.
        """
        state = await self.peer_state.get(self.peer_id)
        cursor, total = state.feed_cursor, 0
        reading = asyncio.ensure_future(self._read_page(cursor, page_size))
        try:
            while True:
                resp, page_size = await reading
                if resp.status != 200:
                    raise resp.problem()
                items = _feed_items(self.peer_id, resp, page_size)
                if not items:
                    async with self.db.transaction() as tx:
                        await self.peer_state.store_cursor(tx, self.peer_id, cursor, iso(self.clock.now()))
                    break
                last = max(seq for seq, _ in items)
                if last <= cursor:  # asking again would get the same page forever
                    raise Problem(
                        ProblemType.VALIDATION_ERROR, f"the feed of {self.peer_id} did not advance past {cursor}"
                    )
                # Each object costs a signature check, as a pushed one: the same budget pays for both.
                wait = await self.items.take(self.peer_id, cost=len(items))
                if wait:
                    raise PullPaused(wait)
                more = len(items) >= page_size
                if more:
                    reading = asyncio.ensure_future(self._read_page(last, page_size))
                total = await self._apply_page(items, last, total)
                cursor = last
                if not more:
                    break
        finally:
            _discard(reading)  # a page read ahead of a failure is not needed
        return total

    async def _apply_page(self, items: list[tuple[int, Any]], last: int, total: int) -> int:
        """Apply one page and move our cursor past it; returns the objects read so far."""
        await self.inbox.apply(self.peer_id, [envelope for _, envelope in items], via="feed")
        total += len(items)
        async with self.db.transaction() as tx:
            await self.peer_state.store_cursor(tx, self.peer_id, last, iso(self.clock.now()))
        self.metrics.pulled_items.labels(peer=self.peer_id).inc(len(items))
        log.info("catch_up_progress", peer=self.peer_id, cursor=last, read=total)
        return total

    async def _read_page(self, after: int, page_size: int) -> tuple[Response, int]:
        """One feed page; a page over the size limit is asked for again with half as many items."""
        while True:
            try:
                return await self.client.get_feed(self.peer_id, after, page_size), page_size
            except AnswerTooLarge:
                if page_size == 1:
                    raise
                page_size //= 2

    async def _pull_failed(self, error: str) -> None:
        """Shown as the twin's last error (delivery page, /api/v1/status) until a delivery succeeds."""
        log.info("pull_failed", peer=self.peer_id, error=error)
        async with self.db.transaction() as tx:
            await self.peer_state.store_error(tx, self.peer_id, iso(self.clock.now()), error)


def _fit(items: list[OutboxItem]) -> list[OutboxItem]:
    """As many items as fit one inbox request body."""
    batch: list[OutboxItem] = []
    size = 16
    for item in items:
        size += len(json.dumps(item.envelope, separators=(",", ":"), ensure_ascii=False).encode()) + 1
        if batch and size > BATCH_BYTES:
            break
        batch.append(item)
    return batch


def _discard(task: asyncio.Future[Any]) -> None:
    """Cancel a read no longer wanted, or take its outcome if it already has one (so that its
    error, if any, is not reported as never retrieved)."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


def _feed_items(peer_id: str, resp: Response, asked: int) -> list[tuple[int, Any]]:
    """The (seq, envelope) of each item of a feed page of at most `asked` items; the envelopes are
    checked by the inbox."""
    try:
        items = resp.json()["items"]
        found = [(item["seq"], item["envelope"]) for item in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise Problem(ProblemType.VALIDATION_ERROR, f"the feed of {peer_id} is not a feed page") from exc
    if len(found) > asked:
        raise Problem(
            ProblemType.VALIDATION_ERROR, f"the feed of {peer_id} sent {len(found)} items, {asked} were asked"
        )
    if not all(type(seq) is int and seq >= 1 for seq, _ in found):
        raise Problem(ProblemType.VALIDATION_ERROR, f"the feed of {peer_id} has an item without a valid seq")
    return found


def _retryable(problem: object) -> bool:
    """Whether an item's rejection (an untrusted problem document) is worth sending again."""
    return Problem.from_document(problem).kind.retryable if isinstance(problem, dict) and problem else False


def _failure(resp: Response, now: datetime) -> DeliveryFailed:
    retry_after = parse_retry_after(resp.headers.get("Retry-After"), now)
    problem = resp.problem()
    return DeliveryFailed(f"HTTP {resp.status} {problem.kind.value}: {problem.detail or ''}".strip(), retry_after)
