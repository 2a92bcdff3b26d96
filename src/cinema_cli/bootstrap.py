"""Composition root: the one place that builds real adapters from settings.

Commands ask it for what they need; tests build fakes instead. Everything is
created on first use so that a command pays only for what it touches.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING

from cinema_cli.config import Settings
from cinema_cli.services.ports.clock import Clock

if TYPE_CHECKING:
    from cinema_cli.adapters.cancellation_mail import CancellationMail
    from cinema_cli.adapters.delivery import DeliveringOutbox, Outbox, SmtpMailer
    from cinema_cli.adapters.legacy_keys import OldKeyFolder
    from cinema_cli.adapters.signing import Ed25519TicketCodes, KeyRing
    from cinema_cli.services.booking import BoxOffice
    from cinema_cli.services.outbox import MailQueue
    from cinema_cli.services.ports.payments import ChargeHistory, PaymentProvider
    from cinema_cli.services.ports.staff_tokens import StaffTokenStore
    from cinema_cli.services.ports.storage import Storage
    from cinema_cli.services.ports.tickets import (
        KeySealer,
        TicketCodes,
        TicketPrinter,
        TicketVerifier,
        WalletPassMaker,
    )


class Runtime:
    """Lazily built adapters for one command invocation."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def clock(self) -> Clock:
        """``CINEMA_NOW`` when set; on PostgreSQL the database server's clock (one clock
        for every host); else this host's clock."""
        if self.settings.fixed_now is None and self.settings.storage_url.startswith("postgres"):
            from cinema_cli.storage.sql import SqlStorage
            from cinema_cli.storage.sql.server_clock import server_clock

            storage = self.storage
            if isinstance(storage, SqlStorage):
                return server_clock(storage.database_now, self.settings.clock())
        return self.settings.clock()

    @cached_property
    def storage(self) -> Storage:
        """The store named by ``--storage`` / ``CINEMA_STORAGE``."""
        return self.storage_at(self.settings.storage_url)

    def storage_at(self, url: str) -> Storage:
        """Open another store (``db copy``); the caller closes it."""
        from cinema_cli.storage import open_storage

        return open_storage(
            url,
            self.settings.data_dir,
            lock_timeout=self.settings.lock_timeout,
            database=self.settings.database,
            server_clock=self.settings.fixed_now is None,
        )

    # -- booking -------------------------------------------------------------------------------
    @cached_property
    def payments(self) -> PaymentProvider:
        """The provider named by ``CINEMA_PAYMENT_PROVIDER`` (entry points group
        ``cinema_cli.payment_providers``; ``test``, the built-in test provider, by default,
        which keeps its books in the store)."""
        from cinema_cli.adapters.providers import load_provider
        from cinema_cli.services.ports.payments import ProviderContext

        return load_provider(
            self.settings.payment_provider,
            ProviderContext(self.settings.data_dir, self.settings.lock_timeout, self.storage),
        )

    @cached_property
    def earlier_provider_books(self) -> ChargeHistory | None:
        """The test provider's ledger file of earlier releases (``<data dir>/payments``),
        which ``db upgrade`` moves into the store; ``None`` with another provider."""
        if self.settings.payment_provider != "test":
            return None
        from cinema_cli.adapters.payment_file import TestLedgerFile

        return TestLedgerFile(self.settings.data_dir / "payments")

    @cached_property
    def signed_codes(self) -> Ed25519TicketCodes:
        """Ed25519-signed ticket codes: doors can check them offline with the public key
        (``adapters.codes`` has random codes that mean something only with the store)."""
        from cinema_cli.adapters.signing import Ed25519TicketCodes

        return Ed25519TicketCodes(self.keyring)

    @cached_property
    def ticket_codes(self) -> TicketCodes:
        """Issues the codes printed in the QR of each ticket sold."""
        return self.signed_codes

    @cached_property
    def ticket_verifier(self) -> TicketVerifier:
        """Checks codes at the door with every key of the key ring, old ones included."""
        return self.signed_codes

    def offline_verifier(self, public_key: Path) -> TicketVerifier:
        """Checks codes with the public keys in a PEM file only (a door without the data)."""
        from cinema_cli.adapters.bounded import read_at_most
        from cinema_cli.adapters.signing import PublicKeyVerifier
        from cinema_cli.domain.limits import PUBLIC_KEY_BYTES

        pem = read_at_most(public_key, PUBLIC_KEY_BYTES, option="--public-key")
        return PublicKeyVerifier(pem)

    def output_file(
        self, path: Path, *, mode: int, option: str
    ) -> AbstractContextManager[IO[bytes]]:
        """A stream replacing the regular file ``path`` (``export --output``) when it closes;
        anything else at ``path`` is refused and left as it is."""
        from cinema_cli.adapters.user_files import user_output

        return user_output(path, mode=mode, option=option)

    def qr_codes_in(self, image: Path) -> list[str]:
        """The texts of the QR codes in a picture (needs the ``scan`` extra)."""
        from cinema_cli.adapters.scan import read_qr_codes

        return read_qr_codes(image)

    @cached_property
    def ticket_printer(self) -> TicketPrinter:
        """Writes QR images and the PDF under ``<data dir>/tickets/<booking_id>/``."""
        from cinema_cli.adapters.eticket import FileTicketPrinter

        return FileTicketPrinter(self.settings.data_dir / "tickets")

    @cached_property
    def outbox(self) -> DeliveringOutbox:
        """Leaves confirmation e-mails in ``<data dir>/outbox/``, queues them in the store and,
        when ``CINEMA_SMTP_URL`` is set, sends each one through the queue as it is written."""
        import sys

        from cinema_cli.adapters.delivery import DeliveringOutbox
        from cinema_cli.adapters.mail import EmlOutbox

        return DeliveringOutbox(
            EmlOutbox(self.settings.data_dir / "outbox"),
            self.mail_queue,
            self.clock,
            warn=lambda text: sys.stderr.write(f"Warning: {text}\n"),
        )

    @cached_property
    def box_office(self) -> BoxOffice:
        """The ports ``buy`` needs besides storage and the clock."""
        from cinema_cli.services.booking import BoxOffice

        office = BoxOffice(
            payments=self.payments,
            codes=self.ticket_codes,
            printer=self.ticket_printer,
            outbox=self.outbox,
            wallets=self.wallets,
        )
        crash_at = self.settings.crash_at
        if crash_at is None:
            return office
        import dataclasses
        import os
        import signal

        def checkpoint(step: str) -> None:
            if step == crash_at:  # a crash-safety drill: die here as kill -9 would
                os.kill(os.getpid(), signal.SIGKILL)

        return dataclasses.replace(office, checkpoint=checkpoint)

    @cached_property
    def wallets(self) -> tuple[WalletPassMaker, ...]:
        """Apple Wallet passes and Google Wallet links, each only when configured. Their keys
        load here, before any payment, so a bad configuration stops ``buy`` early (exit 6)."""
        wallet = self.settings.wallet
        makers: list[WalletPassMaker] = []
        if wallet.apple:
            from cinema_cli.adapters.wallet_apple import AppleWalletPasses

            assert wallet.apple_cert and wallet.apple_key and wallet.apple_wwdr
            makers.append(
                AppleWalletPasses(
                    certificate=wallet.apple_cert,
                    private_key=wallet.apple_key,
                    wwdr=wallet.apple_wwdr,
                    team_id=wallet.apple_team_id or "",
                    pass_type_id=wallet.apple_pass_type_id or "",
                    key_password=wallet.apple_key_password,
                )
            )
        if wallet.google:
            from cinema_cli.adapters.wallet_google import GoogleWalletLinks

            assert wallet.google_key
            makers.append(
                GoogleWalletLinks(
                    service_account=wallet.google_key, issuer_id=wallet.google_issuer_id or ""
                )
            )
        return tuple(makers)

    # -- keys and mail -------------------------------------------------------------------------
    @cached_property
    def keyring(self) -> KeyRing:
        """Ticket signing keys in the store, sealed with ``CINEMA_KEY_SECRET`` when set (the
        first key is made on first use; an older ``<data dir>/keys`` waits for ``db upgrade``)."""
        from cinema_cli.adapters.signing import KeyRing

        return KeyRing(
            self.storage,
            self.clock,
            secret=self.settings.key_encryption_secret,
            legacy_folder=self.settings.data_dir / "keys",
        )

    @cached_property
    def key_sealer(self) -> KeySealer:
        """Seals stored keys that are unencrypted with ``CINEMA_KEY_SECRET`` (``keys seal``)."""
        from cinema_cli.adapters.key_sealing import SecretKeySealer

        return SecretKeySealer(self.settings.key_encryption_secret)

    @cached_property
    def old_signing_keys(self) -> OldKeyFolder:
        """The signing keys older releases kept in ``<data dir>/keys`` (``db upgrade``)."""
        from cinema_cli.adapters.legacy_keys import OldKeyFolder

        return OldKeyFolder(self.settings.data_dir / "keys", self.settings.key_encryption_secret)

    @cached_property
    def mail_outbox(self) -> Outbox:
        """The outbox folder: the ``.eml`` copies (``<data dir>/outbox``), and the send state
        earlier versions kept there (``db upgrade`` moves it into the queue)."""
        from cinema_cli.adapters.delivery import Outbox

        return Outbox(self.settings.data_dir / "outbox")

    @cached_property
    def mailer(self) -> SmtpMailer | None:
        """SMTP delivery when ``CINEMA_SMTP_URL`` is set; ``None`` keeps mail in the outbox."""
        if not self.settings.smtp_url:
            return None
        from cinema_cli.adapters.delivery import SmtpMailer, parse_smtp_url

        return SmtpMailer(parse_smtp_url(self.settings.smtp_url))

    @cached_property
    def mail_queue(self) -> MailQueue:
        """The e-mail queue in the store, sent over ``CINEMA_SMTP_URL`` (when set)."""
        from datetime import timedelta

        from cinema_cli.config import system_clock
        from cinema_cli.services.outbox import MailQueue

        return MailQueue(
            storage=self.storage,
            transport=self.mailer,
            folder=self.settings.data_dir / "outbox",
            lease=timedelta(seconds=self.settings.outbox_lease_seconds),
            now=system_clock,
        )

    @cached_property
    def cancellation_mail(self) -> CancellationMail:
        """Cancellation e-mails: into the outbox, and sent like confirmations."""
        from cinema_cli.adapters.cancellation_mail import CancellationMail

        return CancellationMail(self.mail_outbox, self.outbox.send_new)

    # -- the HTTP API ----------------------------------------------------------------------------
    @cached_property
    def staff_tokens(self) -> StaffTokenStore:
        """Staff API tokens (hashed) in ``<data dir>/api-tokens.json``."""
        from cinema_cli.adapters.staff_tokens import StaffTokenFile

        return StaffTokenFile(
            self.settings.data_dir / "api-tokens.json", lock_timeout=self.settings.lock_timeout
        )

    @cached_property
    def api_secret(self) -> bytes:
        """The secret behind booking access tokens (``CINEMA_API_SECRET`` or the data folder)."""
        from cinema_cli.adapters.server_secret import server_secret

        return server_secret(self.settings.data_dir, self.settings.api_secret)

    def close(self) -> None:
        if "storage" in self.__dict__:
            self.storage.close()
