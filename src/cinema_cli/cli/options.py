"""Option types and helpers shared by commands (cheap to import: typer and stdlib only)."""

from __future__ import annotations

import re
from collections.abc import Callable
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


MAX_MINUTES = 100 * 366 * 24 * 60
"""The longest age an option in minutes takes (a century): beyond it dates overflow."""


def parse_minutes(value: float | None) -> float | None:
    """Typer callback for an age in minutes: finite, from 0 to :data:`MAX_MINUTES`."""
    if value is None:
        return None
    import math

    if not math.isfinite(value) or not 0 <= value <= MAX_MINUTES:
        raise typer.BadParameter(f"{value!r} is not a number of minutes from 0 to {MAX_MINUTES}")
    return value


# Options whose value has a fixed shape are checked while the command line is parsed, so a
# malformed one is a usage error (exit 2) naming the option; the services check the same
# shapes again for callers that are not the CLI (the HTTP API answers 422).

_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def _usage_error(error: Exception) -> typer.BadParameter:
    """An :class:`InvalidInput` from a service check, as a usage error (the option is named
    by Click: ``Invalid value for '--category': ...``)."""
    text = str(error)
    if text.startswith("--"):
        text = text.split(": ", 1)[-1]
    return typer.BadParameter(text)


def _checked(check: Callable[[str], object], value: str | None) -> str | None:
    from cinema_cli.domain.errors import InvalidInput

    if value is None:
        return None
    try:
        check(value)
    except InvalidInput as error:
        raise _usage_error(error) from None
    return value


def check_category(value: str | None) -> str | None:
    """Typer callback for ``reserve --category`` (standard, premium, wheelchair, companion)."""
    from cinema_cli.services.reservations import parse_category

    return _checked(parse_category, value)


def check_session(value: str | None) -> str | None:
    """Typer callback for ``--session``: 1 to 64 letters, digits, '.', '_', ':' or '-'."""
    if value is not None and not _SESSION_ID.fullmatch(value):
        raise typer.BadParameter(
            f"{value!r} is not a session id (1 to 64 letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit)"
        )
    return value


def check_gate(value: str | None) -> str | None:
    """Typer callback for ``checkin --gate``: a short printable name."""
    from cinema_cli.services.checkin import MAX_GATE_LENGTH

    gate = None if value is None else value.strip()
    if gate is not None and (not gate or len(gate) > MAX_GATE_LENGTH or not gate.isprintable()):
        raise typer.BadParameter(f"give a short name (1 to {MAX_GATE_LENGTH} printable characters)")
    return value


def check_role(value: str | None) -> str | None:
    """Typer callback for ``tokens create --role`` (door, office or admin)."""
    from cinema_cli.services.staff_tokens import parse_role

    return _checked(parse_role, value)


def check_token_name(value: str | None) -> str | None:
    """Typer callback for ``tokens create --name``: 1 to 64 printable characters."""
    if value is not None:
        name = value.strip()
        if not name or len(name) > 64 or not name.isprintable():
            raise typer.BadParameter("give 1 to 64 printable characters")
    return value


def check_idempotency_key(value: str | None) -> str | None:
    """Typer callback for ``buy --idempotency-key``: printable ASCII without spaces."""
    from cinema_cli.domain.purchase import parse_idempotency_key

    return _checked(parse_idempotency_key, value)


STORE_FORMS = ("json", "json:///folder", "sqlite:///file.db", "postgresql://user@host/db")


def check_store_url(value: str | None) -> str | None:
    """Typer callback for ``db copy --from/--to``: one of the storage URL forms (the
    factory in :mod:`cinema_cli.storage` still checks the rest, like a missing folder)."""
    if value is not None and not (
        value == "json" or value.startswith(("json://", "sqlite:", "postgres"))
    ):
        raise typer.BadParameter(f"{value!r} is not a store; use {', '.join(STORE_FORMS)}")
    return value
