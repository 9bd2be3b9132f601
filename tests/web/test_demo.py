"""`gemella demo` on a fresh folder: two twinned nodes whose pages work; Ctrl-C stops both."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from tests.support.nodes import free_port
from tests.web.support import Browserless


async def start_demo(directory: Path, ports: tuple[int, int]) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "node.cli.main",
        "demo",
        "--dir",
        str(directory),
        "--ports",
        f"{ports[0]},{ports[1]}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    printed = ""
    async with asyncio.timeout(60):
        while "Press Ctrl-C" not in printed:
            line = await process.stdout.readline()
            assert line, f"the demo exited early:\n{printed}"
            printed += line.decode()
    return process, printed


async def stop(process: asyncio.subprocess.Process, sig: int) -> str:
    process.send_signal(sig)
    assert process.stdout is not None
    async with asyncio.timeout(30):
        rest = (await process.stdout.read()).decode()
        assert await process.wait() == 0
    return rest


def addresses(printed: str) -> list[tuple[str, str, str]]:
    """(member page, member token, operator token) per space, in the printed order."""
    pages = re.findall(r"member page\s+(\S+)", printed)
    members = re.findall(r"member token\s+(\S+)", printed)
    operators = re.findall(r"operator token\s+(\S+)", printed)
    return list(zip(pages, members, operators, strict=True))


async def test_demo__two_working_pages_then_ctrl_c(tmp_path: Path) -> None:
    ports = (free_port(), free_port())
    process, printed = await start_demo(tmp_path / "demo", ports)
    try:
        (nyc, nyc_member, nyc_operator), (london, london_member, _) = addresses(printed)
        assert nyc == f"http://127.0.0.1:{ports[0]}/" and london == f"http://localhost:{ports[1]}/"
        assert re.search(r"operator page\s+http://127\.0\.0\.1:\d+/admin", printed)
        for base, token in ((london, london_member), (nyc, nyc_member)):
            client = Browserless(base.rstrip("/"))
            try:
                status, html = await client.get("/")
                assert status == 200 and "Your member token" in html
                status, html = await client.get("/admin")
                assert status == 200 and "Operator token" in html
                await client.sign_in(token)
                status, html = await client.get("/")
                assert "Hot desks" in html or "Flex desks" in html  # the twin's slots, seen from here
                status, html = await client.get("/reservations")
                assert status == 200
            finally:
                await client.close()
        operator = Browserless(nyc.rstrip("/"))
        try:
            await operator.sign_in(nyc_operator, "/admin")
            _, html = await operator.get("/admin")
            assert "TheCube London" in html and "active" in html
        finally:
            await operator.close()
    finally:
        rest = await stop(process, signal.SIGINT)
    assert "Stopped" in rest


async def test_demo__resumes_with_new_tokens_and_refuses_other_folders(tmp_path: Path) -> None:
    ports = (free_port(), free_port())
    process, _ = await start_demo(tmp_path / "demo", ports)
    await stop(process, signal.SIGTERM)
    process, printed = await start_demo(tmp_path / "demo", ports)
    try:
        assert "Resumed" in printed
        (_, _, _), (london, london_member, _) = addresses(printed)
        client = Browserless(london.rstrip("/"))
        try:
            await client.sign_in(london_member)
        finally:
            await client.close()
    finally:
        await stop(process, signal.SIGTERM)
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("not a demo")
    refused = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "node.cli.main",
        "demo",
        "--dir",
        str(other),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await refused.communicate()
    assert refused.returncode != 0 and b"is not a demo folder" in out
    assert (other / "notes.txt").read_text() == "not a demo"
