"""`gemella event ...`."""

from __future__ import annotations

import click


@click.group()
def event() -> None:
    """Publish, update, cancel and export events."""
