"""E-mail delivery: the outbox folder's send state, and sending over SMTP (stdlib ``smtplib``).

Every message is first written to ``<data dir>/outbox/<name>.eml`` and stays there. Whether
it was sent is kept beside it, in ``outbox/.delivery/<name>.eml.json`` (0600)::

    {"status": "sent" | "failed", "attempts": N, "sent_at": ISO | null,
     "last_error": "..." | null, "last_attempt_at": ISO}

No state file means "not sent yet". The ``.eml`` files never move, so every path printed by
``buy`` or ``cancel`` stays valid, and a sidecar per message needs no shared index that two
processes could both rewrite. ``cinema outbox send`` sends every message that is not
``sent`` (under ``outbox/.delivery/.lock``, so two cron runs never send a message twice).

``CINEMA_SMTP_URL``:

- ``smtp://host[:port]`` — plain SMTP (port 25);
- ``smtp://host[:port]?starttls=1`` — upgrade with STARTTLS (port 587);
- ``smtps://[user:password@]host[:port]`` — TLS from the first byte (port 465);
- user and password (percent-encoded) log in with ``AUTH``, only over TLS (``smtps://`` or
  ``starttls=1``) unless ``?insecure=1`` says plain text is meant; ``?from=addr`` sets the envelope
  sender and the From header; ``?timeout=S`` the network timeout (default 30 s).

The password is never printed: errors name the host and port only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cinema_cli.adapters.files import private_dir
from cinema_cli.domain.errors import InvalidInput
from cinema_cli.domain.models import utc_text
from cinema_cli.durable_files import write_private
from cinema_cli.lock_files import held_lock
from cinema_cli.services.ports.mail import ConfirmationOutbox, OutboxMessage
from cinema_cli.services.ports.tickets import ETicketDocument, WalletPasses

if TYPE_CHECKING:
    import smtplib

STATE_DIR = ".delivery"
ENV = "CINEMA_SMTP_URL"


class SendError(Exception):
    """Sending one message failed; the text is safe to show and store (no password)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send, parsed from ``CINEMA_SMTP_URL``."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None
    timeout: float = 30.0

    @property
    def where(self) -> str:
        """``host:port`` for messages (never the credentials)."""
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """Parse ``smtp://`` / ``smtps://`` URLs; raises :class:`InvalidInput` naming the variable."""
    from urllib.parse import parse_qs, unquote, urlsplit

    def bad(why: str) -> InvalidInput:
        return InvalidInput(
            f"{ENV}: {why} (like smtp://localhost:25, smtps://user:pass@mail.example.org "
            "or smtp://mail.example.org:587?starttls=1)",
            field=ENV,
        )

    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise bad("not a valid URL or port") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise bad(f"the scheme must be smtp or smtps, not {parts.scheme or 'missing'!r}")
    if not parts.hostname:
        raise bad("no host")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "from", "timeout", "insecure"}
    if unknown:
        raise bad(f"unknown option {sorted(unknown)[0]!r}")
    starttls = query.get("starttls", "0").lower() in ("1", "true", "yes")
    insecure = query.get("insecure", "0").lower() in ("1", "true", "yes")
    implicit_tls = parts.scheme == "smtps"
    if implicit_tls and starttls:
        raise bad("smtps already uses TLS; starttls=1 goes with smtp://")
    if (parts.username or parts.password) and not (implicit_tls or starttls or insecure):
        raise bad(
            "a user and password would cross the network unencrypted; use smtps://, add "
            "?starttls=1, or add ?insecure=1 to send them in the clear on purpose"
        )
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError:
        raise bad("timeout must be a number of seconds") from None
    if not 0 < timeout <= 600:
        raise bad("timeout must be between 0 and 600 seconds")
    default_port = 465 if implicit_tls else 587 if starttls else 25
    return SmtpSettings(
        host=parts.hostname,
        port=port or default_port,
        implicit_tls=implicit_tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=query.get("from") or None,
        timeout=timeout,
    )


class SmtpMailer:
    """Sends stored ``.eml`` messages over one SMTP connection per batch."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @contextmanager
    def connection(self) -> Iterator[Callable[[bytes], None]]:
        """Open one connection; yields ``send(raw_message)``. Raises :class:`SendError`."""
        import smtplib
        import ssl

        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        try:
            if s.implicit_tls:
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (OSError, smtplib.SMTPException) as error:
            raise SendError(f"cannot reach the SMTP server {s.where}: {_describe(error)}") from None
        try:
            try:
                client.ehlo()
                if s.starttls:
                    client.starttls(context=context)
                    client.ehlo()
                if s.username is not None:
                    client.login(s.username, s.password or "")
            except (OSError, smtplib.SMTPException) as error:
                raise SendError(
                    f"SMTP server {s.where} refused the session: {_describe(error)}"
                ) from None
            yield lambda raw: self._send(client, raw)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def _send(self, client: smtplib.SMTP, raw: bytes) -> None:
        """Send the stored bytes as they are (only the From header may be replaced)."""
        import smtplib
        from email import policy
        from email.parser import BytesHeaderParser
        from email.utils import getaddresses

        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        targets = [str(h) for h in headers.get_all("To", []) + headers.get_all("Cc", [])]
        recipients = [address for _, address in getaddresses(targets) if address]
        if not recipients:
            raise SendError("the message has no recipient (To)")
        data = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if self.settings.sender:
            data = _replace_from(data, self.settings.sender)
            sender = self.settings.sender
        else:
            senders = [str(h) for h in headers.get_all("From", [])]
            sender = next((a for _, a in getaddresses(senders) if a), "")
        options = ["BODY=8BITMIME"] if client.has_extn("8bitmime") and not data.isascii() else []
        try:
            refused = client.sendmail(sender, recipients, data, mail_options=options)
        except (OSError, smtplib.SMTPException) as error:
            raise SendError(f"SMTP server {self.settings.where}: {_describe(error)}") from None
        if refused:
            refused_list = ", ".join(sorted(refused))
            raise SendError(f"SMTP server {self.settings.where} refused {refused_list}")


def _replace_from(data: bytes, sender: str) -> bytes:
    """Swap the From header of a CRLF message for ``sender`` (folded lines included)."""
    head, separator, body = data.partition(b"\r\n\r\n")
    kept: list[bytes] = []
    skipping = False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.lower().startswith(b"from:")
        if not skipping:
            kept.append(line)
    kept.insert(0, b"From: " + sender.encode("ascii", "replace"))
    return b"\r\n".join(kept) + separator + body


def _describe(error: BaseException) -> str:
    """A short, credential-free description of an SMTP or network error."""
    import smtplib

    if isinstance(error, smtplib.SMTPResponseException):
        raw = error.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return f"{error.smtp_code} {text}".strip()
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "recipients refused: " + ", ".join(sorted(error.recipients))
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


# -- the outbox --------------------------------------------------------------------------------
class Outbox:
    """The outbox folder: ``.eml`` files plus their delivery state."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def state_dir(self) -> Path:
        return self.folder / STATE_DIR

    def _state_path(self, eml: Path) -> Path:
        return self.state_dir / f"{eml.name}.json"

    def _state(self, eml: Path) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._state_path(eml).read_bytes())
        except (FileNotFoundError, ValueError):
            return {}
        return data

    def write(self, name: str, raw: bytes) -> Path:
        """Store a message as ``<name>`` (owner-only, atomically); returns its path."""
        private_dir(self.folder)
        path = self.folder / name
        if path.parent != self.folder or not name.endswith(".eml"):
            raise ValueError(f"bad outbox file name {name!r}")
        write_private(path, raw)
        return path

    def message(self, eml: Path) -> OutboxMessage:
        state = self._state(eml)
        to, subject = _headers(eml)
        return OutboxMessage(
            path=eml,
            status=str(state.get("status", "unsent")),
            attempts=int(state.get("attempts", 0)),
            sent_at=state.get("sent_at"),
            last_error=state.get("last_error"),
            last_attempt_at=state.get("last_attempt_at"),
            to=to,
            subject=subject,
        )

    def messages(self) -> list[OutboxMessage]:
        """Every message, oldest first (by file time, then name)."""
        if not self.folder.is_dir():
            return []
        files = [path for path in self.folder.glob("*.eml") if path.is_file()]
        files.sort(key=lambda path: (path.stat().st_mtime, path.name))
        return [self.message(path) for path in files]

    def record(self, eml: Path, *, at: datetime, error: str | None) -> OutboxMessage:
        """Note one delivery attempt (``error`` None means it was sent)."""
        state = self._state(eml)
        stamp = utc_text(at)
        state.update(
            status="sent" if error is None else "failed",
            attempts=int(state.get("attempts", 0)) + 1,
            last_attempt_at=stamp,
            last_error=error,
        )
        state["sent_at"] = stamp if error is None else None
        private_dir(self.state_dir)
        write_private(self._state_path(eml), json.dumps(state, indent=1).encode() + b"\n")
        return self.message(eml)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the outbox's send lock (two senders never send one message twice)."""
        lock_path = self.state_dir / ".lock"
        busy = f"another `cinema outbox send` held {lock_path} for more than 60 s; try again"
        with held_lock(lock_path, timeout=60, busy=busy):
            yield


def _headers(eml: Path) -> tuple[str, str]:
    from email import policy
    from email.parser import BytesHeaderParser

    try:
        with eml.open("rb") as handle:
            headers = BytesHeaderParser(policy=policy.default).parse(handle)
    except OSError:
        return "", ""
    return str(headers.get("To", "")), str(headers.get("Subject", ""))


def deliver(
    outbox: Outbox,
    mailer: SmtpMailer,
    messages: list[OutboxMessage],
    clock: Callable[[], datetime],
) -> list[OutboxMessage]:
    """Try to send ``messages`` (skipping any sent meanwhile); returns their new states."""
    results: list[OutboxMessage] = []
    with outbox.locked():
        pending = [outbox.message(m.path) for m in messages]
        pending = [m for m in pending if m.status != "sent" and m.path.is_file()]
        if not pending:
            return results
        try:
            with mailer.connection() as send:
                for item in pending:
                    try:
                        send(item.path.read_bytes())
                    except SendError as error:
                        results.append(outbox.record(item.path, at=clock(), error=str(error)))
                    else:
                        results.append(outbox.record(item.path, at=clock(), error=None))
        except SendError as error:
            done = {r.path for r in results}
            for item in pending:
                if item.path not in done:
                    results.append(outbox.record(item.path, at=clock(), error=str(error)))
    return results


class SmtpOutboxSender:
    """The outbox port's sender: SMTP, with each attempt recorded beside the message."""

    def __init__(self, outbox: Outbox, mailer: SmtpMailer, clock: Callable[[], datetime]) -> None:
        self.outbox = outbox
        self.mailer = mailer
        self.clock = clock

    def send(self, messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
        return deliver(self.outbox, self.mailer, list(messages), self.clock)


class DeliveringOutbox:
    """A confirmation outbox that also sends each new message over SMTP when configured.

    Wraps the ``.eml`` writer of the purchase (``adapters.mail.EmlOutbox``): the file is
    always written first; a failed send leaves it ``failed`` for ``cinema outbox send``
    and never fails the purchase itself.
    """

    def __init__(
        self,
        inner: ConfirmationOutbox,
        outbox: Outbox,
        mailer: SmtpMailer | None,
        clock: Callable[[], datetime],
        warn: Callable[[str], object],
    ) -> None:
        self.inner = inner
        self.outbox = outbox
        self.mailer = mailer
        self.clock = clock
        self.warn = warn

    def send_new(self, path: Path) -> None:
        """Send ``path`` now unless it was sent before (a replayed purchase rewrites it)."""
        if self.mailer is None:
            return
        message = self.outbox.message(path)
        if message.status == "sent":
            return
        for result in deliver(self.outbox, self.mailer, [message], self.clock):
            if result.status != "sent":
                self.warn(
                    f"e-mail {result.name} was not sent ({result.last_error}); it stays in "
                    "the outbox: retry with `cinema outbox send`"
                )

    def write_confirmation(
        self, document: ETicketDocument, pdf: Path, wallet: WalletPasses | None = None
    ) -> Path:
        path = self.inner.write_confirmation(document, pdf, wallet)
        self.send_new(path)
        return path

    def find_confirmation(self, booking_id: str) -> Path | None:
        return self.inner.find_confirmation(booking_id)
