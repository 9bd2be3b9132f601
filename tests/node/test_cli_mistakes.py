"""`gemella` and an operator's mistakes: each one answered with the sentence a person needs.

The CLI runs in this process (on a worker thread, while real nodes serve on loopback ports in
the test's loop); every output is checked for a traceback, and for the catch-all that would
mean a bug of ours reached the operator.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version

import yaml

from node.cli.main import main
from node.config import load_settings
from tests.support.nodes import eventually, free_port, twin, wait_until_up


@dataclass
class Ran:
    code: int
    out: str
    err: str


def run_cli(*args: str, env: dict[str, str] | None = None) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("GEMELLA_")}
    os.environ.update(env or {})
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        for k in env or {}:
            os.environ.pop(k, None)
        os.environ.update(saved)
    ran = Ran(code, out.getvalue(), err.getvalue())
    text = ran.out + ran.err
    assert "Traceback" not in text and "unexpected error" not in text, text
    return ran


async def cli(*args: str, env: dict[str, str] | None = None) -> Ran:
    return await asyncio.to_thread(run_cli, *args, env=env)


def error_line(ran: Ran) -> str:
    """The sentence after click's 'Error: ' (usage lines before it are click's own)."""
    assert ran.code != 0, ran
    return ran.err.rsplit("Error: ", 1)[-1].strip()


# -- files --------------------------------------------------------------------------------------


def test_cli__bad_yaml_names_file_line_and_column(tmp_path):
    event = tmp_path / "meetup.yaml"
    event.write_text("title: Meetup\nstarts_at: 2030-01-01T18:00\n  ends_at: 2030-01-01T20:00\n")
    ran = run_cli("event", "publish", str(event), "--node", "http://127.0.0.1:9")
    assert error_line(ran) == f"{event}:3:10: mapping values are not allowed here"


def test_cli__a_list_instead_of_an_event_points_at_the_example(tmp_path):
    event = tmp_path / "meetup.yaml"
    event.write_text("- title: Meetup\n")
    ran = run_cli("event", "publish", str(event), "--node", "http://127.0.0.1:9")
    assert error_line(ran) == (
        f"{event}: the file should hold an event as 'key: value' lines; "
        "`gemella event publish --example` prints an example"
    )


def test_cli__bad_config_yaml_stops_run_with_its_place(tmp_path):
    directory = tmp_path / "nyc"
    directory.mkdir()
    (directory / "config.yaml").write_text("node:\n  name: NYC\n  url: [http://127.0.0.1:1\n")
    ran = run_cli("run", str(directory))
    assert error_line(ran).startswith(f"{directory}/config.yaml:4:1: ")


def test_cli__example_event_is_commented_yaml_that_reads_as_an_event():
    ran = run_cli("event", "publish", "--example")
    assert ran.code == 0 and ran.out.startswith("# An event for `gemella event publish FILE.yaml`")
    event = yaml.safe_load(ran.out)
    assert {"title", "starts_at", "ends_at", "audience"} <= set(event) and isinstance(event["starts_at"], str)
    assert "# rrule:" in ran.out and "# timezone:" in ran.out


# -- saying which node, and how -------------------------------------------------------------------------


def test_cli__no_node_named_says_how_to_name_one():
    ran = run_cli("twin", "list")
    assert error_line(ran) == (
        "say which node: --dir DIR (the folder `gemella init` made), --node URL, or set GEMELLA_DIR or GEMELLA_NODE"
    )


def test_cli__node_not_running_says_so():
    port = free_port()
    ran = run_cli("twin", "list", "--node", f"http://127.0.0.1:{port}")
    assert error_line(ran).startswith(f"cannot reach the node at http://127.0.0.1:{port} (connection refused)")
    assert error_line(ran).endswith("is it running? Start it with `gemella run DIR`")


def test_cli__url_without_scheme_says_so(tmp_path):
    ran = run_cli("init", str(tmp_path / "x"), "--name", "X", "--url", "london.example")
    assert error_line(ran) == (
        "london.example: --url (the node's public address) starts with http:// or https://, for example "
        "https://london.example (or http://london.example for a node on this machine or a local network)"
    )
    ran = run_cli("--node", "localhost:8080", "twin", "list")
    assert error_line(ran).startswith("localhost:8080: --node (the node's local address) starts with http://")
    ran = run_cli("twin", "propose", "ftp://london.example", "--node", "http://127.0.0.1:9")
    assert error_line(ran) == "ftp://london.example: the other node's address starts with http:// or https://"


def test_cli__a_malformed_url_is_said_so_not_reported_as_a_bug_of_ours(tmp_path):
    """A port that is no number, one out of range, a broken IPv6 address, a space: the URL is
    wrong, and the sentence says how to write one (no 'unexpected error', no 'connection refused')."""
    for url in ("http://127.0.0.1:abc", "http://127.0.0.1:99999", "http://[::1", "http://exa mple.org", "https://"):
        ran = run_cli("--node", url, "twin", "list")
        assert error_line(ran).startswith(f"{url}: --node (the node's local address) is not a whole address"), url
        ran = run_cli("init", str(tmp_path / "x"), "--name", "X", "--url", url)
        assert error_line(ran).startswith(f"{url}: --url (the node's public address) is not a whole address"), url
        assert not (tmp_path / "x" / "config.yaml").exists()


def test_cli__init_names_the_option_that_is_wrong_not_a_file_it_removed(tmp_path):
    """The options became a config.yaml that init checked and removed: the sentence named that file,
    a line of it and a key path (node.url), with pydantic's 'Value error,' in front."""
    ran = run_cli("init", str(tmp_path / "x"), "--name", "X", "--url", "https://nyc.example/spaces?id=1")
    assert error_line(ran) == (
        "https://nyc.example/spaces?id=1: --url (the node's public address) is a base URL: http:// or https://, "
        "a host, perhaps a port and a path, and no query (?) or fragment (#)"
    )
    ran = run_cli("init", str(tmp_path / "x"), "--name", "X", "--url", "https://nyc.example", "--timezone", "Mars/Base")
    assert error_line(ran) == "Mars/Base: --timezone is not a time zone's name like Europe/Rome or America/New_York"
    ran = run_cli("init", str(tmp_path / "x"), "--name", "WeCreate\nNYC", "--url", "https://nyc.example")
    assert error_line(ran) == "--name: write it on one line, without line breaks"
    ran = run_cli("init", str(tmp_path / "x"), "--name", "x" * 201, "--url", "https://nyc.example")
    assert error_line(ran) == "--name: the space's name has 1 to 200 characters"
    ran = run_cli("init", str(tmp_path / "x"), "--name", "X", "--url", "https://nyc.example", "--listen", ":99999")
    assert error_line(ran) == ":99999: --listen is HOST:PORT, with a port from 1 to 65535, like 127.0.0.1:8080"
    assert not (tmp_path / "x" / "config.yaml").exists()


def test_cli__version():
    ran = run_cli("--version")
    assert ran.code == 0 and ran.out.strip() == f"gemella {version('gemellaggio')}"


# -- init ----------------------------------------------------------------------------------------------


def test_cli__init_listens_where_a_loopback_url_says(tmp_path):
    port = free_port()
    ran = run_cli("init", str(tmp_path / "nyc"), "--name", "NYC", "--url", f"http://127.0.0.1:{port}", "--json")
    assert json.loads(ran.out)["listen"] == f"127.0.0.1:{port}"
    settings = load_settings(tmp_path / "nyc", {})
    assert (settings.listen.host, settings.listen.port) == ("127.0.0.1", port)
    public = run_cli("init", str(tmp_path / "ldn"), "--name", "London", "--url", "https://london.example")
    assert "listens on:      127.0.0.1:8080" in public.out and public.err == ""


def test_cli__init_warns_loudly_when_listen_and_a_loopback_url_differ(tmp_path):
    ran = run_cli(
        "init", str(tmp_path / "nyc"), "--name", "NYC", "--url", "http://127.0.0.1:18101", "--listen", "127.0.0.1:8080"
    )
    assert ran.code == 0
    assert ran.err.strip() == (
        "WARNING: the node's URL http://127.0.0.1:18101 says 127.0.0.1:18101, but it will listen on "
        "127.0.0.1:8080: twins calling http://127.0.0.1:18101 will not reach it. "
        "Leave out --listen to listen on 127.0.0.1:18101."
    )


# -- tokens ---------------------------------------------------------------------------------------------


async def test_cli__token_with_stray_whitespace_is_trimmed_and_one_broken_inside_is_named(nodes):
    nyc = await nodes("NYC")
    ran = await cli("twin", "list", "--node", nyc.local, "--token", f"  {nyc.token}\n")
    assert ran.code == 0 and ran.out.startswith("No twinnings yet.")
    half = len(nyc.token) // 2
    broken = await cli("twin", "list", "--node", nyc.local, "--token", f"{nyc.token[:half]}\n{nyc.token[half:]}")
    assert error_line(broken) == (
        "the token has a space or a line break in the middle; copy it again as one line (tokens have no spaces)"
    )


async def test_cli__wrong_token_says_it_is_not_valid_for_this_node(nodes):
    nyc = await nodes("NYC")
    ran = await cli("twin", "list", "--dir", str(nyc.directory), "--token", "not-the-token")
    assert error_line(ran) == (
        f"this token is not valid for NYC ({nyc.local}). Check that it is this node's token; "
        "a lost operator token is replaced with `gemella operator-token DIR`"
    )
    missing = await cli("twin", "list", "--dir", str(nyc.directory))
    assert error_line(missing) == f"{nyc.local} needs a token: give --token TOKEN or set GEMELLA_TOKEN"


async def test_cli__errors_under_json_are_json_on_stdout(nodes):
    nyc = await nodes("NYC")
    ran = await cli("twin", "list", "--json", "--node", nyc.local, "--token", "not-the-token")
    assert ran.code == 1 and ran.err == ""
    error = json.loads(ran.out)["error"]
    assert error["message"].startswith("this token is not valid for NYC")
    assert error["problem"]["status"] == 401 and error["problem"]["type"].endswith("/unauthorized")
    usage = await cli("--json", "twin", "list")
    assert usage.code == 2 and json.loads(usage.out)["error"]["message"].startswith("say which node")


# -- options anywhere, and what the node says ---------------------------------------------------------


async def test_cli__global_options_before_or_after_the_command(nodes):
    nyc = await nodes("NYC")
    before = await cli("--dir", str(nyc.directory), "--token", nyc.token, "--json", "resource", "list")
    after = await cli("resource", "list", "--dir", str(nyc.directory), "--token", nyc.token, "--json")
    mixed = await cli("--json", "resource", "list", f"--node={nyc.local}", "--token", nyc.token)
    assert json.loads(before.out) == json.loads(after.out) == json.loads(mixed.out) == {"items": []}
    env = await cli("resource", "list", env={"GEMELLA_DIR": str(nyc.directory), "GEMELLA_TOKEN": nyc.token})
    assert env.out.strip() == (
        f"No resources at {nyc.local} yet. "
        "Add one with `gemella resource add --kind desk --name 'Hot desks' --capacity 10`."
    )


async def test_cli__every_validation_error_is_listed_with_its_field_in_words(nodes, tmp_path):
    nyc = await nodes("NYC")
    event = tmp_path / "meetup.yaml"
    event.write_text("title: Meetup\nstarts_at: 2030-01-01T18:00\nends_at: 2030-01-01T20:00\ncolour: red\nseats: 3\n")
    ran = await cli("event", "publish", str(event), "--node", nyc.local, "--token", nyc.token)
    assert error_line(ran) == (
        "the node refused it:\n"
        "  - colour: is not something this command knows; check its spelling\n"
        "  - seats: is not something this command knows; check its spelling"
    )


async def test_cli__twin_by_name_and_a_pointer_when_nothing_is_there(nodes):
    nyc, london = await nodes("NYC"), await nodes("TheCube London")
    await twin(nyc, london)
    where = ("--dir", str(nyc.directory), "--token", nyc.token)
    missing = await cli("slot", "offer", "desks", "--twin", "thecube london", "--from", "2030-03-13T09:00",
                        "--to", "2030-03-13T18:00", "--seats", "2", *where)  # fmt: skip
    assert error_line(missing).endswith(
        ". List them with `gemella resource list`; add one with "
        "`gemella resource add --kind desk --name NAME --capacity N`"
    )
    await cli("resource", "add", "--kind", "desk", "--name", "Hot desks", "--capacity", "4", "--id", "desks", *where)
    offered = await cli("slot", "offer", "desks", "--twin", "thecube london", "--from", "2030-03-13T09:00",
                        "--to", "2030-03-13T18:00", "--seats", "2", *where)  # fmt: skip
    assert offered.out.startswith(f"Offered 2 seats of Hot desks to {london.url}: 2030-03-13 09:00 - 2030-03-13 18:00")
    unknown = await cli("ledger", "--twin", "Paris", *where)
    assert error_line(unknown) == f"no twin called 'Paris'; the twins are TheCube London ({london.url})"


async def test_cli__node_show_prints_name_url_listen_fingerprint_and_twins(nodes):
    nyc, london = await nodes("NYC", "America/New_York"), await nodes("TheCube London")
    await twin(nyc, london)
    about = await nyc.api.ok("GET", "/api/v1/node")
    shown = await cli("node", "show", "--dir", str(nyc.directory))
    twinning = (await nyc.api.ok("GET", "/api/v1/twins"))["items"][0]
    assert shown.out.splitlines() == [
        "NYC",
        f"  URL (its id):     {nyc.url}",
        f"  listens on:       127.0.0.1:{nyc.port}",
        "  time zone:        America/New_York",
        f"  key fingerprint:  {about['fingerprint']}",
        "  twins:",
        f"    TheCube London ({london.url}), active, id {twinning['id']}",
    ]
    remote = await cli("--json", "node", "show", "--node", nyc.local, "--token", nyc.token)
    assert json.loads(remote.out)["twins"][0]["peer_name"] == "TheCube London"


# -- environment variables --------------------------------------------------------------------------


def test_config__only_section_key_variables_are_overrides(tmp_path):
    run_cli("init", str(tmp_path / "nyc"), "--name", "NYC", "--url", "http://127.0.0.1:18101")
    environ = {
        "GEMELLA_NODE": "http://127.0.0.1:1",
        "GEMELLA_DIR": "elsewhere",
        "GEMELLA_TOKEN": "x",
        "GEMELLA_SOAK": "1",
        "GEMELLA_FUZZ_SEED": "3",
        "GEMELLA_LISTEN__PORT": "18999",
    }
    settings = load_settings(tmp_path / "nyc", environ)
    assert settings.listen.port == 18999 and settings.node.name == "NYC"


async def test_cli__run_starts_with_the_clis_own_variables_set(tmp_path):
    port = free_port()
    await cli("init", str(tmp_path / "nyc"), "--name", "NYC", "--url", f"http://127.0.0.1:{port}")
    env = {**os.environ, "GEMELLA_NODE": "http://127.0.0.1:1", "GEMELLA_DIR": str(tmp_path), "GEMELLA_TOKEN": "x"}
    env["GEMELLA_SOAK"] = "1"
    with open(tmp_path / "node.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "node.cli", "run", str(tmp_path / "nyc")], stdout=log, stderr=log, env=env
        )
    try:
        await wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 20)
    assert code == 0 and "Traceback" not in (tmp_path / "node.log").read_text()


async def test_cli__a_second_member_with_the_same_email_is_refused_with_a_sentence(nodes):
    nyc = await nodes("NYC")
    where = ("--node", nyc.local, "--token", nyc.token)
    added = await cli("member", "add", "--name", "Ada Lopez", "--email", "ada@example.org", *where, "--json")
    again = await cli("member", "add", "--name", "Ada L.", "--email", "ADA@example.org ", *where)
    assert error_line(again) == (
        f"Ada Lopez ({json.loads(added.out)['id']}) already has the e-mail address ADA@example.org here; "
        "each member has their own address"
    )


async def test_cli__a_slot_outside_opening_hours_is_refused_in_words(nodes):
    nyc, london = await nodes("NYC"), await nodes("TheCube London")
    await twin(nyc, london)
    where = ("--node", nyc.local, "--token", nyc.token)
    await cli("resource", "add", "--kind", "desk", "--name", "Hot desks", "--capacity", "4", "--id", "desks",
              "--hours", "mon=09:00-18:00", *where)  # fmt: skip
    saturday = await cli("slot", "offer", "desks", "--twin", "TheCube London", "--from", "2030-03-16T09:00",
                         "--to", "2030-03-16T12:00", "--seats", "1", *where)  # fmt: skip
    assert error_line(saturday) == (
        "the node refused it: start: Hot desks is closed on Saturdays (UTC); the slot falls on one"
    )
    monday = await cli("slot", "offer", "desks", "--twin", "TheCube London", "--from", "2030-03-18T17:00",
                       "--to", "2030-03-18T19:00", "--seats", "1", *where)  # fmt: skip
    assert error_line(monday) == (
        "the node refused it: start: Hot desks is open 09:00-18:00 on Mondays (UTC); the slot lies outside"
    )


async def test_cli__a_member_names_the_twin_by_its_name(nodes):
    nyc, london = await nodes("NYC"), await nodes("TheCube London")
    await twin(nyc, london)
    at_nyc = ("--node", nyc.local, "--token", nyc.token)
    await cli("resource", "add", "--kind", "desk", "--name", "Hot desks", "--capacity", "4", "--id", "desks", *at_nyc)
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    offered = await cli("--json", "slot", "offer", "desks", "--twin", "TheCube London", "--from", f"{day}T09:00",
                        "--to", f"{day}T18:00", "--seats", "2", *at_nyc)  # fmt: skip
    slot_id = json.loads(offered.out)["id"]
    member = await london.api.ok("POST", "/api/v1/members", {"display_name": "Ben", "email": "ben@example.org"})
    as_member = ("--node", london.local, "--token", member["token"])
    await eventually(lambda: london.node.store.objects.get("Slot", nyc.url, slot_id), lambda found: found is not None)
    listed = await cli("slot", "list", "--twin", "nyc", *as_member)
    assert listed.out.startswith(f"{slot_id}  Hot desks (desk)  2/2 left")
    made = await cli("reservation", "make", "--slot", slot_id, "--twin", "NYC", *as_member)
    assert " confirmed: 1 seat, slot " in made.out and made.code == 0


def test_cli__run_on_a_taken_port_says_so(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run_cli("init", str(tmp_path / "nyc"), "--name", "NYC", "--url", f"http://127.0.0.1:{port}")
        ran = run_cli("run", "--dir", str(tmp_path / "nyc"))
    assert error_line(ran).startswith(f"cannot listen on 127.0.0.1:{port}: address already in use. ")
    assert error_line(ran).endswith(f"Is another node or program using it? Change listen in {tmp_path}/nyc/config.yaml")


def test_cli__operator_token_and_run_use_the_database_the_environment_names(tmp_path):
    """A container names its PostgreSQL in GEMELLA_STORAGE__DATABASE_URL, as `gemella run` reads it.
    `operator-token` read the folder's config alone: it wrote a token the node never sees into a
    SQLite file of its own, and said it was made. Unreachable, the database is said so in words."""
    nyc = tmp_path / "nyc"
    run_cli("init", str(nyc), "--name", "NYC", "--url", f"http://127.0.0.1:{free_port()}")
    port = free_port()
    env = {"GEMELLA_STORAGE__DATABASE_URL": f"postgresql://gemella:s3cret@127.0.0.1:{port}/nyc"}
    with sqlite3.connect(nyc / "node.db") as conn:
        before = conn.execute("SELECT count(*) FROM tokens WHERE role = 'operator'").fetchone()
    for args in (("operator-token", str(nyc)), ("run", str(nyc)), ("node", "show", "--dir", str(nyc))):
        ran = run_cli(*args, env=env)
        line = error_line(ran)
        assert line.startswith(f"cannot open the database postgresql://gemella:...@127.0.0.1:{port}/nyc: "), line
        assert "s3cret" not in ran.out + ran.err
    with sqlite3.connect(nyc / "node.db") as conn:
        assert conn.execute("SELECT count(*) FROM tokens WHERE role = 'operator'").fetchone() == before


def test_cli__operator_token_for_a_folder_without_its_database_makes_none(tmp_path):
    nyc = tmp_path / "nyc"
    run_cli("init", str(nyc), "--name", "NYC", "--url", f"http://127.0.0.1:{free_port()}")
    (nyc / "node.db").rename(tmp_path / "elsewhere.db")
    ran = run_cli("operator-token", str(nyc))
    assert error_line(ran) == f"{nyc / 'node.db'} does not exist: is {nyc} a node, and is its database there?"
    assert not (nyc / "node.db").exists()


def test_cli__key_rotate_for_a_folder_without_its_database_rotates_nothing(tmp_path):
    """Offline, the rotation opened the database: a missing node.db was made anew, and the key
    files rotated with their record in a database the node does not have."""
    nyc = tmp_path / "nyc"
    run_cli("init", str(nyc), "--name", "NYC", "--url", f"http://127.0.0.1:{free_port()}")
    keys = sorted(p.name for p in (nyc / "keys").iterdir())
    (nyc / "node.db").rename(tmp_path / "elsewhere.db")
    ran = run_cli("key", "rotate", str(nyc))
    assert error_line(ran) == f"{nyc / 'node.db'} does not exist: is {nyc} a node, and is its database there?"
    assert sorted(p.name for p in (nyc / "keys").iterdir()) == keys and not (nyc / "node.db").exists()


def test_cli__run_for_a_folder_without_its_database_does_not_start_an_empty_node(tmp_path):
    """Config and keys restored, node.db not (or storage.database misspelt): the node started on a new,
    empty database under its old name and key, numbering what it publishes from the start again
    below what its twins have read."""
    nyc = tmp_path / "nyc"
    run_cli("init", str(nyc), "--name", "NYC", "--url", f"http://127.0.0.1:{free_port()}")
    (nyc / "node.db").rename(tmp_path / "elsewhere.db")
    ran = run_cli("run", str(nyc))
    assert error_line(ran) == f"{nyc / 'node.db'} does not exist: is {nyc} a node, and is its database there?"
    assert not (nyc / "node.db").exists()


def test_cli__run_with_a_missing_smtp_password_file_names_the_file_not_the_port(tmp_path):
    """The file could not be read, and `run` said it could not listen on its port."""
    nyc = tmp_path / "nyc"
    run_cli("init", str(nyc), "--name", "NYC", "--url", f"http://127.0.0.1:{free_port()}")
    with (nyc / "config.yaml").open("a", encoding="utf-8") as config:
        config.write("mail:\n  smtp_host: 127.0.0.1\n  username: nyc\n  password_file: smtp-password\n")
    ran = run_cli("run", str(nyc))
    assert error_line(ran) == f"mail.password_file: cannot read {nyc / 'smtp-password'}: no such file or directory"


def test_cli__run_on_an_address_that_is_not_this_machines_says_so(tmp_path):
    """A name that does not resolve said 'unknown error -2', and both asked whether another program used the port."""
    for listen, why in (
        ("no-such-host.invalid:8080", "this machine cannot find an address of its own by that name."),
        ("192.0.2.1:8080", "that address is not one of this machine's."),  # TEST-NET-1, RFC 5737
    ):
        directory = tmp_path / listen.split(":")[0]
        run_cli("init", str(directory), "--name", "NYC", "--url", "https://nyc.example", "--listen", listen)
        ran = run_cli("run", str(directory))
        assert error_line(ran) == f"cannot listen on {listen}: {why} Change listen in {directory}/config.yaml"
