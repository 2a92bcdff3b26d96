"""E-mail over SMTP, against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from typer.testing import CliRunner

from builders import NOW
from cinema_cli.adapters.delivery import parse_smtp_url
from cinema_cli.cli.app import app
from cinema_cli.domain.errors import InvalidInput
from cinema_cli.domain.mail_queue import MailKind, MailRecord, MailStatus
from cinema_cli.present.admin import undelivered
from cinema_cli.services.outbox import MailQueue, mail_record, send_outbox
from cinema_cli.services.ports.mail import MailSendFailed
from cinema_cli.storage.json import JsonStorage
from fakes import FakeStorage
from ticket_support import stock

runner = CliRunner()


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
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


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    stock(JsonStorage(folder))
    monkeypatch.setenv("CINEMA_DATA_DIR", str(folder))
    monkeypatch.setenv("CINEMA_NOW", NOW.isoformat())
    return folder


def run(*args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def buy() -> dict[str, Any]:
    held = json.loads(run("reserve", "s1", "C3", "C4", "--json").stdout)
    return json.loads(  # type: ignore[no-any-return]
        run(
            "buy",
            held["reservation_id"],
            "--session",
            held["session_id"],
            "--name",
            "Ada Lovelace",
            "--email",
            "ada@example.org",
            "--card",
            "4242424242424242",
            "--json",
        ).stdout
    )


def test_the_confirmation_with_its_pdf_and_the_cancellation_arrive(
    data: Path, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    monkeypatch.setenv("CINEMA_SMTP_URL", f"smtp://127.0.0.1:{port}")
    booking = buy()
    [(sender, recipients, raw)] = inbox.messages
    assert recipients == ["ada@example.org"]
    assert sender == "tickets@cinema-cli.invalid"
    message = message_from_bytes(raw, policy=policy.default)
    assert booking["booking_id"] in message["Message-ID"]
    [pdf] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_content().startswith(b"%PDF")
    # The message is also kept, and marked sent.
    listed = json.loads(run("outbox", "list", "--json").stdout)["messages"]
    assert [(m["status"], m["attempts"]) for m in listed] == [("sent", 1)]
    assert Path(listed[0]["file"]) == Path(booking["confirmation_eml"])

    run("cancel", booking["booking_id"], "--tickets", "C4")
    assert len(inbox.messages) == 2
    cancellation = message_from_bytes(inbox.messages[1][2], policy=policy.default)
    assert cancellation["Subject"].strip() == "Cancelled: Metropolis, seats C4"
    assert cancellation["In-Reply-To"] == message["Message-ID"]
    body = cancellation.get_body()
    assert body is not None
    assert "C4" in body.get_content()

    sent = json.loads(run("outbox", "send", "--json").stdout)
    assert sent == {"sent": [], "failed": [], "already_sent": 2}
    assert len(inbox.messages) == 2


def test_when_the_server_is_down_mail_waits_and_outbox_send_retries(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens here yet
    monkeypatch.setenv("CINEMA_SMTP_URL", f"smtp://127.0.0.1:{port}?timeout=5")
    held = json.loads(run("reserve", "s1", "C3", "--json").stdout)
    result = run(
        "buy",
        held["reservation_id"],
        "--session",
        held["session_id"],
        "--name",
        "Ada",
        "--email",
        "ada@example.org",
        "--card",
        "4242424242424242",
        "--json",
    )
    assert json.loads(result.stdout)["status"] == "confirmed"  # the purchase stands
    assert "outbox send" in result.stderr

    [waiting] = json.loads(run("outbox", "list", "--json").stdout)["messages"]
    assert waiting["status"] == "failed"
    assert "cannot reach" in waiting["last_error"]

    failed = run("outbox", "send", "--json", code=7)
    error = json.loads(failed.stderr)["error"]
    assert error["code"] == "delivery_failed"
    assert len(error["details"]["failed"]) == 1
    assert failed.stdout == ""

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = json.loads(run("outbox", "send", "--json").stdout)
        assert [m["status"] for m in report["sent"]] == ["sent"]
        assert report["sent"][0]["attempts"] == 3
        assert len(inbox.messages) == 1
        assert run("outbox", "send").stdout.startswith("0 sent, 1 sent before")
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_login_with_credentials_from_the_url_and_never_print_the_password(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        assert isinstance(auth, LoginPassword)
        logins.append((auth.login, auth.password))
        return AuthResult(success=auth.password == b"s3cr%t")

    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        monkeypatch.setenv(
            "CINEMA_SMTP_URL",
            f"smtp://box%40office:s3cr%25t@127.0.0.1:{port}?from=door@ex.org&insecure=1",
        )
        booking = buy()
        outputs = json.dumps(booking) + run("outbox", "list", "--json").stdout
        outputs += run("outbox", "send").stdout
        assert "s3cr" not in outputs
    finally:
        controller.stop()
    assert logins == [(b"box@office", b"s3cr%t")]
    [(sender, _, raw)] = inbox.messages
    assert sender == "door@ex.org"
    assert message_from_bytes(raw, policy=policy.default)["From"] == "door@ex.org"


def test_outbox_send_without_an_smtp_url_says_what_to_set(data: Path) -> None:
    result = run("outbox", "send", code=6)
    assert "CINEMA_SMTP_URL" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, False, False, None)),
        ("smtp://mail.example.org?starttls=1", ("mail.example.org", 587, False, True, None)),
        ("smtps://u:p%40ss@mail.example.org", ("mail.example.org", 465, True, False, "u")),
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, False, False, None)),
    ],
)
def test_smtp_urls(url: str, expected: tuple[Any, ...]) -> None:
    s = parse_smtp_url(url)
    assert (s.host, s.port, s.implicit_tls, s.starttls, s.username) == expected
    assert "p@ss" not in repr(s)


@pytest.mark.parametrize(
    "url",
    [
        "http://x",
        "smtp://",
        "smtp://x:notaport",
        "smtps://x?starttls=1",
        "smtp://x?tls=1",
        "smtp://x?timeout=abc",
    ],
)
def test_bad_smtp_urls_name_the_variable(url: str) -> None:
    with pytest.raises(InvalidInput, match="CINEMA_SMTP_URL"):
        parse_smtp_url(url)


def test_a_bad_smtp_url_with_a_password_does_not_echo_it() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_smtp_url("smtp://user:hunter2@host?bogus=1")
    assert "hunter2" not in error.value.message


class _FlakyTransport:
    """A mail transport that refuses messages to one address and takes the rest."""

    def __init__(self, failing: str) -> None:
        self.failing = failing
        self.asked: list[str] = []

    @contextmanager
    def connection(self) -> Iterator[Callable[[bytes], None]]:
        def send(raw: bytes) -> None:
            to = message_from_bytes(raw)["To"]
            self.asked.append(to)
            if to == self.failing:
                raise MailSendFailed(f"refused {to}")

        yield send


def _queue(storage: FakeStorage, transport: _FlakyTransport, tmp_path: Path) -> MailQueue:
    return MailQueue(storage, transport, tmp_path, timedelta(minutes=5), lambda: NOW)


def _mail(name: str, to: str, minutes: int) -> MailRecord:
    raw = f"To: {to}\r\nSubject: {name}\r\n\r\nhello\r\n".encode()
    return mail_record(name, name[0], MailKind.CONFIRMATION, raw, NOW + timedelta(minutes=minutes))


def test_outbox_send_sends_only_what_waits_and_reports_failures(tmp_path: Path) -> None:
    storage = FakeStorage()
    with storage.transaction() as tx:
        tx.enqueue_mail(_mail("a.eml", "a@example.org", 0).sent(NOW))
        tx.enqueue_mail(_mail("b.eml", "b@example.org", 1))
        tx.enqueue_mail(
            replace(_mail("c.eml", "c@example.org", 2), status=MailStatus.FAILED, attempts=2)
        )
    transport = _FlakyTransport(failing="c@example.org")
    report = send_outbox(_queue(storage, transport, tmp_path))
    assert transport.asked == ["b@example.org", "c@example.org"]
    assert report.already_sent == 1
    assert [m.name for m in report.sent] == ["b.eml"]
    failure = undelivered(report)
    assert failure is not None
    assert failure.message.startswith("1 of 2 e-mails")
    assert [m["name"] for m in failure.details["failed"]] == ["c.eml"]
    assert [m["attempts"] for m in failure.details["failed"]] == [3]
    empty = _queue(FakeStorage(), transport, tmp_path)
    assert undelivered(send_outbox(empty)) is None
