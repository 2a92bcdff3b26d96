"""Rendering helpers shared by commands: JSON documents and rich consoles."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def emit_json(document: Any) -> None:
    """Write exactly one JSON document (and a newline) on stdout."""
    import orjson

    sys.stdout.buffer.write(
        orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    )
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def color_enabled(stream: Any = None) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def console(*, stderr: bool = False) -> Console:
    """A rich console that honours ``NO_COLOR`` and plain pipes."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    enabled = color_enabled(stream)
    isatty = getattr(stream, "isatty", None)
    on_terminal = bool(isatty and isatty())
    return Console(
        file=stream,
        no_color=not enabled,
        color_system="auto" if enabled else None,
        highlight=False,
        soft_wrap=not on_terminal,
        # A terminal says how wide it is; a pipe gets a width that fits tables unwrapped.
        width=None if on_terminal else 120,
    )
