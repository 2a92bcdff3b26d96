"""The mail queue: each confirmation or cancellation e-mail, and where its sending stands.

A message is ``queued`` when written; a sender *claims* it (``sending``, with a lease that ends
at ``lease_until``), sends it, and marks it ``sent`` or ``failed`` (tried; claimed again by the
next send). A sender that dies mid-send leaves the message ``sending``: once its lease has
ended any sender may claim it again. So a message is sent exactly once unless a sender dies
between handing it to the SMTP server and recording that (then it may be sent twice: at least
once across a crash).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class MailStatus(StrEnum):
    """Where one message of the queue stands."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MailKind(StrEnum):
    CONFIRMATION = "confirmation"
    CANCELLATION = "cancellation"


@dataclass(frozen=True, slots=True)
class MailRecord:
    """One e-mail in the queue: its RFC 5322 bytes and its send state."""

    id: str
    """The message's file name (``<booking id>.eml``, ``<booking id>.cancel-<tag>.eml``)."""
    booking_id: str
    kind: MailKind
    recipient: str
    subject: str
    message: bytes
    created_at: datetime
    status: MailStatus = MailStatus.QUEUED
    attempts: int = 0
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    sent_at: datetime | None = None

    def claimable(self, now: datetime) -> bool:
        """Not sent, and nobody's lease on it is running at ``now``."""
        if self.status is MailStatus.SENT:
            return False
        if self.status is MailStatus.SENDING:
            return self.lease_until is None or self.lease_until <= now
        return True

    def claimed(self, now: datetime, lease_until: datetime) -> MailRecord:
        return replace(
            self,
            status=MailStatus.SENDING,
            attempts=self.attempts + 1,
            last_attempt_at=now,
            lease_until=lease_until,
        )

    def sent(self, at: datetime) -> MailRecord:
        return replace(self, status=MailStatus.SENT, sent_at=at, last_error=None, lease_until=None)

    def failed(self, at: datetime, error: str) -> MailRecord:
        del at  # the attempt's time was recorded when it was claimed
        return replace(self, status=MailStatus.FAILED, last_error=error, lease_until=None)
