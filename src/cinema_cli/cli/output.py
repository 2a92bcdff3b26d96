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
    """A rich console that honours ``NO_COLOR`` and plain pipes.

    Text is printed as it is: rich's markup and ``:emoji:`` codes are off, so a title or a
    name from a feed (``[red]``, ``:cat:``) is never restyled; a line that styles text on
    purpose passes ``markup=True`` and escapes the data in it.
    """
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
        markup=False,
        emoji=False,
        soft_wrap=not on_terminal,
        # A terminal says how wide it is; a pipe gets a width that fits tables unwrapped.
        width=None if on_terminal else 120,
    )


def write_lines(*lines: str) -> None:
    """Print plain lines on stdout without rich (for output on the hot path of ``buy``)."""
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stdout.flush()


def bold(text: str) -> str:
    """``text`` in bold on a colour terminal, as it is elsewhere."""
    if not color_enabled():
        return text
    import click

    return click.style(text, bold=True)


def plain_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Rows in aligned columns, laid out as a borderless rich ``Table`` lays them out (one
    space of padding each side), without importing rich. Cells are short ASCII values."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "".join(f" {cell.ljust(width)} " for cell, width in zip(cells, widths, strict=True))

    return [bold(line(headers)), *(line(row) for row in rows)]
