"""`gemella`: create and run a node, and drive a running node's local API.

The global options (--dir, --node, --token, --json) may come before or after the subcommand,
and no mistake of the person typing ends in a traceback: every error is a sentence on stderr,
or under --json a JSON object on stdout, with a non-zero exit.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from node.logs import configure_logging

from .api import NodeRefused
from .local import init, node, operator_token, run

# Options of the whole CLI that take a value, and the flag; a subcommand's own option of the same
# name (`demo --dir`) wins.
GLOBAL_VALUED = ("--dir", "--node", "--token")
GLOBAL_FLAGS = ("--json",)


# Commands whose modules are imported only when they run (or when help lists them): the demo
# brings the whole seeding code and an SMTP server library, and the operator's commands their
# options and wording, that a running node never needs.
LAZY_COMMANDS = {
    "demo": ("node.demo", "demo"),
    "db": ("node.cli.database", "db"),
    "twin": ("node.cli.twins", "twin"),
    "key": ("node.cli.twins", "key"),
    "backup": ("node.cli.backup", "backup"),
    "event": ("node.cli.events", "event"),
    "token": ("node.cli.tokens", "token"),
    "guests": ("node.cli.guests", "guests"),
    "offers": ("node.cli.offers", "offers"),
    **{name: ("node.cli.booking", name) for name in ("resource", "slot", "member", "reservation", "ledger")},
}


class GemellaGroup(click.Group):
    """A group whose global options may also be written after the subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(self, ctx, args))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            module, attribute = LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


def hoist_global_options(group: click.Group, ctx: click.Context, args: list[str]) -> list[str]:
    """Move --dir/--node/--token/--json found after the subcommand in front of it."""
    own = _subcommand_options(group, ctx, args)
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        name = arg.split("=", 1)[0]
        if name in own:
            rest.append(arg)
        elif name in GLOBAL_FLAGS and "=" not in arg:
            hoisted.append(arg)
        elif name in GLOBAL_VALUED:
            hoisted.append(arg)
            if "=" not in arg and index + 1 < len(args):
                hoisted.append(args[index + 1])
                index += 1
        else:
            rest.append(arg)
        index += 1
    return hoisted + rest


def _subcommand_options(group: click.Group, ctx: click.Context, args: list[str]) -> set[str]:
    """The option names that the subcommands named in `args` declare themselves."""
    names: set[str] = set()
    current: click.Command | None = group
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            skip = arg in GLOBAL_VALUED
            continue
        if not isinstance(current, click.Group):
            break
        current = current.get_command(ctx, arg)
        if current is None:
            break
        for param in current.params:
            names.update(getattr(param, "opts", []))
    return names


@click.group(cls=GemellaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gemellaggio", prog_name="gemella", message="%(prog)s %(version)s")
@click.option("--node", "node", metavar="URL", help="The running node's local address (or GEMELLA_NODE).")
@click.option("--dir", "dir", metavar="DIR", help="A node's folder; its listen address is used (or GEMELLA_DIR).")
@click.option("--token", metavar="TOKEN", help="Operator or member token (or GEMELLA_TOKEN).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of sentences (errors too, on stdout).")
def cli(node: str | None, dir: str | None, token: str | None, as_json: bool) -> None:
    """Gemellaggio: twin coworking spaces.

    --dir, --node, --token and --json may be given before or after the command.
    """
    # Logs go to stderr so that stdout stays clean for --json; `run` sets the node's own level.
    configure_logging("warning", "console")


def main(argv: Sequence[str] | None = None) -> None:
    """The `gemella` entry point: run the CLI, and turn every failure into a sentence or JSON."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = wants_json(args)
    try:
        code = cli.main(args, prog_name="gemella", standalone_mode=False)
    except click.ClickException as exc:
        sys.exit(_report(exc, as_json))
    except (click.exceptions.Abort, KeyboardInterrupt, EOFError):
        click.echo("Stopped.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug of ours, never shown as a traceback to the operator
        message = f"gemella stopped on an unexpected error: {type(exc).__name__}: {exc}. Please report it."
        sys.exit(_report(click.ClickException(message), as_json))
    sys.exit(code if isinstance(code, int) else 0)


def wants_json(args: list[str]) -> bool:
    before_end = args[: args.index("--")] if "--" in args else args
    return "--json" in before_end


def _report(exc: click.ClickException, as_json: bool) -> int:
    if as_json:
        error: dict[str, Any] = {"message": exc.format_message(), "exit_code": exc.exit_code}
        if isinstance(exc, NodeRefused):
            error["problem"] = exc.problem
        click.echo(json.dumps({"error": error}, indent=2, ensure_ascii=False))
    else:
        exc.show()
    return exc.exit_code


COMMANDS = (init, run, operator_token, node)  # and LAZY_COMMANDS
for _command in COMMANDS:
    cli.add_command(_command)


if __name__ == "__main__":
    main()
