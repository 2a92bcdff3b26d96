"""Checks of single feed cells: ids, ISO 8601 times, amounts, numbers, short texts.

Each check takes a raw cell (CSV text or a JSON value) and returns the typed value,
``None`` for an empty cell, or raises :class:`CellInvalid` saying why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cinema_cli.domain.feeds.columns import quoted

# Mirrors of the constraints in schemas.py (Id, Currency, Amount, field lengths); the
# property tests hold the two together.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ISO_SHAPE = re.compile(r"^\d{4}-?\d{2}-?\d{2}[T ]\d{2}(:?\d{2})?")
_MAX_ID = 64
_AMOUNT_LIMIT = Decimal(1_000_000)  # schemas.Amount: le=1000000
_TWO_PLACES = Decimal("0.01")


class CellInvalid(ValueError):
    """A cell failed its check; the message is the reason (the caller adds line and field)."""


def _text(value: object) -> str | None:
    """A cell as stripped text; ``None`` when absent or empty."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        raise CellInvalid(f"{quoted(value)} is not text")
    if isinstance(value, int | Decimal | float):
        return str(value)
    raise CellInvalid(f"{quoted(value)} is not text")


def _id(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if len(text) > _MAX_ID or _ID.fullmatch(text) is None:
        raise CellInvalid(
            f"{quoted(text)} is not an id "
            "(1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit)"
        )
    return text


def parse_local_datetime(value: object) -> tuple[datetime, str] | None:
    """An ISO 8601 date and time, naive (local) or with an offset; ``None`` when empty."""
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        if _ISO_SHAPE.match(text):
            raise CellInvalid(f"{quoted(text)} is not a valid date") from None
        raise CellInvalid(
            f"{quoted(text)} is not an ISO 8601 date and time (like 2026-11-24 19:00 "
            "or 2026-11-24T19:00:00+01:00)"
        ) from None
    if len(text) <= 10:
        raise CellInvalid(f"{quoted(text)} has no time of day (like 2026-11-24 19:00)")
    if parsed.tzinfo is not None and parsed.utcoffset() is None:  # pragma: no cover - fromisoformat
        raise CellInvalid(f"{quoted(text)} has an unusable offset")
    return parsed, text


def parse_amount(value: object) -> Decimal | None:
    """A price: a decimal >= 0 with at most 2 decimal places; ``None`` when empty."""
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip text: 12.1 stays 12.1
    text = _text(value)
    if text is None:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellInvalid(f"{quoted(text)} is not a decimal amount (like 12.50)") from None
    if not amount.is_finite():
        raise CellInvalid(f"{quoted(text)} is not a decimal amount (like 12.50)")
    if amount < 0:
        raise CellInvalid(f"{quoted(text)} is negative")
    if amount > _AMOUNT_LIMIT:
        raise CellInvalid(f"{quoted(text)} is more than {_AMOUNT_LIMIT}")
    rounded = amount.quantize(_TWO_PLACES)
    if rounded != amount:
        raise CellInvalid(f"{quoted(text)} has more than 2 decimal places")
    return rounded


def _int(value: object, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        raise CellInvalid(f"{quoted(value)} is not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal):
        exact = Decimal(repr(value)) if isinstance(value, float) else value
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise CellInvalid(f"{quoted(value)} is not a whole number")
        number = int(exact)
    else:
        text = _text(value)
        if text is None:
            return None
        if not text.isascii() or not text.isdigit():
            raise CellInvalid(f"{quoted(text)} is not a whole number")
        number = int(text)
    if not low <= number <= high:
        raise CellInvalid(f"{number} is not between {low} and {high}")
    return number


def _short(value: object, limit: int) -> str | None:
    text = _text(value)
    if text is not None and len(text) > limit:
        raise CellInvalid(f"{quoted(text)} is longer than {limit} characters")
    return text


def _currency(value: object) -> str | None:
    text = _text(value)
    if text is not None and _CURRENCY.fullmatch(text) is None:
        raise CellInvalid(f"{quoted(text)} is not an ISO 4217 currency code (like EUR)")
    return text


def _genres(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        parts = value
    elif isinstance(value, str):
        if not value.strip():
            return None
        parts = value.split(";")
    else:
        raise CellInvalid(f"{quoted(value)} is not a list of genres")
    genres = []
    for item in parts:
        if not isinstance(item, str):
            raise CellInvalid(f"{quoted(item)} is not a genre name")
        item = item.strip()
        if len(item) > 40:
            raise CellInvalid(f"genre {quoted(item)} is longer than 40 characters")
        if item:
            genres.append(item)
    return genres


def _checker(check: Callable[[object, int, int], Any], *limits: int) -> Callable[[object], Any]:
    return lambda value: check(value, *limits)


CHECKS: tuple[tuple[str, Callable[[object], Any]], ...] = (
    ("showing_id", _id),
    ("theater_id", _id),
    ("room_id", _id),
    ("movie_id", _id),
    ("starts_at", parse_local_datetime),
    ("price", parse_amount),
    ("ends_at", parse_local_datetime),
    ("price_premium", parse_amount),
    ("price_wheelchair", parse_amount),
    ("price_companion", parse_amount),
    ("currency", _currency),
    ("format", lambda v: _short(v, 16)),
    ("language", lambda v: _short(v, 35)),
    ("movie_title", lambda v: _short(v, 300)),
    ("runtime_minutes", _checker(_int, 1, 1000)),
    ("rating", lambda v: _short(v, 16)),
    ("genres", _genres),
)
"""Every column's check, in report order (a table, not closures: this runs 100,000 times).

:meth:`~cinema_cli.domain.feeds.rows.RowChecker.check` unpacks the results in this order."""
