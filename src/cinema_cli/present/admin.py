"""Shapes of the back office: ``log``, ``outbox``, ``keys`` and ``db`` (times in UTC)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NotRequired

from typing_extensions import TypedDict  # pydantic reads these on 3.11

from cinema_cli.domain.errors import DeliveryFailed
from cinema_cli.domain.models import AuditEntry, utc_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cinema_cli.services.admin import CopyReport, SchemaUpgrade, StoreInfo
    from cinema_cli.services.key_import import KeyMove
    from cinema_cli.services.key_seal import SealReport
    from cinema_cli.services.ledger_import import BooksMove, LedgerAdoption
    from cinema_cli.services.outbox import SendReport
    from cinema_cli.services.outbox_import import MailAdoption
    from cinema_cli.services.ports.mail import OutboxMessage
    from cinema_cli.services.ports.tickets import SigningKeyInfo


# -- log ---------------------------------------------------------------------------------------
class LogEntryShape(TypedDict):
    id: str
    at: str
    actor: str
    """``user:NAME`` (the operating-system user) unless the caller named one."""
    action: str
    """``hold``, ``release``, ``purchase``, ``cancel``, ``refund``, ``checkin``, ``import``..."""
    subject: str
    details: dict[str, Any]


class LogShape(TypedDict):
    entries: list[LogEntryShape]


def entry_view(entry: AuditEntry) -> LogEntryShape:
    """One audit entry."""
    return {
        "id": entry.id,
        "at": utc_text(entry.at),
        "actor": entry.actor,
        "action": str(entry.action),
        "subject": entry.subject,
        "details": dict(entry.details),
    }


def log_view(entries: Iterable[AuditEntry]) -> LogShape:
    """The ``log --json`` document, oldest entry first."""
    return {"entries": [entry_view(entry) for entry in entries]}


# -- outbox ------------------------------------------------------------------------------------
class OutboxMessageShape(TypedDict):
    file: str
    name: str
    to: str
    subject: str
    status: str
    """``unsent``, ``sending`` (claimed by a sender now), ``failed`` (will be retried) or
    ``sent``."""
    attempts: int
    sent_at: str | None
    last_error: str | None
    booking_id: NotRequired[str]
    kind: NotRequired[str]
    """``confirmation`` or ``cancellation``."""


class OutboxShape(TypedDict):
    messages: list[OutboxMessageShape]


class SendReportShape(TypedDict):
    sent: list[OutboxMessageShape]
    failed: list[OutboxMessageShape]
    already_sent: int


def message_view(message: OutboxMessage) -> OutboxMessageShape:
    """One e-mail of the outbox with its delivery state."""
    return {
        "file": str(message.path),
        "name": message.name,
        "to": message.to,
        "subject": message.subject,
        "status": message.status,
        "attempts": message.attempts,
        "sent_at": message.sent_at,
        "last_error": message.last_error,
        "booking_id": message.booking_id,
        "kind": message.kind,
    }


def outbox_view(messages: Iterable[OutboxMessage]) -> OutboxShape:
    """The ``outbox list --json`` document."""
    return {"messages": [message_view(m) for m in messages]}


def report_view(report: SendReport) -> SendReportShape:
    """The ``outbox send --json`` document (also the details of :func:`undelivered`)."""
    return {
        "sent": [message_view(m) for m in report.sent],
        "failed": [message_view(m) for m in report.failed],
        "already_sent": report.already_sent,
    }


def undelivered(report: SendReport) -> DeliveryFailed | None:
    """The error to report when some e-mails of ``report`` could not be sent."""
    if not report.failed:
        return None
    tried = len(report.sent) + len(report.failed)
    why = next((m.last_error for m in report.failed if m.last_error), None)
    return DeliveryFailed(
        f"{len(report.failed)} of {tried} e-mails could not be sent"
        + (f" ({why})" if why else "")
        + "; they stay in the outbox for the next `cinema outbox send`",
        **report_view(report),
    )


# -- keys --------------------------------------------------------------------------------------
class KeyShape(TypedDict):
    key_id: str
    public_key_pem: str
    created_at: str
    active: bool
    """The key that signs new tickets (older keys still verify theirs)."""


class KeysShape(TypedDict):
    keys: list[KeyShape]


class KeysRotatedShape(TypedDict):
    active: str
    """The new key's id."""
    keys: list[KeyShape]


def key_view(key: SigningKeyInfo, public_key_pem: str) -> KeyShape:
    """One signing key: its public half only."""
    return {
        "key_id": key.key_id,
        "public_key_pem": public_key_pem,
        "created_at": key.created_at,
        "active": key.active,
    }


def keys_view(keys: Iterable[tuple[SigningKeyInfo, str]]) -> KeysShape:
    """``keys public --json``: each key with its public PEM, oldest first."""
    return {"keys": [key_view(key, pem) for key, pem in keys]}


def rotated_view(active: str, keys: Iterable[tuple[SigningKeyInfo, str]]) -> KeysRotatedShape:
    """``keys rotate --json``: the new active key's id and every key."""
    return {"active": active, "keys": [key_view(key, pem) for key, pem in keys]}


class KeysSealedShape(TypedDict):
    sealed: list[str]
    """The ids of the keys this run encrypted with the key secret, oldest first."""
    already: list[str]
    """Keys that were sealed before with this secret (or by another run meanwhile)."""
    unopened: list[str]
    """Keys sealed with another secret: left as they are (the command then exits 6)."""


def sealed_view(report: SealReport) -> KeysSealedShape:
    """``keys seal --json``: which keys were sealed, and which were not."""
    return {
        "sealed": list(report.sealed),
        "already": list(report.already),
        "unopened": list(report.unopened),
    }


# -- db ----------------------------------------------------------------------------------------
class SchemaShape(TypedDict):
    version: int | None
    """``null`` for an empty database."""
    supported: int
    state: str
    """``current``, ``outdated``, ``newer`` or ``empty``."""


class DbInfoShape(TypedDict):
    backend: str
    url: str
    """Without the password."""
    schema: SchemaShape
    counts: dict[str, int] | None
    """Records per kind; ``null`` unless the schema is current (or the store empty)."""


class MovedChargesShape(TypedDict):
    found: int
    """Charges in the provider's books in the data folder."""
    adopted: int
    """Added to the payment ledger now (the others were there already)."""
    already: int
    with_booking: int
    refunded: int
    without_booking: int
    elsewhere: int
    """Charges of purchases this store never held (another store sharing the data folder):
    left out, never refunded from here."""
    """Captured with no booking: ``cinema payments reconcile`` refunds them."""


class MovedMessagesShape(TypedDict):
    found: int
    """``.eml`` files in the data folder's ``outbox/``."""
    moved: int
    """Added to the mail queue now (the others were there already)."""
    already: int
    sent: int
    """Of those moved, sent before (kept ``sent``, never sent again)."""
    waiting: int
    """Of those moved, not sent yet: ``cinema outbox send`` sends them."""


class MovedBooksShape(TypedDict):
    found: int
    """Charges in the test provider's ledger file in the data folder."""
    moved: int
    """Added to the provider's books in the store now."""
    already: int


class MovedKeysShape(TypedDict):
    found: int
    """Signing keys in ``<data dir>/keys`` (kept there by older releases)."""
    moved: int
    """Added to the store's key ring now (the others were there already)."""
    already: int
    active: str | None
    """The key id that signs new tickets after the move."""
    kept_at: str | None
    """Where the old folder was set aside (it holds the private keys unencrypted)."""


class MovedShape(TypedDict):
    charges: NotRequired[MovedChargesShape]
    provider_books: NotRequired[MovedBooksShape]
    """The test provider's own books, now kept in the store for every host."""
    messages: NotRequired[MovedMessagesShape]
    """The data folder's outbox, now the mail queue in the store."""
    keys: NotRequired[MovedKeysShape]


def moved_keys_view(keys: KeyMove) -> MovedKeysShape:
    """What ``db upgrade`` moved from the data folder's key folder into the store."""
    return {
        "found": keys.found,
        "moved": keys.moved,
        "already": keys.already,
        "active": keys.active,
        "kept_at": keys.kept_at,
    }


class DbUpgradeShape(TypedDict):
    backend: str
    url: str
    from_version: int
    """0 when the database had no schema yet."""
    to_version: int
    upgraded: bool
    moved: NotRequired[MovedShape]
    """What moved from the data folder into the store: ``{"charges": {...},
    "provider_books": {...}, "messages": {...}, "keys": {...}}``."""


class StoreRefShape(TypedDict):
    backend: str
    url: str


DbCopyShape = TypedDict(
    "DbCopyShape", {"from": StoreRefShape, "to": StoreRefShape, "counts": dict[str, int]}
)
"""``db copy --json``: both stores and the records per kind now in the target."""


def db_info_view(info: StoreInfo) -> DbInfoShape:
    """The ``db info --json`` document."""
    return {
        "backend": info.backend,
        "url": info.url,
        "schema": {
            "version": info.schema.version,
            "supported": info.schema.supported,
            "state": info.schema.state,
        },
        "counts": dict(info.counts) if info.counts is not None else None,
    }


def db_upgrade_view(
    result: SchemaUpgrade,
    moved: LedgerAdoption | None = None,
    books: BooksMove | None = None,
    messages: MailAdoption | None = None,
    keys: KeyMove | None = None,
) -> DbUpgradeShape:
    """The ``db upgrade --json`` document."""
    shape: DbUpgradeShape = {
        "backend": result.backend,
        "url": result.url,
        "from_version": result.from_version,
        "to_version": result.to_version,
        "upgraded": result.upgraded,
    }
    carried: MovedShape = {}
    if moved is not None:
        carried["charges"] = {
            "found": moved.found,
            "adopted": moved.adopted,
            "already": moved.already,
            "with_booking": moved.with_booking,
            "refunded": moved.refunded,
            "without_booking": moved.without_booking,
            "elsewhere": moved.elsewhere,
        }
    if books is not None:
        carried["provider_books"] = {
            "found": books.found,
            "moved": books.moved,
            "already": books.already,
        }
    if messages is not None:
        carried["messages"] = {
            "found": messages.found,
            "moved": messages.moved,
            "already": messages.already,
            "sent": messages.sent,
            "waiting": messages.waiting,
        }
    if keys is not None:
        carried["keys"] = moved_keys_view(keys)
    if carried:
        shape["moved"] = carried
    return shape


def db_copy_view(result: CopyReport) -> DbCopyShape:
    """The ``db copy --json`` document."""
    return {
        "from": {"backend": result.source.backend, "url": result.source.url},
        "to": {"backend": result.target.backend, "url": result.target.url},
        "counts": dict(result.counts),
    }
