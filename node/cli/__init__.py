"""The `gemella` command."""

from .main import main

__all__ = ["main"]
