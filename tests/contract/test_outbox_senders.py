"""``cinema outbox send`` from several processes at once, against a real SMTP server (aiosmtpd):
each e-mail arrives exactly once; a sender killed after claiming leaves its e-mail to the next
sender once the lease ends. On JSON, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import contract_builders as b
import pytest
from aiosmtpd.controller import Controller
from contract_backends import Backend

from cinema_cli.domain.mail_queue import MailStatus

SENDER_BACKENDS = ["json", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


class StalledServer:
    """An aiosmtpd handler that never answers RCPT: a sender waits there until it is killed."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        await asyncio.sleep(120)
        return "451 too late"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(params=SENDER_BACKENDS)
def queue_backend(
    request: pytest.FixtureRequest, make_backend: Callable[[str], Backend]
) -> Backend:
    return make_backend(request.param)


def environment(backend: Backend, tmp_path: Path, port: int, lease: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CINEMA_")}
    env.update(
        CINEMA_DATA_DIR=str(tmp_path / "host-data"),
        CINEMA_STORAGE=backend.url,
        CINEMA_SMTP_URL=f"smtp://127.0.0.1:{port}?timeout=60",
        CINEMA_OUTBOX_LEASE_SECONDS=str(lease),
    )
    return env


def sender(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cinema_cli", "outbox", "send", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def queue_mail(backend: Backend, count: int) -> list[str]:
    ids = [f"bk{n:03d}.eml" for n in range(count)]
    with backend.open().transaction() as tx:
        for n, mail_id in enumerate(ids):
            raw = f"To: ada@example.org\r\nSubject: {mail_id}\r\n\r\nhello\r\n".encode()
            tx.enqueue_mail(b.mail(mail_id, minutes=n, message=raw, subject=mail_id))
    return ids


def subjects(inbox: Inbox) -> list[str]:
    from email import message_from_bytes

    return sorted(str(message_from_bytes(raw)["Subject"]) for raw in inbox.messages)


def test_senders_in_parallel_deliver_every_mail_exactly_once(
    queue_backend: Backend, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    ids = queue_mail(queue_backend, 40)
    env = environment(queue_backend, tmp_path, port, lease=300)

    senders = [sender(env) for _ in range(5)]
    reports = []
    for process in senders:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        reports.append(json.loads(out))

    assert subjects(inbox) == ids
    reported = sorted(m["name"] for report in reports for m in report["sent"])
    assert reported == ids
    stored = queue_backend.open().mail_messages()
    assert {(m.status, m.attempts) for m in stored} == {(MailStatus.SENT, 1)}


def test_a_sender_killed_after_claiming_leaves_the_mail_to_the_next_run(
    queue_backend: Backend, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    [mail_id] = queue_mail(queue_backend, 1)
    stalled_port = free_port()
    stalled = Controller(StalledServer(), hostname="127.0.0.1", port=stalled_port)
    stalled.start()
    try:
        doomed = sender(environment(queue_backend, tmp_path, stalled_port, lease=4))
        deadline = time.monotonic() + 60
        while queue_backend.open().mail_message(mail_id).status is not MailStatus.SENDING:
            assert doomed.poll() is None, doomed.communicate()
            assert time.monotonic() < deadline, "the sender never claimed the e-mail"
            time.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)
        doomed.communicate(timeout=30)
    finally:
        stalled.stop()
    claimed = queue_backend.open().mail_message(mail_id)
    assert claimed.status is MailStatus.SENDING
    assert claimed.lease_until is not None

    env = environment(queue_backend, tmp_path, port, lease=4)
    early = subprocess.run(
        [sys.executable, "-m", "cinema_cli", "outbox", "send", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    if datetime.now(UTC) < claimed.lease_until:  # the run ended inside the lease
        assert json.loads(early.stdout)["sent"] == []
        assert inbox.messages == []
        while datetime.now(UTC) <= claimed.lease_until + timedelta(milliseconds=100):
            time.sleep(0.1)
        late = subprocess.run(
            [sys.executable, "-m", "cinema_cli", "outbox", "send", "--json"],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        assert [m["name"] for m in json.loads(late.stdout)["sent"]] == [mail_id]

    assert subjects(inbox) == [mail_id]
    stored = queue_backend.open().mail_message(mail_id)
    assert (stored.status, stored.attempts) == (MailStatus.SENT, 2)
