"""The mail outbox across SIGKILL: every mail queued before the kill is delivered after the restart, once."""

from __future__ import annotations

import collections
from pathlib import Path

from node.clock import utcnow
from node.config import load_settings
from node.core import UnitOfWork, mail_sender
from node.mail import Mail, MailOutbox
from node.mail.sink import MailSink
from node.store import Store
from tests.support.mail import mail_config
from tests.support.nodes import ProcessNode, eventually, free_port, make_node_dir


async def queue_offline(directory: Path, count: int) -> list[str]:
    """Write `count` mails into the node's outbox while it is not running (the node's own code)."""
    settings = load_settings(directory, {})
    store = await Store(settings.database_path).open()
    outbox = MailOutbox(store.db, mail_sender(settings), enabled=True)
    ids = []
    try:
        async with store.db.transaction() as tx:
            work = UnitOfWork(tx)
            for n in range(count):
                mail = Mail(kind="test", to=f"m{n}@example.org", subject=f"Mail {n}", paragraphs=(f"Number {n}.",))
                message_id = await outbox.enqueue(work, mail, utcnow())
                assert message_id is not None
                ids.append(message_id)
    finally:
        await store.close()
    return ids


async def tried(directory: Path) -> int:
    store = await Store(load_settings(directory, {}).database_path).open()
    try:
        rows = await store.db.fetch_all("SELECT COUNT(*) AS n FROM mail_outbox WHERE tries > 0")
        return int(rows[0]["n"])
    finally:
        await store.close()


async def process_node(tmp_path: Path, port: int) -> ProcessNode:
    directory, http_port, token, url = await make_node_dir(tmp_path, "NYC", config=mail_config(port))
    return ProcessNode(directory, "NYC", http_port, token, url)


async def test_mail_outbox__sigkill_while_the_server_is_down_loses_and_doubles_nothing(tmp_path):
    smtp_port = free_port()
    node = await process_node(tmp_path, smtp_port)
    queued = await queue_offline(node.directory, 30)
    await node.start()
    try:
        await eventually(lambda: tried(node.directory), lambda n: n > 0)
        await node.kill()
        sink = MailSink()
        await sink.start(port=smtp_port)
        try:
            await node.start()
            await eventually(lambda: _seen(sink), lambda n: n >= 30, timeout=30)
            counts = collections.Counter(m.message_id for m in sink.caught)
            assert set(counts) == set(queued)
            assert max(counts.values()) == 1
        finally:
            await sink.stop()
    finally:
        if node.process is not None:
            await node.kill()


async def test_mail_outbox__sigkill_while_sending_delivers_everything_after_the_restart(tmp_path):
    sink = MailSink(keep=1000)
    await sink.start()
    node = await process_node(tmp_path, sink.port)
    queued = await queue_offline(node.directory, 300)
    try:
        await node.start()
        await eventually(lambda: _seen(sink), lambda n: n >= 20, interval=0.005)
        await node.kill()
        before = {m.message_id for m in sink.caught}
        assert len(before) < 300, "the kill came after everything was sent: the test proves nothing"
        await node.start()
        await eventually(lambda: _distinct(sink), lambda n: n >= 300, timeout=60)
        counts = collections.Counter(m.message_id for m in sink.caught)
        assert set(counts) == set(queued)
        # A mail the server took in the instant before the kill, not yet marked sent, goes again:
        # at most that one, with the same bytes and Message-ID, so the receiver can tell.
        doubled = [mid for mid, n in counts.items() if n > 1]
        assert len(doubled) <= 1
        for mid in doubled:
            assert len({m.data for m in sink.caught if m.message_id == mid}) == 1
    finally:
        if node.process is not None:
            await node.kill()
        await sink.stop()


async def _seen(sink: MailSink) -> int:
    return len(sink.caught)


async def _distinct(sink: MailSink) -> int:
    return len({m.message_id for m in sink.caught})
