"""The outbox use cases: list the e-mails kept, and (re)send those not sent yet."""

from __future__ import annotations

from dataclasses import dataclass

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.services.ports.mail import OutboxFolder, OutboxMessage, OutboxSender

SMTP_SETTING = "CINEMA_SMTP_URL"


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one ``outbox send`` did; messages in ``failed`` stay in the outbox for the next."""

    sent: list[OutboxMessage]
    failed: list[OutboxMessage]
    already_sent: int


def list_outbox(outbox: OutboxFolder) -> list[OutboxMessage]:
    """Every message in the outbox with its delivery state, oldest first."""
    return outbox.messages()


def send_outbox(outbox: OutboxFolder, sender: OutboxSender | None) -> SendReport:
    """Send every message that is not sent yet (``sender`` is ``None`` without SMTP settings).

    Safe to run from cron: a message is sent at most once, even by two overlapping runs.
    The caller reports ``failed`` messages (``present.admin.undelivered``).
    """
    if sender is None:
        raise InvalidInput(
            f"{SMTP_SETTING} is not set, so there is nowhere to send to",
            field=SMTP_SETTING,
            hint="export CINEMA_SMTP_URL=smtp://mail.example.org:587?starttls=1",
        )
    messages = outbox.messages()
    pending = [m for m in messages if m.status != "sent"]
    results = sender.send(pending)
    return SendReport(
        sent=[m for m in results if m.status == "sent"],
        failed=[m for m in results if m.status != "sent"],
        already_sent=len(messages) - len(pending),
    )
