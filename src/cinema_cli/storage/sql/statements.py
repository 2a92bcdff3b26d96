"""The SQL text shared by reads and writes: column lists, upserts, ``IN (...)`` lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from cinema_cli.storage.sql.driver import Params

CHUNK = 500
"""Ids per ``IN (...)`` list (SQLite allows a few thousand parameters per statement)."""
UNION_MAX = 50
"""Most ids a showings query gives a ``SELECT`` each (more: one ``IN (...)`` list, since a
window covering that many theaters or movies is best read by start time anyway)."""
BATCH = 5000
"""Rows per ``executemany`` when loading or importing."""

THEATER_COLS = (
    "id, name, city_id, address, timezone, currency, cleaning_minutes, business_day_cutoff"
)
MOVIE_COLS = "id, title, runtime_minutes, rating, genres, language, year"
SHOWING_COLS = (
    "id, theater_id, room_id, movie_id, starts_at, ends_at, prices, currency, format, "
    "language, status"
)
CLAIM_COLS = (
    "showing_id, seat_id, kind, reservation_id, session_id, expires_at, booking_id, ticket_id"
)
RESERVATION_COLS = (
    "id, session_id, showing_id, movie_id, seats, created_at, expires_at, total_amount, currency"
)
BOOKING_COLS = (
    "id, user_id, email, name, showing_id, movie_id, reservation_id, seats, total_amount, "
    "currency, payment_provider, payment_reference, payment_brand, payment_last4, "
    "payment_amount, payment_currency, refunded_amount, refunded_currency, status, created_at, "
    "idempotency_key, refunds"
)
TICKET_COLS = (
    "id, booking_id, showing_id, seat_id, category, price_amount, price_currency, code, "
    "status, checked_in_at, gate, cancelled_at"
)
USER_COLS = "id, email, name, created_at"
IDEMPOTENCY_COLS = "idempotency_key, fingerprint, booking_id, created_at"
AUDIT_COLS = "id, happened_at, actor, action, subject, details"


def _upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` — the same text on SQLite and PostgreSQL."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


def _insert(table: str, columns: Sequence[str]) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )


def in_list(prefix: str, values: Sequence[Any]) -> tuple[str, Params]:
    names = [f"{prefix}{i}" for i in range(len(values))]
    return ", ".join(":" + n for n in names), dict(zip(names, values, strict=True))


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


CITY_SQL = _upsert("cities", ("id", "name", "country"), ("id",))
THEATER_SQL = _upsert("theaters", THEATER_COLS.split(", "), ("id",))
ROOM_SQL = _insert("rooms", ("theater_id", "id", "ordinal", "name", "layout"))
MOVIE_SQL = _upsert("movies", MOVIE_COLS.split(", "), ("id",))
SHOWING_SQL = _upsert("showings", SHOWING_COLS.split(", "), ("id",))
CLAIM_SQL = _insert("seat_claims", CLAIM_COLS.split(", "))
RESERVATION_SQL = _upsert("reservations", RESERVATION_COLS.split(", "), ("id",))
USER_SQL = _upsert("users", ("id", "email", "email_key", "name", "created_at"), ("id",))
BOOKING_SQL = _upsert("bookings", [*BOOKING_COLS.split(", "), "email_key"], ("id",))
TICKET_SQL = _upsert("tickets", [*TICKET_COLS.split(", "), "ordinal"], ("id",))
IDEMPOTENCY_SQL = _upsert("idempotency_keys", IDEMPOTENCY_COLS.split(", "), ("idempotency_key",))
AUDIT_SQL = _insert("audit_log", AUDIT_COLS.split(", "))
