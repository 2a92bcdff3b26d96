"""The audit log: who changed what, when (``cinema log``). Never holds card data."""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.domain.models import AuditAction, AuditEntry, Money, format_amount
from cinema_cli.services.explain import booking_not_found
from cinema_cli.services.ports.storage import Reader, Storage, Transaction


def default_actor() -> str:
    """Who is acting: the operating-system user running the command (``cinema`` if unknown)."""
    import getpass

    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry in some containers
        return "cinema"


def new_entry_id() -> str:
    """``a-`` + the wall clock in hex nanoseconds + 4 random hex digits.

    Backends list entries by ``(at, id)``; with a fixed clock (``CINEMA_NOW``) several
    entries share ``at``, and these ids keep the ones written by one command in order.
    """
    return f"a-{time.time_ns():016x}{secrets.token_hex(2)}"


def record(
    tx: Transaction,
    *,
    at: datetime,
    action: AuditAction,
    subject: str,
    actor: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Append one entry in the caller's transaction, so it lands with the change it describes."""
    entry = AuditEntry(
        id=new_entry_id(),
        at=at,
        actor=actor or default_actor(),
        action=action,
        subject=subject,
        details=details,
    )
    tx.append_audit(entry)
    return entry


def audit_log(
    storage: Storage | Reader, *, booking_id: str | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """The audit entries, oldest first, the last ``limit``.

    With ``booking_id``: the booking's entries (purchase, cancel, refund, check-in) and those
    of the reservation it was bought from (hold, release).
    """
    if limit is not None and limit < 1:
        raise InvalidInput("--limit: must be at least 1", field="limit")
    if booking_id is None:
        return storage.audit(limit=limit)
    booking_id = booking_id.strip()
    booking = storage.booking(booking_id)
    if booking is None:
        raise booking_not_found(storage, booking_id, option="--booking")
    entries = storage.audit(subject=booking.id) + storage.audit(subject=booking.reservation_id)
    entries.sort(key=lambda entry: entry.at)  # stable: same-instant entries keep their order
    return entries[-limit:] if limit else entries


def money_detail(value: Money) -> dict[str, str]:
    """An amount in an entry's details, as ``log`` shows it: ``{"amount": "12.50", ...}``."""
    return {"amount": format_amount(value.amount, value.currency), "currency": value.currency}
