"""The audit log: who changed what, when (``cinema log``). Never holds card data."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.domain.models import AuditAction, AuditEntry
from cinema_cli.storage.base import Reader, Storage, Transaction


def default_actor() -> str:
    """Who is acting: the operating-system user running the command (``cinema`` if unknown)."""
    import getpass

    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry in some containers
        return "cinema"


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
        id=f"A-{secrets.token_hex(6)}",
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
    """The audit entries, oldest first (about ``booking_id`` when given), the last ``limit``."""
    if limit is not None and limit < 1:
        raise InvalidInput("--limit: must be at least 1", field="limit")
    return storage.audit(subject=booking_id, limit=limit)


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    """The JSON shape of one audit entry."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat().replace("+00:00", "Z"),
        "actor": entry.actor,
        "action": str(entry.action),
        "subject": entry.subject,
        "details": dict(entry.details),
    }
