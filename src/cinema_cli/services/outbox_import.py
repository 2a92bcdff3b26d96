"""``db upgrade`` moves the e-mails of a data folder's ``outbox/`` into the mail queue once.

Before the queue lived in the store, each ``.eml`` file's send state was kept beside it. Each
message found there becomes a queue entry with that state (``sent`` stays sent and is never
sent again; anything else waits for ``cinema outbox send``). A message the queue holds
already is left alone, so running the upgrade again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cinema_cli.domain.mail_queue import MailKind, MailRecord, MailStatus
from cinema_cli.services.outbox import mail_record
from cinema_cli.services.ports.mail import KeptMail, KeptMailFolder
from cinema_cli.services.ports.storage import Storage

_CANCELLATION = ".cancel-"


@dataclass(frozen=True, slots=True)
class MailAdoption:
    """What ``db upgrade`` moved from the outbox folder into the mail queue."""

    found: int
    moved: int
    already: int
    sent: int
    waiting: int


def _booking_and_kind(name: str) -> tuple[str, MailKind]:
    stem = name.removesuffix(".eml")
    if _CANCELLATION in stem:
        return stem.split(_CANCELLATION, 1)[0], MailKind.CANCELLATION
    return stem, MailKind.CONFIRMATION


def _queued(kept: KeptMail) -> MailRecord:
    booking_id, kind = _booking_and_kind(kept.name)
    record = mail_record(kept.name, booking_id, kind, kept.raw, kept.written_at)
    return replace(
        record,
        status=(
            MailStatus.SENT if kept.sent else MailStatus.FAILED if kept.attempts else record.status
        ),
        attempts=kept.attempts,
        last_error=None if kept.sent else kept.last_error,
        last_attempt_at=kept.last_attempt_at,
        sent_at=(kept.sent_at or kept.last_attempt_at or kept.written_at) if kept.sent else None,
    )


def adopt_messages(storage: Storage, folder: KeptMailFolder) -> MailAdoption:
    """Queue every message of ``folder`` the queue does not hold yet, in one unit of work."""
    kept = folder.kept_messages()
    moved = already = sent = 0
    with storage.transaction() as tx:
        for item in kept:
            if tx.mail_message(item.name) is not None:
                already += 1
                continue
            tx.enqueue_mail(_queued(item))
            moved += 1
            sent += item.sent
    return MailAdoption(len(kept), moved, already, sent, moved - sent)
