"""The outbox use cases: queue an e-mail, list the queue, and send what waits in it.

The queue in the store is the truth about every e-mail and whether it was sent; the ``.eml``
files in ``<data dir>/outbox`` are copies for people who read them. Sending claims one
message at a time (a lease of ``CINEMA_OUTBOX_LEASE_SECONDS``), sends it, and records the
outcome, so senders on several hosts at once send each message once. A sender killed
between claiming and recording leaves the message to the next sender once the lease ends:
exactly once, except across such a crash, where the message may arrive twice (at least once).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.domain.mail_queue import MailKind, MailRecord, MailStatus
from cinema_cli.domain.models import utc_text
from cinema_cli.services.ports.mail import MailSendFailed, MailTransport, OutboxMessage
from cinema_cli.services.ports.storage import Storage

SMTP_SETTING = "CINEMA_SMTP_URL"


@dataclass(frozen=True, slots=True)
class MailQueue:
    """What the outbox use cases work with."""

    storage: Storage
    transport: MailTransport | None
    """``None`` without ``CINEMA_SMTP_URL``: mail waits in the queue."""
    folder: Path
    """Where the ``.eml`` copies are written (``<data dir>/outbox``)."""
    lease: timedelta
    now: Callable[[], datetime]
    """The host's real clock: leases must end even when ``CINEMA_NOW`` pins the time."""


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one ``outbox send`` did; messages in ``failed`` stay in the queue for the next."""

    sent: list[OutboxMessage]
    failed: list[OutboxMessage]
    already_sent: int


_SHOWN_STATUS = {MailStatus.QUEUED: "unsent"}


def outbox_message(record: MailRecord, folder: Path) -> OutboxMessage:
    """A queued e-mail as people see it (``queued`` is shown as ``unsent``, as it always was)."""
    return OutboxMessage(
        path=folder / record.id,
        status=_SHOWN_STATUS.get(record.status, str(record.status)),
        attempts=record.attempts,
        sent_at=utc_text(record.sent_at) if record.sent_at else None,
        last_error=record.last_error,
        last_attempt_at=utc_text(record.last_attempt_at) if record.last_attempt_at else None,
        to=record.recipient,
        subject=record.subject,
        booking_id=record.booking_id,
        kind=str(record.kind),
    )


def mail_record(
    mail_id: str, booking_id: str, kind: MailKind, raw: bytes, created_at: datetime
) -> MailRecord:
    """A new queue entry for the message ``raw`` (recipient and subject read from it)."""
    from email import policy
    from email.parser import BytesHeaderParser

    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    return MailRecord(
        id=mail_id,
        booking_id=booking_id,
        kind=kind,
        recipient=str(headers.get("To", "")),
        subject=str(headers.get("Subject", "")),
        message=raw,
        created_at=created_at,
    )


def enqueue(queue: MailQueue, record: MailRecord) -> MailRecord:
    """Put an e-mail in the queue once (the same id again keeps the first, sent or not)."""
    with queue.storage.transaction() as tx:
        return tx.enqueue_mail(record)


def list_outbox(queue: MailQueue) -> list[OutboxMessage]:
    """Every e-mail of the queue with its delivery state, oldest first."""
    return [outbox_message(m, queue.folder) for m in queue.storage.mail_messages()]


def _require_transport(queue: MailQueue) -> MailTransport:
    if queue.transport is None:
        raise InvalidInput(
            f"{SMTP_SETTING} is not set, so there is nowhere to send to",
            field=SMTP_SETTING,
            hint="export CINEMA_SMTP_URL=smtp://mail.example.org:587?starttls=1",
        )
    return queue.transport


def _claim(queue: MailQueue, *, mail_id: str | None, skip: set[str]) -> MailRecord | None:
    now = queue.now()
    with queue.storage.transaction() as tx:
        return tx.claim_mail(now, now + queue.lease, mail_id=mail_id, skip=skip)


def _record_outcome(queue: MailQueue, claimed: MailRecord, error: str | None) -> MailRecord:
    """Mark our claim sent or failed. A failure is not recorded over another sender's newer
    claim (our lease ran out); a success always is, so the message is not sent again."""
    at = queue.now()
    with queue.storage.transaction() as tx:
        current = tx.mail_message(claimed.id) or claimed
        if current.status is MailStatus.SENT:
            return current
        ours = current.status is MailStatus.SENDING and current.attempts == claimed.attempts
        if error is None:
            done = current.sent(at)
        elif ours:
            done = current.failed(at, error)
        else:
            return current.failed(at, error)
        tx.put_mail(done)
        return done


def _send_claimed(queue: MailQueue, *, only: str | None = None) -> list[MailRecord]:
    """Claim, send and record messages one by one until none is left to claim (or ``only``)."""
    transport = _require_transport(queue)
    results: list[MailRecord] = []
    tried: set[str] = set()
    send: Callable[[bytes], None] | None = None
    unreachable: str | None = None
    with ExitStack() as session:
        while True:
            claimed = _claim(queue, mail_id=only, skip=tried)
            if claimed is None:
                break
            tried.add(claimed.id)
            error = unreachable
            if error is None:
                try:
                    if send is None:
                        send = session.enter_context(transport.connection())
                    send(claimed.message)
                except MailSendFailed as failure:
                    error = str(failure)
                    if send is None:  # no session at all: the rest fail the same way
                        unreachable = error
            results.append(_record_outcome(queue, claimed, error))
            if only is not None:
                break
    return results


def send_outbox(queue: MailQueue) -> SendReport:
    """Send every e-mail not sent yet (an error without SMTP settings).

    Safe from cron on several hosts at once: each message is claimed by one sender. The
    caller reports ``failed`` messages (``present.admin.undelivered``).
    """
    _require_transport(queue)
    already = sum(1 for m in queue.storage.mail_messages() if m.status is MailStatus.SENT)
    results = [outbox_message(m, queue.folder) for m in _send_claimed(queue)]
    return SendReport(
        sent=[m for m in results if m.status == "sent"],
        failed=[m for m in results if m.status != "sent"],
        already_sent=already,
    )


def send_now(queue: MailQueue, mail_id: str) -> OutboxMessage | None:
    """Send one queued e-mail now (after a sale or a cancellation), through the queue.

    ``None`` when there is no SMTP setting, or the message was sent already or is being
    sent by another sender.
    """
    if queue.transport is None:
        return None
    done = _send_claimed(queue, only=mail_id)
    return outbox_message(done[0], queue.folder) if done else None
