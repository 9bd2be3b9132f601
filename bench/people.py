"""People: importing members from CSV, and sending mail, each beside the machine's own limit.

    python bench/people.py [--members 10000] [--mails 500]

Import: a real node on a loopback port takes `--members` rows of CSV through
`POST /api/v1/members/import` (parsing, checking every line, one transaction); rows per second
beside a bare loop of `sqlite3` inserts of the same rows into a table of the same shape, in
one transaction, in this process. Goal: at least 30 % of the bare loop.

Mail: `--mails` mails are written to the node's mail outbox, then the mail worker sends them
to a local SMTP sink (aiosmtpd, in this process); mails per second beside a bare loop of
`aiosmtplib` sends of the same messages over one connection to the same sink. Goal: at least
50 % of the bare loop. Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import aiosmtplib
from aiohttp import web

from bench._common import emit, machine, median, progress
from node.config import load_settings
from node.http.keys import NODE
from node.logs import configure_logging
from node.mail import Mail
from node.mail.sink import MailSink
from node.web.app import create_app
from tests.support.mail import mail_config
from tests.support.nodes import make_node_dir

IMPORT_GOAL, MAIL_GOAL = 0.30, 0.50
REPEATS = 3


def csv_text(count: int, offset: int) -> str:
    lines = ["Full Name,Email,Language,Member Since"]
    lines += [f"Member {n},member{n}@example.org,en,2024-01-{1 + n % 28:02d}" for n in range(offset, offset + count)]
    return "\n".join(lines) + "\n"


def bare_inserts(count: int) -> float:
    """Rows per second: a plain sqlite3 insert loop in one transaction (WAL, as the node)."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "bare.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(
            "CREATE TABLE members (id TEXT PRIMARY KEY, display_name TEXT, email TEXT, calendar_hash BLOB UNIQUE, "
            "created_at TEXT, language TEXT, member_since TEXT, calendar_secret TEXT)"
        )
        conn.execute("CREATE INDEX members_email ON members (email COLLATE NOCASE)")
        started = time.perf_counter()
        conn.execute("BEGIN")
        for n in range(count):
            conn.execute(
                "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (f"id{n}", f"Member {n}", f"member{n}@example.org", os.urandom(32), "2026", "en", "2024-01-01", "s"),
            )
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        conn.close()
    return count / elapsed


async def node_import(base: str, token: str, count: int, offset: int) -> float:
    body = csv_text(count, offset).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        async with session.post(f"{base}/api/v1/members/import", data=body, headers=headers) as resp:
            answer = await resp.json()
        elapsed = time.perf_counter() - started
    assert resp.status == 200 and answer["created"] == count, answer
    return count / elapsed


async def node_mail(app: web.Application, sink: MailSink, count: int) -> float:
    node = app[NODE]
    sender = node.mail_sender
    await sender.stop()  # the worker is driven by hand, so that only sending is timed
    async with node.write() as work:
        for n in range(count):
            mail = Mail(kind="bench", to=f"m{n}@example.org", subject=f"Mail {n}", paragraphs=(f"Number {n}.",))
            await node.mail.enqueue(work, mail, node.clock.now())
    before = len(sink.caught)
    started = time.perf_counter()
    sent = 0
    while sent < count:
        sent += await sender.run_once()
    elapsed = time.perf_counter() - started
    assert len(sink.caught) - before == count
    return count / elapsed


async def bare_mail(sink: MailSink, messages: list[Any]) -> float:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port, start_tls=False)
    await smtp.connect()
    started = time.perf_counter()
    for mail in messages:
        await smtp.sendmail(mail.mail_from, list(mail.recipients), mail.data)
    elapsed = time.perf_counter() - started
    await smtp.quit()
    return len(messages) / elapsed


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")
    sink = MailSink(keep=args.mails * (REPEATS * 2 + 2))
    await sink.start()
    with tempfile.TemporaryDirectory(prefix="gemella-bench-people-") as tmp:
        directory, port, token, _ = await make_node_dir(Path(tmp), "Bench", config=mail_config(sink.port))
        app = create_app(load_settings(directory, {}))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            base = f"http://127.0.0.1:{port}"
            progress(f"importing {args.members} members, {REPEATS} times (each time new addresses)")
            ours = [await node_import(base, token, args.members, i * args.members) for i in range(REPEATS)]
            bare = [bare_inserts(args.members) for _ in range(REPEATS)]
            progress(f"sending {args.mails} mails through the outbox, {REPEATS} times")
            mails = [await node_mail(app, sink, args.mails) for _ in range(REPEATS)]
            sample = list(sink.caught)[-args.mails :]
            progress(f"sending the same {args.mails} mails with a bare aiosmtplib loop")
            bare_mails = [await bare_mail(sink, sample) for _ in range(REPEATS)]
        finally:
            await runner.cleanup()
            await sink.stop()
    import_ratio = median(ours) / median(bare)
    mail_ratio = median(mails) / median(bare_mails)
    emit(
        {
            "benchmark": "people",
            "import": {
                "members": args.members,
                "rows_per_second": round(median(ours)),
                "bare_sqlite_insert_loop_rows_per_second": round(median(bare)),
                "ratio": round(import_ratio, 3),
                "goal_ratio": IMPORT_GOAL,
                "meets_goal": import_ratio >= IMPORT_GOAL,
            },
            "mail": {
                "mails": args.mails,
                "mails_per_second": round(median(mails), 1),
                "bare_aiosmtplib_loop_mails_per_second": round(median(bare_mails), 1),
                "ratio": round(mail_ratio, 3),
                "goal_ratio": MAIL_GOAL,
                "meets_goal": mail_ratio >= MAIL_GOAL,
            },
            "notes": "import: HTTP round trip of the whole CSV (parse, check, one transaction) against a bare "
            "sqlite3 loop in one transaction; mail: outbox rows sent by the worker (one SMTP connection per round, "
            "one commit per mail) against a bare aiosmtplib loop; the SMTP sink runs in the same process and loop.",
            "machine": {**machine(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000, help="rows per import (default 10000)")
    parser.add_argument("--mails", type=int, default=500, help="mails per round (default 500)")
    asyncio.run(main(parser.parse_args()))
