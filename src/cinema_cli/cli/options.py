"""Option types and helpers shared by commands (cheap to import: typer and stdlib only)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

import typer

JsonFlag = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout (shape documented in README)."),
]


def parse_date(value: str | None, option: str | None = None) -> date | None:
    """``YYYY-MM-DD`` for ``--date`` (as a Typer callback) or for ``option`` when named."""
    if value is None:
        return None
    from cinema_cli.domain.times import FIRST_DAY, LAST_DAY

    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise typer.BadParameter(
            f"{value!r} is out of range ({FIRST_DAY} to {LAST_DAY})", param_hint=option
        )
    return day


def parse_clock_time(value: str | None) -> time | None:
    """Typer callback for ``--after/--before HH:MM``."""
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a time of day (HH:MM)") from None
