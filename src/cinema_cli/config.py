"""Settings from flags and environment variables, resolved once per command.

Environment variables (flags win over them); the README has the full table:
``CINEMA_DATA_DIR`` (data folder), ``CINEMA_STORAGE`` (backend URL),
``CINEMA_HOLD_SECONDS`` (600), ``CINEMA_LOCK_TIMEOUT`` (10 s), ``CINEMA_NOW``
(an ISO 8601 instant used as "now", for tests and drills), ``CINEMA_CANCEL_MINUTES``
(60), ``CINEMA_SMTP_URL`` (unset: outbox only), ``CINEMA_OUTBOX_LEASE_SECONDS`` (300),
``CINEMA_API_SECRET`` (``cinema serve``'s
booking access tokens; unset: a random secret in the data folder), ``CINEMA_PAYMENT_PROVIDER``
(``test``), ``CINEMA_DEBUG``, ``NO_COLOR``,
and the
PostgreSQL connection settings ``CINEMA_DB_CONNECT_TIMEOUT`` (5 s), ``CINEMA_DB_POOL_SIZE`` (5),
``CINEMA_DB_MAX_OVERFLOW`` (5), ``CINEMA_DB_POOL_TIMEOUT`` (30 s), and the wallet passes
(:class:`WalletSettings`: ``CINEMA_WALLET_*``, ``CINEMA_GOOGLE_WALLET_*``).

This module is the one reader of ``CINEMA_*`` variables; everything else gets them from
:class:`Settings`. Two exceptions belong to the front door: its error reporting peeks at
``CINEMA_DEBUG`` because it must work when reading the settings is what failed, and Typer
maps ``CINEMA_DATA_DIR`` / ``CINEMA_STORAGE`` onto ``--data-dir`` / ``--storage``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cinema_cli.domain.errors import InvalidInput, StorageUnavailable
from cinema_cli.services.ports.clock import Clock


def system_clock() -> datetime:
    return datetime.now(UTC)


def default_data_dir() -> Path:
    """The platform's user data folder: ``$XDG_DATA_HOME/cinema-cli`` (``~/.local/share``)
    on Linux, ``~/Library/Application Support/cinema-cli`` on macOS."""
    from platformdirs import user_data_path

    return user_data_path("cinema-cli", appauthor=False)


def _env_number(name: str, default: float, *, minimum: float, maximum: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a number", field=name) from None
    if not minimum <= value <= maximum:
        raise InvalidInput(
            f"{name}: must be between {minimum:g} and {maximum:g}, got {raw}", field=name
        )
    return value


def _env_whole(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise StorageUnavailable(f"{name}: {raw!r} is not a whole number", field=name) from None
    if value < 0:
        raise StorageUnavailable(f"{name}: must not be negative, got {raw}", field=name)
    return value


def parse_instant(text: str, *, name: str) -> datetime:
    """Parse an ISO 8601 instant with an offset (or ``Z``) into aware UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name}: {text!r} is not an ISO 8601 instant", field=name) from None
    if value.tzinfo is None:
        raise InvalidInput(
            f"{name}: {text!r} needs a UTC offset, like 2026-11-24T19:00:00Z", field=name
        )
    return value.astimezone(UTC)


@dataclass(frozen=True)
class DatabaseSettings:
    """How the SQL backend connects to PostgreSQL (SQLite needs none of it).

    A ``?connect_timeout=N`` in the storage URL wins over :attr:`connect_timeout`. A
    ``cinema`` command opens one connection and no pool; the pool settings are for a
    long-running server process to size its pool with (docs/sql.md, "Pooling").
    """

    connect_timeout: int = 5
    """Seconds to wait for the server before giving up (exit 7)."""
    pool_size: int = 5
    """Connections kept open per process."""
    max_overflow: int = 5
    """Extra connections beyond the pool."""
    pool_timeout: int = 30
    """Seconds to wait for a free pooled connection."""

    @classmethod
    def from_env(cls) -> DatabaseSettings:
        """The ``CINEMA_DB_*`` variables; a bad one is a storage error (exit 7)."""
        return cls(
            connect_timeout=_env_whole("CINEMA_DB_CONNECT_TIMEOUT", 5),
            pool_size=_env_whole("CINEMA_DB_POOL_SIZE", 5),
            max_overflow=_env_whole("CINEMA_DB_MAX_OVERFLOW", 5),
            pool_timeout=_env_whole("CINEMA_DB_POOL_TIMEOUT", 30),
        )


def _env_path(name: str) -> Path | None:
    raw = os.environ.get(name, "")
    return Path(raw).expanduser() if raw else None


@dataclass(frozen=True)
class WalletSettings:
    """Wallet passes made by ``buy`` (none unless configured).

    Apple Wallet needs all five of ``CINEMA_WALLET_CERT`` (the Pass Type ID certificate,
    PEM), ``CINEMA_WALLET_KEY`` (its private key, PEM; ``CINEMA_WALLET_KEY_PASSWORD`` when
    encrypted), ``CINEMA_WALLET_WWDR`` (Apple's WWDR intermediate certificate),
    ``CINEMA_WALLET_TEAM_ID`` and ``CINEMA_WALLET_PASS_TYPE_ID``. Google Wallet needs
    ``CINEMA_GOOGLE_WALLET_KEY`` (a service-account key, JSON) and
    ``CINEMA_GOOGLE_WALLET_ISSUER_ID``.
    """

    apple_cert: Path | None = None
    apple_key: Path | None = None
    apple_key_password: str | None = None
    apple_wwdr: Path | None = None
    apple_team_id: str | None = None
    apple_pass_type_id: str | None = None
    google_key: Path | None = None
    google_issuer_id: str | None = None

    @classmethod
    def from_env(cls) -> WalletSettings:
        env = os.environ
        return cls(
            apple_cert=_env_path("CINEMA_WALLET_CERT"),
            apple_key=_env_path("CINEMA_WALLET_KEY"),
            apple_key_password=env.get("CINEMA_WALLET_KEY_PASSWORD") or None,
            apple_wwdr=_env_path("CINEMA_WALLET_WWDR"),
            apple_team_id=env.get("CINEMA_WALLET_TEAM_ID") or None,
            apple_pass_type_id=env.get("CINEMA_WALLET_PASS_TYPE_ID") or None,
            google_key=_env_path("CINEMA_GOOGLE_WALLET_KEY"),
            google_issuer_id=env.get("CINEMA_GOOGLE_WALLET_ISSUER_ID") or None,
        )

    def _require(self, values: dict[str, object]) -> bool:
        """Whether a wallet is configured; :class:`InvalidInput` names what a half-done
        configuration lacks."""
        missing = [name for name, value in values.items() if not value]
        if len(missing) == len(values):
            return False
        if missing:
            given = next(name for name in values if name not in missing)
            raise InvalidInput(
                f"{', '.join(missing)}: needed too once {given} is set (or unset them all)",
                field=missing[0],
            )
        return True

    @property
    def apple(self) -> bool:
        """Whether Apple Wallet passes are configured (all five settings)."""
        return self._require(
            {
                "CINEMA_WALLET_CERT": self.apple_cert,
                "CINEMA_WALLET_KEY": self.apple_key,
                "CINEMA_WALLET_WWDR": self.apple_wwdr,
                "CINEMA_WALLET_TEAM_ID": self.apple_team_id,
                "CINEMA_WALLET_PASS_TYPE_ID": self.apple_pass_type_id,
            }
        )

    @property
    def google(self) -> bool:
        """Whether Google Wallet links are configured (both settings)."""
        return self._require(
            {
                "CINEMA_GOOGLE_WALLET_KEY": self.google_key,
                "CINEMA_GOOGLE_WALLET_ISSUER_ID": self.google_issuer_id,
            }
        )


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about where and how to run."""

    data_dir: Path
    storage_url: str = "json"
    hold_seconds: int = 600
    lock_timeout: float = 10.0
    cancel_minutes: int = 60
    companion_release_minutes: int = 60
    """Companion seats are sold only with a wheelchair space until this long before the start."""
    smtp_url: str | None = None
    outbox_lease_seconds: float = 300.0
    """How long a sender's claim on an e-mail lasts before another sender may take it."""
    api_secret: str | None = None
    key_secret: str | None = field(default=None, repr=False)
    """``CINEMA_KEY_SECRET``: seals the ticket signing keys at rest (never printed)."""
    key_secret_file: Path | None = None
    """``CINEMA_KEY_SECRET_FILE``: a file holding that secret (read when a key is used)."""
    payment_provider: str = "test"
    crash_at: str | None = None
    """``CINEMA_TEST_CRASH_AT``: a purchase step where the process kills itself (drills only)."""
    fixed_now: datetime | None = None
    debug: bool = False
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    extra: dict[str, str] = field(default_factory=dict)
    wallet: WalletSettings = field(default_factory=WalletSettings)

    @classmethod
    def from_env(
        cls,
        *,
        data_dir: Path | None = None,
        storage_url: str | None = None,
        debug: bool = False,
    ) -> Settings:
        env = os.environ
        fixed_now = env.get("CINEMA_NOW")
        return cls(
            data_dir=(
                data_dir
                or (Path(env["CINEMA_DATA_DIR"]) if env.get("CINEMA_DATA_DIR") else None)
                or default_data_dir()
            ).expanduser(),
            storage_url=storage_url or env.get("CINEMA_STORAGE") or "json",
            hold_seconds=int(_env_number("CINEMA_HOLD_SECONDS", 600, minimum=1, maximum=86_400)),
            lock_timeout=_env_number("CINEMA_LOCK_TIMEOUT", 10.0, minimum=0, maximum=3_600),
            cancel_minutes=int(
                _env_number("CINEMA_CANCEL_MINUTES", 60, minimum=0, maximum=525_600)
            ),
            companion_release_minutes=int(
                _env_number("CINEMA_COMPANION_RELEASE_MINUTES", 60, minimum=0, maximum=525_600)
            ),
            smtp_url=env.get("CINEMA_SMTP_URL") or None,
            outbox_lease_seconds=_env_number(
                "CINEMA_OUTBOX_LEASE_SECONDS", 300.0, minimum=0.1, maximum=86_400
            ),
            api_secret=env.get("CINEMA_API_SECRET") or None,
            payment_provider=env.get("CINEMA_PAYMENT_PROVIDER") or "test",
            crash_at=env.get("CINEMA_TEST_CRASH_AT") or None,
            key_secret=env.get("CINEMA_KEY_SECRET") or None,
            key_secret_file=_env_path("CINEMA_KEY_SECRET_FILE"),
            fixed_now=parse_instant(fixed_now, name="CINEMA_NOW") if fixed_now else None,
            debug=debug or env.get("CINEMA_DEBUG", "") not in ("", "0"),
            database=DatabaseSettings.from_env(),
            wallet=WalletSettings.from_env(),
        )

    def key_encryption_secret(self) -> bytes | None:
        """The ticket signing keys' secret: ``CINEMA_KEY_SECRET``, or the content of the file
        ``CINEMA_KEY_SECRET_FILE`` (one trailing newline dropped); ``None`` when neither is set."""
        if self.key_secret and self.key_secret_file:
            raise InvalidInput(
                "CINEMA_KEY_SECRET and CINEMA_KEY_SECRET_FILE are both set; keep one",
                field="CINEMA_KEY_SECRET_FILE",
            )
        if self.key_secret:
            return self.key_secret.encode("utf-8")
        if self.key_secret_file is None:
            return None
        try:
            secret = self.key_secret_file.read_bytes().removesuffix(b"\n")
        except OSError as error:
            raise InvalidInput(
                f"CINEMA_KEY_SECRET_FILE: {self.key_secret_file} cannot be read "
                f"({error.strerror or error})",
                field="CINEMA_KEY_SECRET_FILE",
            ) from None
        if not secret.strip():
            raise InvalidInput(
                f"CINEMA_KEY_SECRET_FILE: {self.key_secret_file} is empty",
                field="CINEMA_KEY_SECRET_FILE",
            )
        return secret

    def clock(self) -> Clock:
        if self.fixed_now is not None:
            instant = self.fixed_now
            return lambda: instant
        return system_clock
