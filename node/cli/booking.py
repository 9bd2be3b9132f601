"""`gemella resource|slot|member|reservation|ledger ...`."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
