"""The mail worker against a real SMTP server on loopback: delivery, retries, refusals."""

from __future__ import annotations

import structlog

from node.mail import Mail
from node.mail.sink import MailSink
from tests.support.mail import mail_config, parse, wait_for_mail
from tests.support.nodes import InProcessNode, eventually, free_port


async def queue(node: InProcessNode, mail: Mail) -> str | None:
    async with node.node.write() as work:
        return await node.node.mail.enqueue(work, mail, node.node.clock.now())


def hello(to: str = "ada@example.org", **extra: object) -> Mail:
    return Mail(kind="test", to=to, subject="Hello", paragraphs=("Welcome to the space.",), **extra)  # type: ignore[arg-type]


async def statuses(node: InProcessNode) -> dict[str, str]:
    return {m.message_id: m.status for m in await node.node.mail.recent()}


async def test_sender__delivers_a_queued_mail_with_text_part_footer_and_its_message_id(nodes, sink: MailSink):
    nyc = await nodes("WeCreate NYC", config=mail_config(sink.port))
    message_id = await queue(nyc, hello())
    [caught] = await wait_for_mail(sink, "ada@example.org")
    message = parse(caught)
    assert message["Message-ID"] == f"<{message_id}>"
    assert message["Subject"] == "Hello"
    assert "WeCreate NYC" in str(message["From"])
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Welcome to the space." in text
    assert f"WeCreate NYC, {nyc.url}" in text  # the footer names the space
    assert message.get_body(preferencelist=("html",)) is not None
    assert caught.mail_from.startswith("noreply@")
    await eventually(lambda: statuses(nyc), {message_id: "sent"})


async def test_sender__retries_until_the_server_answers_and_sends_the_same_message(nodes):
    port = free_port()
    nyc = await nodes("NYC", config=mail_config(port))
    message_id = await queue(nyc, hello())
    tried = await eventually(lambda: nyc.node.mail.recent(), lambda rows: rows[0].tries >= 1)
    assert tried[0].status == "pending" and "cannot reach the mail server" in (tried[0].last_error or "")
    late = MailSink()
    await late.start(port=port)
    try:
        [caught] = await wait_for_mail(late, "ada@example.org")
        assert caught.message_id == message_id
        assert caught.data.replace(b"\r\n", b"\n") == tried[0].message.replace(b"\r\n", b"\n")
    finally:
        await late.stop()


async def test_sender__a_refused_recipient_fails_for_good_and_others_still_go(nodes, sink: MailSink):
    sink.refuse.add("gone@example.org")
    nyc = await nodes("NYC", config=mail_config(sink.port))
    refused = await queue(nyc, hello("gone@example.org"))
    fine = await queue(nyc, hello("ada@example.org"))
    await wait_for_mail(sink, "ada@example.org")
    found = await eventually(lambda: statuses(nyc), {refused: "failed", fine: "sent"})
    assert found[refused] == "failed"
    assert sink.to("gone@example.org") == []


async def test_sender__a_refused_mail_is_logged_without_its_recipients_address(nodes, sink: MailSink):
    sink.refuse.add("gone@example.org")
    nyc = await nodes("NYC", config=mail_config(sink.port))
    with structlog.testing.capture_logs() as logs:
        refused = await queue(nyc, hello("gone@example.org"))
        await eventually(lambda: statuses(nyc), {refused: "failed"})
    [entry] = [e for e in logs if e["event"] == "mail_refused"]
    assert entry["message_id"] == refused and entry["code"] == 550
    assert [e for e in logs if "gone@example.org" in repr(e)] == []  # logs outlive an erasure
    # The operator's mail page still says whom it failed for: that row goes with the member.
    [row] = await nyc.node.mail.recent()
    assert "gone@example.org" in (row.last_error or "")


async def test_outbox__a_dedupe_key_writes_a_mail_once(nodes, sink: MailSink):
    nyc = await nodes("NYC", config=mail_config(sink.port))
    first = await queue(nyc, hello(dedupe_key="reminder:1"))
    second = await queue(nyc, hello(dedupe_key="reminder:1"))
    assert first is not None and second is None
    await wait_for_mail(sink, "ada@example.org")
    assert len(await nyc.node.mail.recent()) == 1


async def test_outbox__without_an_smtp_host_nothing_is_written(nodes):
    nyc = await nodes("NYC")
    assert await queue(nyc, hello()) is None
    assert await nyc.node.mail.recent() == []
