"""Feed formats: CSV, JSON and JSON Lines, told by ``--format`` or the file's extension.

``export showtimes`` also writes two formats that are not feeds (nothing imports them):
schema.org JSON-LD (``jsonld``) and an iCalendar feed (``ics``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from cinema_cli.domain.errors import InvalidInput

FeedFormat = Literal["csv", "json", "jsonl"]
FORMATS: tuple[FeedFormat, ...] = ("csv", "json", "jsonl")
ExportFormat = Literal["csv", "json", "jsonl", "jsonld", "ics"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "jsonl", "jsonld", "ics")
_EXTENSIONS: dict[str, FeedFormat] = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}

Progress = Callable[[int], None]
"""Called now and then with the number of bytes of the feed read so far."""


def feed_format(
    name: str, explicit: str | None, *, allowed: tuple[str, ...] = FORMATS
) -> FeedFormat:
    """The feed's format: ``explicit`` when given, else from the file name's extension.

    Standard input (``-``) without ``--format`` is read as CSV for showtimes and JSON
    for theaters (the first of ``allowed``).
    """
    if explicit is not None:
        if explicit not in allowed:
            raise InvalidInput(
                f"--format: {explicit!r} is not one of {', '.join(allowed)}", field="--format"
            )
        return explicit  # type: ignore[return-value]
    if name == "-":
        return allowed[0]  # type: ignore[return-value]
    lowered = name.lower()
    for extension, fmt in _EXTENSIONS.items():
        if lowered.endswith(extension) and fmt in allowed:
            return fmt
    raise InvalidInput(
        f"FILE: cannot tell the format of {name!r} from its extension; "
        f"give --format {'|'.join(allowed)}",
        field="--format",
    )


_EXPORT_EXTENSIONS: dict[str, ExportFormat] = {**_EXTENSIONS, ".jsonld": "jsonld", ".ics": "ics"}


def export_format(output: str | None, explicit: str | None) -> ExportFormat:
    """The export's format: ``explicit`` when given, else from the output file's extension,
    else CSV (standard output, or an extension that names no format)."""
    if explicit is not None:
        if explicit not in EXPORT_FORMATS:
            raise InvalidInput(
                f"--format: {explicit!r} is not one of {', '.join(EXPORT_FORMATS)}",
                field="--format",
            )
        return explicit
    lowered = (output or "").lower()
    return next(
        (fmt for extension, fmt in _EXPORT_EXTENSIONS.items() if lowered.endswith(extension)),
        "csv",
    )
