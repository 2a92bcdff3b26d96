"""`outbox send` from cron on every host at once sends each e-mail exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from chain_kit import HALL, Chain, Figures
from chain_steps import sell
from fabric import Host, run_all

pytestmark = [pytest.mark.multihost, pytest.mark.postgres]

SMTP_PORT = 2525
SALES_PER_HOST = 3
SENDERS_PER_HOST = 3


class Inbox:
    """An aiosmtpd handler that keeps every message it receives (from any listener)."""

    def __init__(self) -> None:
        self.message_ids: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.message_ids[str(message["Message-ID"])] += 1
        return "250 OK"


def smtp_url(host: Host) -> str:
    """The mail server as the host reaches it: the root side of its own veth pair."""
    return f"smtp://{host.root_address}:{SMTP_PORT}"


@pytest.fixture
def inbox(chain: Chain) -> Iterator[Inbox]:
    """One mail server in the root namespace, listening on every host's root-side address."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controllers = []
    try:
        for host in chain.hosts:
            controller = Controller(inbox, hostname=host.root_address, port=SMTP_PORT)
            controller.start()
            controllers.append(controller)
        yield inbox
    finally:
        for controller in controllers:
            controller.stop()


def test_outbox_send_on_every_host_at_once_sends_each_message_exactly_once(
    chain: Chain, inbox: Inbox, figures: Figures
) -> None:
    for host in chain.hosts:  # no CINEMA_SMTP_URL yet: every confirmation waits in the outbox
        for _ in range(SALES_PER_HOST):
            sell(host, HALL, count=1)
    bookings = {booking_id for (booking_id,) in chain.db.rows("SELECT id FROM bookings")}

    senders = [
        host.start("outbox", "send", "--json", env={"CINEMA_SMTP_URL": smtp_url(host)})
        for _ in range(SENDERS_PER_HOST)
        for host in chain.hosts
    ]
    for done in run_all(senders):
        done.ok()

    expected = {f"<booking.{booking_id}@cinema-cli.invalid>" for booking_id in bookings}
    assert set(inbox.message_ids) == expected
    sent_twice = {mid: n for mid, n in inbox.message_ids.items() if n > 1}
    assert sent_twice == {}
    for host in chain.hosts:  # nothing left waiting anywhere
        listed = host.run("outbox", "list", "--json").ok().json()["messages"]
        assert [m for m in listed if m["status"] != "sent"] == [], f"host {host.name}: {listed}"
    figures.add(
        mail_senders=len(senders),
        mails=sum(inbox.message_ids.values()),
        mails_sent_twice=len(sent_twice),
    )
