"""The storage port: what the services need from any backend.

One interface, one contract test suite (``tests/contract``), several backends:
``storage.json`` (TinyDB files, the default) and ``storage.sql`` (SQLite, PostgreSQL).

Reads on :class:`Storage` see committed data and take no lock. Every
read-check-write happens inside ``with storage.transaction() as tx:``; the
transaction is the unit of work: it holds the backend's write lock (JSON: one
cross-process file lock; SQL: a database transaction), sees the latest
committed state, and commits all of its writes atomically and durably when the
block ends without an exception (or none of them when it raises).

Backends enforce the seat invariant themselves: at most one claim per
(showing, seat). A hold is dead when ``expires_at <= now``; a dead hold may be
replaced in the same transaction that claims the seat.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Protocol, runtime_checkable

from cinema_cli.domain.ledger import ChargeRecord
from cinema_cli.domain.mail_queue import MailRecord
from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    City,
    IdempotencyRecord,
    Movie,
    Reservation,
    SeatClaim,
    Showing,
    Theater,
    Ticket,
    User,
)
from cinema_cli.domain.signing_keys import SigningKeyRecord
from cinema_cli.services.ports.payments import BookCharge


@dataclass(frozen=True, slots=True)
class ShowingQuery:
    """Filters for :meth:`Reader.showings`; ``None`` means "any".

    Times are UTC instants; ``starts_from`` is inclusive, ``starts_before`` exclusive.
    """

    movie_ids: frozenset[str] | None = None
    theater_ids: frozenset[str] | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    include_cancelled: bool = False


RECORD_TYPES: Final[Mapping[str, type[Any]]] = MappingProxyType(
    {
        "city": City,
        "theater": Theater,
        "movie": Movie,
        "showing": Showing,
        "reservation": Reservation,
        "claim": SeatClaim,
        "user": User,
        "booking": Booking,
        "idempotency": IdempotencyRecord,
        "audit": AuditEntry,
        "charge": ChargeRecord,
        "mail": MailRecord,
        "provider_charge": BookCharge,
        "signing_key": SigningKeyRecord,
    }
)
"""The one registry of record kinds: each kind of :meth:`Storage.dump` and the entity its
records hold, in an order that :meth:`Storage.load` can replay (parents first)."""

RECORD_KINDS: Final[tuple[str, ...]] = tuple(RECORD_TYPES)
"""Kinds yielded by :meth:`Storage.dump`, in :data:`RECORD_TYPES` order."""


class Reader(Protocol):
    """Queries shared by :class:`Storage` (lock-free) and :class:`Transaction` (locked)."""

    # -- catalog -------------------------------------------------------------------------------
    def cities(self) -> list[City]: ...

    def theaters(self, city_id: str | None = None) -> list[Theater]:
        """Theaters (with rooms), ordered by city then name."""
        ...

    def theater(self, theater_id: str) -> Theater | None: ...

    def movies(self) -> list[Movie]: ...

    def movie(self, movie_id: str) -> Movie | None: ...

    def showings(self, query: ShowingQuery) -> list[Showing]:
        """Showings that match, ordered by ``starts_at`` then id."""
        ...

    def showing(self, showing_id: str) -> Showing | None: ...

    def data_version(self) -> int | None:
        """A number that changes whenever another process commits to this store, or ``None``
        when the backend cannot tell cheaply (callers then re-read what they depend on)."""
        ...

    def change_token(self) -> Hashable | None:
        """A value that differs, after any commit to the store (through this handle, another
        connection or another process), from every value read before that commit; ``None``
        when the backend cannot tell cheaply. Compare only tokens read through one handle.

        Unlike :meth:`data_version` it also moves for this handle's own commits, so a
        long-lived process may keep what it derived from the store while the token stays."""
        ...

    def showings_by_ids(self, showing_ids: Iterable[str]) -> dict[str, Showing]:
        """The stored showings with these ids (cancelled ones too), by id; unknown ids are left
        out. The bulk form of :meth:`showing`: imports look up 100,000 ids at once."""
        ...

    # -- seats ---------------------------------------------------------------------------------
    def claims(self, showing_id: str) -> list[SeatClaim]:
        """Every claim stored for the showing, dead holds included (callers judge with ``now``)."""
        ...

    def seats_taken(self, showing_ids: Iterable[str], now: datetime) -> dict[str, int]:
        """For each showing, how many seats are sold or held live at ``now`` (0 when none)."""
        ...

    def sold_counts(self, showing_ids: Iterable[str]) -> dict[str, int]:
        """For each showing, how many seats are sold: valid or used tickets (0 when none)."""
        ...

    # -- bookings ------------------------------------------------------------------------------
    def reservation(self, reservation_id: str) -> Reservation | None: ...

    def booking(self, booking_id: str) -> Booking | None: ...

    def bookings_by_email(self, email: str) -> list[Booking]:
        """A user's bookings, newest first; ``email`` is compared case-insensitively."""
        ...

    def ticket(self, ticket_id: str) -> Ticket | None: ...

    def user_by_email(self, email: str) -> User | None: ...

    def idempotency(self, key: str) -> IdempotencyRecord | None: ...

    def audit(self, subject: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries (about ``subject`` when given), oldest first, the last ``limit``."""
        ...

    # -- payment ledger ------------------------------------------------------------------------
    def charges(self, idempotency_key: str | None = None) -> list[ChargeRecord]:
        """Charge attempts (of one idempotency key when given), oldest first (by
        ``created_at``, then id); the attempts of one key come in attempt order."""
        ...

    # -- mail queue ----------------------------------------------------------------------------
    def mail_messages(self) -> list[MailRecord]:
        """Every e-mail of the queue, oldest first (by ``created_at``, then id)."""
        ...

    def mail_message(self, mail_id: str) -> MailRecord | None: ...
    # -- the test provider's books -------------------------------------------------------------
    def provider_charges(self, idempotency_key: str | None = None) -> list[BookCharge]:
        """The provider's charges of one key in round order, or all (by ``created_at``, id)."""
        ...

    def provider_charge(self, reference: str) -> BookCharge | None:
        """The provider's charge with this reference (row-locked in a SQL unit of work)."""
        ...

    # -- ticket signing keys -------------------------------------------------------------------
    def signing_keys(self) -> list[SigningKeyRecord]:
        """Every key of the ticket signing key ring, oldest first (``created_at``, then id)."""
        ...


class Transaction(Reader, Protocol):
    """A unit of work: reads see the latest committed state; writes land together or not at all."""

    # -- catalog -------------------------------------------------------------------------------
    def put_city(self, city: City) -> None: ...

    def put_theater(self, theater: Theater) -> None:
        """Insert or replace a theater with its rooms."""
        ...

    def put_movies(self, movies: Iterable[Movie]) -> None: ...

    def put_showings(self, showings: Iterable[Showing]) -> None:
        """Insert or replace showings by id (bulk: imports send 100,000 at once)."""
        ...

    # -- seats ---------------------------------------------------------------------------------
    def claim_seats(
        self,
        showing_id: str,
        claims: list[SeatClaim],
        *,
        now: datetime,
        replacing_reservation: str | None = None,
    ) -> None:
        """Add hold claims, atomically.

        First drops, for this showing, every claim of ``replacing_reservation``
        and every dead hold (``expires_at <= now``) on the seats asked for; then
        adds ``claims``. Raises :class:`~cinema_cli.domain.errors.SeatUnavailable`
        (``details["seats"]`` lists them) when any seat still has a claim; then
        nothing changes.
        """
        ...

    def release_reservation(self, reservation: Reservation) -> None:
        """Drop a reservation and its hold claims (sold claims are left alone)."""
        ...

    def sell_seats(self, reservation: Reservation, tickets: list[Ticket], *, now: datetime) -> None:
        """Turn the reservation's live holds into sales, one ticket per seat, atomically.

        Raises :class:`~cinema_cli.domain.errors.HoldExpired` (and changes
        nothing) unless every seat is still held by this reservation at ``now``.
        The reservation record is removed.
        """
        ...

    def release_tickets(self, showing_id: str, ticket_ids: Iterable[str]) -> None:
        """Drop the sold claims of cancelled tickets so the seats can be sold again."""
        ...

    def put_reservation(self, reservation: Reservation) -> None: ...

    # -- bookings ------------------------------------------------------------------------------
    def put_user(self, user: User) -> None: ...

    def put_booking(self, booking: Booking) -> None:
        """Insert or replace a booking with its tickets (ticket status lives here)."""
        ...

    def put_idempotency(self, record: IdempotencyRecord) -> None: ...

    def append_audit(self, entry: AuditEntry) -> None: ...

    # -- payment ledger ------------------------------------------------------------------------
    def add_charge(self, record: ChargeRecord) -> ChargeRecord:
        """Insert a new charge attempt unless one with its id exists; returns the stored one.

        The id is unique across every process and host sharing the store (a unique key on
        SQL, the write lock on JSON): of two racing inserts, one wins and both see it.
        """
        ...

    def put_charge(self, record: ChargeRecord) -> None:
        """Replace a charge attempt by id (its outcome, its booking, its refund)."""
        ...

    # -- mail queue ----------------------------------------------------------------------------
    def enqueue_mail(self, record: MailRecord) -> MailRecord:
        """Add an e-mail to the queue unless one with its id is there; returns the stored one."""
        ...

    def claim_mail(
        self,
        now: datetime,
        lease_until: datetime,
        *,
        mail_id: str | None = None,
        skip: Iterable[str] = (),
    ) -> MailRecord | None:
        """Claim the oldest claimable e-mail (that one only with ``mail_id``; none in ``skip``).

        Claimable: not ``sent``, and not ``sending`` under a lease running at ``now``. The
        claimed record becomes ``sending`` until ``lease_until``, one more attempt, and is
        returned; ``None`` when there is nothing to claim. Of two senders on any hosts, only
        one claims a message (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite and JSON: the
        write lock).
        """
        ...

    def put_mail(self, record: MailRecord) -> None:
        """Replace an e-mail of the queue by id (its send state)."""

    # -- the test provider's books -------------------------------------------------------------
    def add_provider_charge(self, charge: BookCharge) -> BookCharge:
        """Insert unless its id (key and round) exists, across every host; returns the stored."""
        ...

    def put_provider_charge(self, charge: BookCharge) -> None:
        """Replace a provider charge by id."""
        ...

    # -- ticket signing keys -------------------------------------------------------------------
    def add_signing_key(self, record: SigningKeyRecord) -> SigningKeyRecord:
        """Insert a key unless its id is taken; returns the stored one.

        At most one key is active across every process and host sharing the store (a unique
        index on SQL, the write lock on JSON): when ``record`` is active and another key is
        active already, nothing is inserted and that key is returned, so of two hosts making
        the first key at once one wins and both sign with it.
        """
        ...

    def retire_signing_key(self, key_id: str, at: datetime) -> None:
        """Stop the key signing new tickets from ``at`` on (nothing when it is not active)."""
        ...

    def note_key_signed(self, key_id: str, valid_until: datetime) -> None:
        """Raise the key's ``signed_until`` to ``valid_until`` unless it is already later
        (or the key's history is unknown); never lowers it."""
        ...

    def reseal_signing_key(self, key_id: str, old: str, new: str) -> bool:
        """Replace the key's stored private half with ``new`` if it is still ``old``; whether
        it was replaced (``False``: no such key, or another process changed it first).

        The comparison happens in the store (the write lock on JSON, the row's own update on
        SQL), so of two hosts resealing one key at once exactly one replaces it.
        """
        ...


class Storage(Reader, Protocol):
    """A backend. Cheap to open: it touches nothing until first used."""

    url: str
    """Where the data lives (``json:///path``, ``sqlite:///path``, ``postgresql://...``)."""

    def transaction(self) -> AbstractContextManager[Transaction]:
        """Open a unit of work (see the module docstring)."""
        ...

    def provider_books(self) -> AbstractContextManager[Transaction]:
        """A unit of work for the test provider's books: the one already open on this store in
        this process when there is one (it commits with it), else a new one."""
        ...

    def dump(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every record as ``(kind, json-ready dict)``, kinds in :data:`RECORD_KINDS` order."""
        ...

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Write records from :meth:`dump` into this (empty) store; returns counts per kind."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class CountingStorage(Protocol):
    """A backend that counts its records without reading them all."""

    def counts(self) -> dict[str, int]: ...


@runtime_checkable
class VersionedStorage(Protocol):
    """A backend with a schema of its own that it can create and upgrade (SQL)."""

    @property
    def supported_schema_version(self) -> int: ...

    def schema_version(self) -> int | None: ...

    def upgrade(self) -> tuple[int, int]: ...
