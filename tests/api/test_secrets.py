"""Secrets: tokens stored as hashes and compared in constant time, nothing secret in the logs,
and the private key file kept to its owner."""

from __future__ import annotations

import hmac
import json
import os
import stat
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.http.auth import SESSION_COOKIE
from node.store import tokens as tokens_module
from node.store.tokens import hash_token
from tests.support.nodes import eventually, make_node_dir, twin
from tests.web.support import Browserless

# -- tokens ---------------------------------------------------------------------------------------


async def test_tokens__stored_only_as_sha256_and_looked_up_by_hash(nodes: Any, monkeypatch: Any) -> None:
    home = await nodes("Home")
    member = await home.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    rows = await home.node.store.db.fetch_all("SELECT hash FROM tokens")
    stored = {bytes(row["hash"]) for row in rows}
    assert hash_token(member["token"]) in stored and hash_token(home.token) in stored
    assert all(len(h) == 32 for h in stored)
    assert not any(member["token"].encode() in h or home.token.encode() in h for h in stored)

    queries: list[tuple[str, Any]] = []
    compared: list[tuple[bytes, bytes]] = []
    db = home.node.store.db
    compare_digest = hmac.compare_digest

    def spy_on(read: Any) -> Any:
        async def spy_fetch(sql: str, params: Any = ()) -> Any:
            queries.append((sql, params))
            return await read(sql, params)

        return spy_fetch

    def spy_compare(a: Any, b: Any) -> bool:
        compared.append((bytes(a), bytes(b)))
        return compare_digest(a, b)

    for read in ("fetch_one", "fetch_by_key"):  # a lookup by key is read on the loop's thread
        monkeypatch.setattr(db, read, spy_on(getattr(db, read)))
    monkeypatch.setattr(tokens_module.hmac, "compare_digest", spy_compare)
    status, _ = await home.api.call("GET", "/api/v1/reservations", token=member["token"])
    assert status == 200
    token_queries = [(sql, params) for sql, params in queries if "FROM tokens" in sql]
    assert token_queries and all(params == (hash_token(member["token"]),) for _, params in token_queries)
    assert not any(member["token"] in str(params) for _, params in queries)
    assert compared == [(hash_token(member["token"]), hash_token(member["token"]))]


async def test_tokens__a_token_differing_in_its_last_character_is_refused(nodes: Any) -> None:
    home = await nodes("Home")
    member = await home.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    for token, path in ((home.token, "/api/v1/twins"), (member["token"], "/api/v1/reservations")):
        near = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert (await home.api.call("GET", path, token=token))[0] == 200
        status, problem = await home.api.call("GET", path, token=near)
        assert status == 401 and problem["type"].endswith("/unauthorized")
        status, _ = await home.api.call("GET", path, token=token + "x")
        assert status == 401


# -- logs -----------------------------------------------------------------------------------------

DEBUG_JSON = {"log": {"level": "debug", "format": "json"}}


async def test_logs__no_token_key_or_email_in_debug_logs(process_nodes: Any) -> None:
    """Two `gemella run` nodes with debug JSON logs, exercised with every kind of secret."""
    home = await process_nodes("Home", config=DEBUG_JSON)
    peer = await process_nodes("Peer", config=DEBUG_JSON)
    await twin(peer, home)
    email = f"ada.{uuid.uuid4().hex[:8]}@example.org"
    member = await home.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": email})
    calendar_secret = member["calendar_url"].split("secret=")[1]
    desk = await peer.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Desks", "capacity": 4})
    day = date.today() + timedelta(days=3)
    slot = await peer.api.ok(
        "POST",
        "/api/v1/slots",
        {"resource_id": desk["id"], "twin_id": home.url, "starts_at": f"{day}T09:00",
         "ends_at": f"{day}T17:00", "seats": 2},
    )  # fmt: skip
    await eventually(lambda: _sees_slot(home, peer, slot["id"], member["token"]), True)
    await home.api.ok("PUT", f"/api/v1/reservations/{uuid.uuid4()}", {"slot_id": slot["id"]}, token=member["token"])
    wrong = member["token"][:-1] + ("A" if member["token"][-1] != "A" else "B")
    for token in (member["token"], home.token, wrong, "Bearer-looking-garbage"):
        await home.api.call("GET", "/api/v1/reservations", token=token)
        await home.api.call("GET", "/api/v1/twins", token=token)
    await home.api.call("GET", f"/api/v1/reservations.ics?secret={calendar_secret}", token="")
    await home.api.call("GET", f"/api/v1/reservations.ics?secret={calendar_secret[:-1]}x", token="")
    await home.api.call("POST", "/api/v1/events", {"title": email, "starts_at": "nope", "ends_at": "x"})
    await home.api.call("POST", "/api/v1/keys/rotate")
    await home.api.call("GET", "/federation/v1/feed")  # unsigned: refused
    sessions = await _sign_in_on_the_pages(home, member["token"], wrong)
    await home.stop()
    await peer.stop()

    logs = home.log_text() + peer.log_text()
    assert "debug" in logs and "node_started" in logs  # the logs were captured, at debug level
    secrets = {
        "operator token (home)": home.token,
        "operator token (peer)": peer.token,
        "member token": member["token"],
        "near-miss token": wrong,
        "calendar secret": calendar_secret,
        "member e-mail": email,
        "private key PEM": "PRIVATE KEY",
        **sessions,
    }
    for directory in (home.directory, peer.directory):
        pem = (directory / "keys" / "signing.pem").read_text()
        secrets[f"private key body ({directory.name})"] = "".join(pem.splitlines()[1:-1])
    leaked = [name for name, value in secrets.items() if value in logs]
    assert not leaked, f"secrets in the logs: {leaked}"
    for line in logs.splitlines():  # JSON lines, as configured (the CLI banner aside)
        if line.startswith("{"):
            json.loads(line)


async def _sign_in_on_the_pages(home: Any, member_token: str, wrong: str) -> dict[str, str]:
    """Sign in on the pages (tokens in form bodies) and browse; returns the session cookies."""
    found = {}
    for name, token, where, page in (
        ("member session", member_token, "/", "/reservations"),
        ("operator session", home.token, "/admin", "/admin/members"),
    ):
        browser = Browserless(home.local)
        try:
            await browser.sign_in(token, where)
            assert (await browser.get(page))[0] == 200
            found[name] = browser.cookie(SESSION_COOKIE) or ""
            found[f"{name} CSRF token"] = await browser.csrf(page)
        finally:
            await browser.close()
    stranger = Browserless(home.local)
    try:
        await stranger.post("/signin", {"csrf_token": await stranger.csrf("/"), "token": wrong})
        await stranger.post("/signin", {"csrf_token": "forged", "token": wrong})
    finally:
        await stranger.close()
    assert all(found.values())
    return found


async def _sees_slot(home: Any, peer: Any, slot_id: str, token: str) -> bool:
    status, data = await home.api.call("GET", f"/api/v1/twins/{peer.url}/slots", token=token)
    return status == 200 and any(s["id"] == slot_id for s in data["items"])


# -- the private key file -------------------------------------------------------------------------


async def test_key_file__created_0600_and_gemella_run_refuses_a_readable_one(tmp_path: Path) -> None:
    directory, _, _, _ = await make_node_dir(tmp_path, "Home")
    key = directory / "keys" / "signing.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    os.chmod(key, 0o644)
    run = subprocess.run(
        [sys.executable, "-m", "node.cli.main", "run", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "readable by others" in run.stderr and "chmod 600" in run.stderr, run.stderr
    assert str(key) in run.stderr  # it says which file
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_key_file__any_group_or_other_permission_is_refused(tmp_path: Path, mode: int) -> None:
    from node.keystore import KeyFileError, KeyStore

    KeyStore.create(tmp_path / "keys")
    os.chmod(tmp_path / "keys" / "signing.pem", mode)
    with pytest.raises(KeyFileError, match="readable by others"):
        KeyStore.load(tmp_path / "keys")
