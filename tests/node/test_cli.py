"""`gemella` end to end: init two nodes, run them, twin them with the CLI, stop them with SIGTERM."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import aiohttp

from node.config import load_settings
from tests.support.nodes import ProcessNode, free_port

GEMELLA = [sys.executable, "-m", "node.cli"]


def gemella(*args: str, token: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    prefix = ["--token", token] if token else []
    done = subprocess.run([*GEMELLA, *prefix, *args], capture_output=True, text=True, timeout=60, check=check)
    assert "Traceback" not in done.stdout + done.stderr
    return done


def init(tmp_path: Path, name: str, zone: str) -> tuple[Path, dict]:
    port = free_port()
    directory = tmp_path / name
    out = gemella(
        "init",
        str(directory),
        "--name",
        name,
        "--url",
        f"http://127.0.0.1:{port}",
        "--listen",
        f"127.0.0.1:{port}",
        "--timezone",
        zone,
        "--json",
    )
    return directory, json.loads(out.stdout)


async def test_cli__init_prints_token_and_fingerprint_and_refuses_to_overwrite(tmp_path):
    directory, info = init(tmp_path, "nyc", "America/New_York")
    assert set(info) >= {"node_id", "operator_token", "fingerprint", "kid", "config", "database"}
    assert len(info["operator_token"]) >= 43  # 256 bits, base64url
    assert Path(info["database"]).exists() and (directory / "keys" / "signing.pem").exists()
    human = gemella("init", str(tmp_path / "ldn"), "--name", "London", "--url", "http://127.0.0.1:1")
    assert "operator token:" in human.stdout and "fingerprint:" in human.stdout
    again = gemella("init", str(directory), "--name", "x", "--url", "http://127.0.0.1:2", check=False)
    assert again.returncode != 0 and "already a node" in again.stderr


async def test_cli__two_nodes_twin_through_the_cli_and_stop_cleanly(tmp_path):
    nyc_dir, nyc = init(tmp_path, "nyc", "America/New_York")
    ldn_dir, ldn = init(tmp_path, "london", "Europe/London")
    nodes = []
    for directory, info in ((nyc_dir, nyc), (ldn_dir, ldn)):
        port = int(info["node_id"].rsplit(":", 1)[1])
        node = ProcessNode(directory, directory.name, port, info["operator_token"], info["node_id"])
        await node.start()
        nodes.append(node)
    try:
        proposed = await asyncio.to_thread(
            gemella,
            "--dir",
            str(nyc_dir),
            "--json",
            "twin",
            "propose",
            ldn["node_id"],
            token=nyc["operator_token"],
        )
        twinning = json.loads(proposed.stdout)
        assert twinning["status"] == "proposed" and twinning["peer_fingerprint"] == ldn["fingerprint"]

        listed = await asyncio.to_thread(gemella, "--dir", str(ldn_dir), "twin", "list", token=ldn["operator_token"])
        assert twinning["id"] in listed.stdout and "pending" in listed.stdout and nyc["fingerprint"] in listed.stdout

        accepted = await asyncio.to_thread(
            gemella, "--dir", str(ldn_dir), "twin", "accept", twinning["id"], token=ldn["operator_token"]
        )
        assert "now active" in accepted.stdout
        shown = await asyncio.to_thread(
            gemella,
            "--dir",
            str(nyc_dir),
            "--json",
            "twin",
            "show",
            twinning["id"],
            token=nyc["operator_token"],
        )
        assert json.loads(shown.stdout)["status"] == "active"

        refused = await asyncio.to_thread(
            gemella, "--dir", str(nyc_dir), "twin", "list", token="wrong-token", check=False
        )
        assert refused.returncode != 0 and "this token is not valid for nyc" in refused.stderr
    finally:
        codes = [await node.stop() for node in nodes]
        for node in nodes:
            await node.close_session()
    assert codes == [0, 0], "SIGTERM drains and exits cleanly"
    assert "node_stopping" in nodes[0].log_text()


async def test_cli__key_rotate_offline_changes_the_published_key(tmp_path):
    directory, info = init(tmp_path, "nyc", "UTC")
    out = gemella("--json", "key", "rotate", str(directory))
    result = json.loads(out.stdout)
    assert result["old_kid"] == info["kid"] and result["kid"] != info["kid"]
    old_keys = json.loads((directory / "keys" / "old_keys.json").read_text())
    assert info["kid"] in old_keys


async def test_cli__operator_token_makes_a_working_token(tmp_path):
    directory, info = init(tmp_path, "nyc", "UTC")
    out = gemella("operator-token", str(directory))
    token = out.stdout.strip().rsplit(" ", 1)[-1]
    assert token != info["operator_token"] and len(token) >= 43
    from node.store import Store

    store = await Store(Path(info["database"])).open()
    try:
        principal = await store.tokens.get(token)
        assert principal is not None and principal.role == "operator"
        assert await store.tokens.get(token + "x") is None
    finally:
        await store.close()


async def test_cli__init_with_a_local_url_lets_the_node_reach_local_twins(tmp_path):
    local, _ = init(tmp_path, "local", "UTC")
    assert load_settings(local, {}).federation.allow_private_addresses is True
    gemella("init", str(tmp_path / "public"), "--name", "Public", "--url", "https://nyc.example")
    assert load_settings(tmp_path / "public", {}).federation.allow_private_addresses is False


async def test_cli__init_allow_private_addresses_writes_the_key(tmp_path):
    gemella(
        "init", str(tmp_path / "nyc"), "--name", "NYC", "--url", "http://127.0.0.1:18101", "--allow-private-addresses"
    )
    gemella("init", str(tmp_path / "lan"), "--name", "LAN", "--url", "https://lan.example", "--allow-private-addresses")
    gemella("init", str(tmp_path / "ldn"), "--name", "London", "--url", "https://london.example")
    from node.config import load_settings

    assert load_settings(tmp_path / "nyc", {}).federation.allow_private_addresses is True
    assert load_settings(tmp_path / "lan", {}).federation.allow_private_addresses is True
    assert load_settings(tmp_path / "ldn", {}).federation.allow_private_addresses is False


# What only some commands or requests need, which a running node must not load while idle:
# `cryptography` only for the fediverse's RSA, a sign-in (joserfc) or the reference RFC 9421 library;
# Jinja2 and Babel for the first page (or mail, or calendar); aiosmtplib for the first mail; `rich`
# and pygments never (structlog would load them if installed); psycopg only on PostgreSQL; the
# operator's commands when they run.
LOADED_ON_DEMAND = (
    "node.demo",
    "node.cli.booking",
    "node.cli.twins",
    "node.mail.sink",
    "aiosmtpd",
    "icalendar",
    "cryptography",
    "joserfc",
    "jinja2",
    "babel",
    "aiosmtplib",
    "rich",
    "pygments",
    "psycopg",
)


def test_cli__a_node_built_for_run_loads_nothing_only_other_commands_need(tmp_path: Path) -> None:
    directory, _ = init(tmp_path, "idle", "UTC")
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "import node.cli.main\n"
        "from node.config import load_settings\n"
        "from node.web.app import create_app\n"
        "from node.web.server import NodeRunner\n"
        f"settings = load_settings(Path({str(directory)!r}), {{}})\n"
        "async def start_and_stop():\n"
        "    runner = NodeRunner(create_app(settings), settings)\n"
        "    await runner.setup()\n"  # the node is open and its workers started, as `gemella run` has it
        "    await runner.cleanup()\n"
        "asyncio.run(start_and_stop())\n"
        f"print(sorted(name for name in {LOADED_ON_DEMAND!r} if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    # ... and the demo is still a command, loaded when asked for.
    assert "Run WeCreate NYC and TheCube London" in gemella("demo", "--help").stdout


# What a fresh process shows first, once its pages' Jinja2 and Babel are loaded on demand.
FIRST_PAGES = {
    "it": ("<h1>Accedi</h1>", "Pagina non trovata"),
    "es": ("<h1>Iniciar sesión</h1>", "Página no encontrada"),
    "en": ("<h1>Sign in</h1>", "Page not found"),
}


async def test_cli__a_fresh_node_renders_its_first_pages_in_each_language(tmp_path: Path) -> None:
    directory, info = init(tmp_path, "fresh", "Europe/Rome")
    node = ProcessNode(
        directory, "fresh", int(info["node_id"].rsplit(":", 1)[1]), info["operator_token"], info["node_id"]
    )
    await node.start()
    try:
        async with aiohttp.ClientSession() as session:
            for language, (sign_in, not_found) in FIRST_PAGES.items():
                headers = {"Accept-Language": language, "Accept": "text/html"}
                async with session.get(node.local + "/signin", headers=headers) as resp:
                    assert resp.status == 200 and sign_in in await resp.text()
                async with session.get(node.local + "/no/such/page", headers=headers) as resp:
                    assert resp.status == 404 and not_found in await resp.text()
    finally:
        await node.stop()
