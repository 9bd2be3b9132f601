"""`gemella demo`: two twinned coworking spaces on this machine, with sample data, until Ctrl-C.

WeCreate NYC (America/New_York) and TheCube London (Europe/London) are created in a fresh
folder (./demo-data by default), twinned, and given resources, slots for each other, events
(one re-hosted on the other side), a member each and one reservation abroad. Both are served
from one process. Run again, it resumes the same folder with fresh tokens; --reset starts over.

NYC is addressed as 127.0.0.1 and London as localhost: browsers keep cookies per host name,
not per port, so one browser can stay signed in at both.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
from dataclasses import dataclass, field
from pathlib import Path

import click
from aiohttp import web

from node.config import load_settings
from node.demo_seed import SPACES, Space, seed
from node.mail.sink import MailSink
from node.setup import init_node_async
from node.web.app import create_app
from node.web.keys import ASSEMBLED
from node.web.pages.admin_mail import install_demo_sink
from node.web.server import NodeRunner

MARKER = ".gemella-demo"
DEFAULT_PORTS = (8081, 8082)


class DemoError(click.ClickException):
    """The demo cannot start; the message says why and what to do."""


@dataclass
class Running:
    space: Space
    directory: Path
    url: str
    port: int
    operator_token: str = ""
    member_token: str = ""
    runner: web.AppRunner | None = field(default=None, repr=False)


@click.command()
@click.option(
    "--dir",
    "directory",
    default="demo-data",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder for the two nodes' data.",
)
@click.option("--ports", default=None, metavar="NYC,LONDON", help="Loopback ports [default: 8081,8082].")
@click.option("--reset", is_flag=True, help="Delete the folder's earlier demo and start over.")
def demo(directory: Path, ports: str | None, reset: bool) -> None:
    """Run WeCreate NYC and TheCube London, twinned, with sample data, until Ctrl-C."""
    wanted = _parse_ports(ports) if ports else DEFAULT_PORTS
    asyncio.run(run_demo(directory, wanted, reset))


async def run_demo(directory: Path, ports: tuple[int, int], reset: bool) -> None:
    resuming = _prepare(directory, reset)
    if resuming:
        nodes = _existing(directory)
    else:
        nodes = await _create(directory, _free_ports(ports))
    stop = _stop_on_signals()
    sink = MailSink()  # the demo's mail goes here, and is shown at /admin/mail
    await sink.start()
    try:
        for node in nodes:
            await _start(node, sink)
        period = None
        if resuming:
            await _new_tokens(nodes)
        else:
            click.echo("Twinning the two spaces and adding sample events, slots and members...")
            period = await seed(nodes[0], nodes[1])
        _print_summary(directory, nodes, resuming, period)
        await stop.wait()
    finally:
        for node in nodes:
            if node.runner is not None:
                await node.runner.cleanup()
        await sink.stop()
        _restore_signals()
    click.echo(f"Stopped. The data stays in {directory}: `gemella demo` resumes it, `--reset` starts over.")


# -- the folder ----------------------------------------------------------------------------------


def _prepare(directory: Path, reset: bool) -> bool:
    """True when an earlier demo is there to resume; refuses to touch a folder that is not a demo's."""
    is_demo = (directory / MARKER).exists()
    if reset and is_demo:
        shutil.rmtree(directory)
        return False
    if directory.exists() and any(directory.iterdir()):
        if is_demo:
            return True
        raise DemoError(f"{directory} exists and is not a demo folder; choose another with --dir")
    return False


def _existing(directory: Path) -> list[Running]:
    nodes = []
    for space in SPACES:
        settings = load_settings(directory / space.key, {})
        port = settings.listen.port
        if not _port_free(port):
            raise DemoError(f"port {port} is in use (is the demo already running?); stop it, or use --reset")
        nodes.append(Running(space, directory / space.key, settings.node_id, port))
    return nodes


async def _create(directory: Path, ports: tuple[int, int]) -> list[Running]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("Created by `gemella demo`; `gemella demo --reset` deletes this folder.\n")
    nodes = []
    for space, port in zip(SPACES, ports, strict=True):
        url = f"http://{space.host}:{port}"
        result = await init_node_async(
            directory / space.key,
            name=space.name,
            url=url,
            listen=f"127.0.0.1:{port}",
            timezone=space.timezone,
            location=space.location,
            extra={"federation": {"allow_private_addresses": True}, "log": {"level": "warning", "format": "console"}},
        )
        nodes.append(Running(space, directory / space.key, url, port, operator_token=result.operator_token))
    return nodes


# -- ports ----------------------------------------------------------------------------------------


def _parse_ports(text: str) -> tuple[int, int]:
    try:
        first, second = (int(p) for p in text.split(","))
    except ValueError as exc:
        raise DemoError(f"--ports takes two port numbers like 8081,8082, not {text!r}") from exc
    if first == second or not all(1 <= p <= 65535 for p in (first, second)):
        raise DemoError("--ports takes two different port numbers between 1 and 65535")
    return first, second


def _free_ports(wanted: tuple[int, int]) -> tuple[int, int]:
    chosen: list[int] = []
    for port, space in zip(wanted, SPACES, strict=True):
        if _port_free(port) and port not in chosen:
            chosen.append(port)
            continue
        other = _any_free_port()
        click.echo(f"Port {port} is taken; {space.name} uses port {other} instead.")
        chosen.append(other)
    return chosen[0], chosen[1]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the server binds: a port left in TIME_WAIT by a demo that just stopped is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _any_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- serving ------------------------------------------------------------------------------------


async def _start(node: Running, sink: MailSink) -> None:
    # The sink's port changes with every run, so it is given as an override, not written to the config.
    environ = {"GEMELLA_MAIL__SMTP_HOST": "127.0.0.1", "GEMELLA_MAIL__SMTP_PORT": str(sink.port)}
    environ["GEMELLA_MAIL__SECURITY"] = "none"
    settings = load_settings(node.directory, environ)
    node.runner = NodeRunner(create_app(settings, extensions=[install_demo_sink(sink)]), settings, handle_signals=False)
    await node.runner.setup()
    await web.TCPSite(node.runner, "127.0.0.1", node.port).start()


async def _new_tokens(nodes: list[Running]) -> None:
    """A resumed demo: its tokens were shown once last time, so make new ones (the old stay valid)."""
    for node in nodes:
        assert node.runner is not None
        live = node.runner.app[ASSEMBLED]
        members = await live.booking.members.list()
        async with live.write() as work:
            node.operator_token = await live.store.tokens.store(work.tx, "operator")
            if members:
                node.member_token = await live.store.tokens.store(work.tx, "member", members[0]["id"])


def _stop_on_signals() -> asyncio.Event:
    """Ctrl-C (SIGINT) or SIGTERM stops the demo cleanly, from the first moment on."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _restore_signals() -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)


def _print_summary(directory: Path, nodes: list[Running], resuming: bool, period: str | None = None) -> None:
    verb = "Resumed" if resuming else "Created"
    lines = [
        "",
        f"{verb} the Gemellaggio demo in {directory}: two twinned coworking spaces on this machine.",
        "",
    ]
    for node in nodes:
        space = node.space
        lines += [
            f"{space.name} ({space.timezone})",
            f"  member page    {node.url}/",
            f"  member token   {node.member_token}   ({space.member_name})",
            f"  operator page  {node.url}/admin",
            f"  demo mailbox   {node.url}/admin/mail",
            f"  operator token {node.operator_token}",
            "",
        ]
    london, nyc = nodes[1], nodes[0]
    lines += [
        f"Try it: sign in as {london.space.member_name} at {london.url}/ and reserve a desk in New York;",
        f"then sign in as NYC's operator at {nyc.url}/admin/ledger"
        + (f"?period={period}" if period else "")
        + " and find the reservation.",
        "(The two spaces use different host names so that one browser can be signed in at both.)",
        "" if not resuming else "New tokens were made for this run; earlier ones still work.",
        "Press Ctrl-C to stop both.",
    ]
    click.echo("\n".join(lines), nl=True)
