"""Requests no honest client sends, from anyone: a body that is not the gzip its Content-Encoding
names, forms that cannot be read (a broken multipart part, a charset Python does not know, bytes
their charset cannot decode). Each is refused as the sender's mistake: never a 500, never a
traceback in the node's log."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.nodes import ProcessNode

INBOX = b"/federation/v1/inbox"
FORM = "application/x-www-form-urlencoded"
CASES = {
    "gzip that is not gzip": (b"POST " + INBOX, "application/json", "Content-Encoding: gzip\r\n", b"hello"),
    "gzip to a page": (b"POST /signin", FORM, "Content-Encoding: gzip\r\n", b"hello"),
    "broken multipart": (b"POST /signin", "multipart/form-data; boundary=x", "", b"--x\r\nabc\r\n"),
    "unknown charset": (b"POST /signin", FORM + "; charset=foo", "", b"a=b"),
    "undecodable form": (b"POST /signin", FORM + "; charset=utf-8", "", b"token=\xff\xfe"),
    "nested multipart": (
        b"POST /signin",
        "multipart/form-data; boundary=x",
        "",
        b'--x\r\nContent-Disposition: form-data; name="a"\r\nContent-Type: multipart/mixed; boundary=y\r\n\r\n'
        b"--y\r\n\r\nz\r\n--y--\r\n--x--\r\n",
    ),
}


async def ask(port: int, head: bytes, content_type: str, extra: str, body: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = head + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    request += f"Content-Type: {content_type}\r\n{extra}Content-Length: {len(body)}\r\n\r\n".encode() + body
    writer.write(request)
    try:
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


@pytest.mark.parametrize("case", list(CASES))
async def test_malformed__a_body_that_cannot_be_read_is_refused_never_a_500(process_nodes: Any, case: str) -> None:
    node: ProcessNode = await process_nodes("Home")
    before = len(node.log_text())
    answer = await ask(node.port, *CASES[case])
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    assert 400 <= status < 500, (case, head, body[:300])
    if b"application/problem+json" in head:
        assert b"/problems/validation-error" in body, (case, body[:300])
    await asyncio.sleep(0.3)  # what the node logs about it
    logged = node.log_text()[before:]
    assert "Traceback" not in logged and "unhandled_error" not in logged, logged[-2000:]


RAW = {
    "unsupported encoding": b"POST /federation/v1/inbox HTTP/1.1\r\nHost: x\r\nContent-Encoding: br\r\n"
    b"Content-Length: 2\r\n\r\n{}",
    "header without a colon": b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
    "broken chunk": b"POST /federation/v1/inbox HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n",
    "both lengths": b"POST /federation/v1/inbox HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n{}",
    "header too long": b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
    "target not a URL": b"GET http://[x/ HTTP/1.1\r\nHost: x\r\n\r\n",
}


async def test_malformed__requests_that_are_not_http_are_refused_without_a_traceback(process_nodes: Any) -> None:
    node: ProcessNode = await process_nodes("Home")
    before = len(node.log_text())
    for name, raw in RAW.items():
        reader, writer = await asyncio.open_connection("127.0.0.1", node.port)
        writer.write(raw)
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        assert answer.split(b" ")[1].startswith(b"4"), (name, answer[:200])
    await asyncio.sleep(0.3)
    logged = node.log_text()[before:]
    assert "Traceback" not in logged, logged[-2000:]
    status, _ = await node.api.call("GET", "/api/v1/node")  # and it serves on
    assert status == 200
