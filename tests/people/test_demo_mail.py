"""`gemella demo` mails through its own local SMTP server and shows what it caught at /admin/mail."""

from __future__ import annotations

import re
import signal
from pathlib import Path

from tests.support.nodes import eventually, free_port
from tests.web.support import Browserless
from tests.web.test_demo import addresses, start_demo, stop

CODE = re.compile(r"sign in to TheCube London is (\d{3}) (\d{3})")


async def test_demo__a_sign_in_code_can_be_read_on_the_operators_mail_page(tmp_path: Path) -> None:
    process, printed = await start_demo(tmp_path / "demo", (free_port(), free_port()))
    try:
        assert "demo mailbox" in printed
        [_, (london, _, operator_token)] = addresses(printed)
        member = Browserless(london.rstrip("/"))
        operator = Browserless(london.rstrip("/"))
        try:
            token = await member.csrf("/signin")
            resp = await member.post("/signin/email", {"csrf_token": token, "email": "ben@thecube.example"})
            assert resp.status == 200
            await operator.sign_in(operator_token, "/admin")

            async def mailbox() -> str:
                return (await operator.get("/admin/mail"))[1]

            # The mailbox (what the sink caught), not only the outbox (what is to be sent).
            page = await eventually(mailbox, lambda html: CODE.search(html) is not None)
            code = CODE.search(page)
            assert code is not None and "Demo mailbox" in page
            form = {
                "csrf_token": await member.csrf("/signin"),
                "email": "ben@thecube.example",
                "code": "".join(code.groups()),
            }
            resp = await member.post("/signin/code", form)
            assert resp.status == 303
            assert "Ben Carter" in (await member.get("/"))[1]
        finally:
            await member.close()
            await operator.close()
    finally:
        await stop(process, signal.SIGINT)
