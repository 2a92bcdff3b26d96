"""Reading a file the user names, never more than a limit (``/dev/zero`` must not fill memory)."""

from __future__ import annotations

from pathlib import Path

from cinema_cli.domain.errors import InvalidInput


def read_at_most(path: Path, limit: int, *, option: str) -> bytes:
    """The bytes of ``path``; :class:`InvalidInput` (exit 6) naming ``option`` when it cannot
    be read or holds more than ``limit`` bytes (found by reading one byte past the limit)."""
    field = option.lstrip("-").replace("-", "_")
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise InvalidInput(
            f"{option}: cannot read {path} ({error.strerror or error})", field=field
        ) from None
    if len(data) > limit:
        raise InvalidInput(
            f"{option}: {path} is larger than {limit:,} bytes, the limit for this file",
            field=field,
            limit=limit,
        )
    return data
