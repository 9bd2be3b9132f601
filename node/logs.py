"""Structured logs: JSON lines by default, key=value for people at a console.

structlog, when first imported, imports `rich` (and with it pygments and attrs, about 4 MB) or
`better_exceptions` if either is installed, to colour tracebacks at a console. Our renderers
never use them, a production install has neither, and an idle node should not hold them: they
are hidden while structlog is imported (an import of a module whose `sys.modules` entry is None
fails), then made importable again for whatever else wants them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PRETTIFIERS = ("rich", "better_exceptions")


@contextmanager
def _hidden(names: tuple[str, ...]) -> Iterator[None]:
    hidden = [name for name in names if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # type: ignore[arg-type]
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]


with _hidden(PRETTIFIERS):
    import structlog


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=getattr(logging, level.upper()), stream=sys.stderr, format="%(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
