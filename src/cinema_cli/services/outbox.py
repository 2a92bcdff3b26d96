"""The outbox use cases: list the e-mails kept, and (re)send those not sent yet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cinema_cli.adapters.delivery import ENV, Outbox, OutboxMessage, SmtpMailer, deliver
from cinema_cli.domain.errors import DeliveryFailed, InvalidInput
from cinema_cli.services.ports.clock import Clock


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one ``outbox send`` did."""

    sent: list[OutboxMessage]
    failed: list[OutboxMessage]
    already_sent: int


def list_outbox(outbox: Outbox) -> list[OutboxMessage]:
    """Every message in the outbox with its delivery state, oldest first."""
    return outbox.messages()


def send_outbox(outbox: Outbox, mailer: SmtpMailer | None, clock: Clock) -> SendReport:
    """Send every message that is not sent yet; raises :class:`DeliveryFailed` if some fail.

    Safe to run from cron: a message is sent at most once, even by two overlapping runs.
    """
    if mailer is None:
        raise InvalidInput(
            f"{ENV} is not set, so there is nowhere to send to",
            field=ENV,
            hint="export CINEMA_SMTP_URL=smtp://mail.example.org:587?starttls=1",
        )
    messages = outbox.messages()
    pending = [m for m in messages if m.status != "sent"]
    results = deliver(outbox, mailer, pending, clock)
    report = SendReport(
        sent=[m for m in results if m.status == "sent"],
        failed=[m for m in results if m.status != "sent"],
        already_sent=len(messages) - len(pending),
    )
    if report.failed:
        raise DeliveryFailed(
            f"{len(report.failed)} of {len(results)} e-mails could not be sent; "
            "they stay in the outbox for the next `cinema outbox send`",
            **report_view(report),
        )
    return report


def message_view(message: OutboxMessage) -> dict[str, Any]:
    """The JSON shape of one outbox message."""
    return {
        "file": str(message.path),
        "name": message.name,
        "to": message.to,
        "subject": message.subject,
        "status": message.status,
        "attempts": message.attempts,
        "sent_at": message.sent_at,
        "last_error": message.last_error,
    }


def report_view(report: SendReport) -> dict[str, Any]:
    """``{"sent": [MESSAGE], "failed": [MESSAGE], "already_sent": N}``."""
    return {
        "sent": [message_view(m) for m in report.sent],
        "failed": [message_view(m) for m in report.failed],
        "already_sent": report.already_sent,
    }
