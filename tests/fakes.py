"""Hand-written fakes for the ports, used by service and CLI tests.

``FakeStorage`` keeps everything in dicts; a transaction works on a copy and
swaps it in on success, which is the atomicity every real backend must match
(``tests/contract`` runs the same tests against it and the real backends).
``MovableClock``, ``FakePayments``, ``FakeTicketPrinter`` and ``FakeOutbox`` stand in
for the clock, the payment provider, the e-ticket printer and the mail outbox;
``CountingPayments`` wraps any provider to count its calls.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, TypeVar

from builders import NOW
from cinema_cli.domain.errors import (
    HoldExpired,
    IdempotencyKeyReused,
    InvalidCard,
    PaymentDeclined,
    SeatUnavailable,
)
from cinema_cli.domain.ledger import ChargeRecord
from cinema_cli.domain.mail_queue import MailRecord
from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    City,
    ClaimKind,
    IdempotencyRecord,
    Money,
    Movie,
    Reservation,
    SeatClaim,
    Showing,
    ShowingStatus,
    Theater,
    Ticket,
    TicketStatus,
    User,
)
from cinema_cli.domain.purchase import CardNumber, luhn_valid
from cinema_cli.domain.signing_keys import SigningKeyRecord, key_order
from cinema_cli.services.ports.mail import CancellationNotice
from cinema_cli.services.ports.payments import BookCharge, Charge, PaymentProvider
from cinema_cli.services.ports.storage import RECORD_KINDS, ShowingQuery
from cinema_cli.services.ports.tickets import ETicketDocument, ETicketFiles, WalletPasses
from cinema_cli.storage.records import RECORD_TYPES, from_record, to_record


@dataclass
class _State:
    cities: dict[str, City] = field(default_factory=dict)
    theaters: dict[str, Theater] = field(default_factory=dict)
    movies: dict[str, Movie] = field(default_factory=dict)
    showings: dict[str, Showing] = field(default_factory=dict)
    claims: dict[tuple[str, str], SeatClaim] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    bookings: dict[str, Booking] = field(default_factory=dict)
    idempotency: dict[str, IdempotencyRecord] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    charges: dict[str, ChargeRecord] = field(default_factory=dict)
    mail: dict[str, MailRecord] = field(default_factory=dict)
    book_charges: dict[str, BookCharge] = field(default_factory=dict)
    signing_keys: dict[str, SigningKeyRecord] = field(default_factory=dict)
    version: int = 0
    """Bumped by every commit, like SQLite's data_version (for another connection)."""


class _FakeReader:
    _state: _State

    def cities(self) -> list[City]:
        return sorted(self._state.cities.values(), key=lambda c: c.name)

    def theaters(self, city_id: str | None = None) -> list[Theater]:
        found = [t for t in self._state.theaters.values() if city_id in (None, t.city_id)]
        return sorted(found, key=lambda t: (t.city_id, t.name))

    def theater(self, theater_id: str) -> Theater | None:
        return self._state.theaters.get(theater_id)

    def movies(self) -> list[Movie]:
        return sorted(self._state.movies.values(), key=lambda m: m.title)

    def movie(self, movie_id: str) -> Movie | None:
        return self._state.movies.get(movie_id)

    def showings(self, query: ShowingQuery) -> list[Showing]:
        def matches(s: Showing) -> bool:
            return (
                (query.movie_ids is None or s.movie_id in query.movie_ids)
                and (query.theater_ids is None or s.theater_id in query.theater_ids)
                and (query.starts_from is None or s.starts_at >= query.starts_from)
                and (query.starts_before is None or s.starts_at < query.starts_before)
                and (query.include_cancelled or s.status is ShowingStatus.SCHEDULED)
            )

        return sorted(
            filter(matches, self._state.showings.values()), key=lambda s: (s.starts_at, s.id)
        )

    def showing(self, showing_id: str) -> Showing | None:
        return self._state.showings.get(showing_id)

    def data_version(self) -> int | None:
        return self._state.version

    def change_token(self) -> Hashable | None:
        return self._state.version

    def showings_by_ids(self, showing_ids: Iterable[str]) -> dict[str, Showing]:
        stored = self._state.showings
        return {sid: stored[sid] for sid in showing_ids if sid in stored}

    def claims(self, showing_id: str) -> list[SeatClaim]:
        return [c for (sid, _), c in self._state.claims.items() if sid == showing_id]

    def seats_taken(self, showing_ids: Iterable[str], now: datetime) -> dict[str, int]:
        wanted = dict.fromkeys(showing_ids, 0)
        for (sid, _), claim in self._state.claims.items():
            if sid in wanted and claim.is_live(now):
                wanted[sid] += 1
        return wanted

    def sold_counts(self, showing_ids: Iterable[str]) -> dict[str, int]:
        wanted = dict.fromkeys(showing_ids, 0)
        for booking in self._state.bookings.values():
            if booking.showing_id in wanted:
                wanted[booking.showing_id] += sum(
                    t.status is not TicketStatus.CANCELLED for t in booking.tickets
                )
        return wanted

    def reservation(self, reservation_id: str) -> Reservation | None:
        return self._state.reservations.get(reservation_id)

    def booking(self, booking_id: str) -> Booking | None:
        return self._state.bookings.get(booking_id)

    def bookings_by_email(self, email: str) -> list[Booking]:
        found = [b for b in self._state.bookings.values() if b.email.lower() == email.lower()]
        return sorted(found, key=lambda b: (b.created_at, b.id), reverse=True)

    def ticket(self, ticket_id: str) -> Ticket | None:
        for booking in self._state.bookings.values():
            for ticket in booking.tickets:
                if ticket.id == ticket_id:
                    return ticket
        return None

    def user_by_email(self, email: str) -> User | None:
        return self._state.users.get(email.lower())

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        return self._state.idempotency.get(key)

    def audit(self, subject: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        found = [e for e in self._state.audit if subject in (None, e.subject)]
        return found[-limit:] if limit else found

    def charges(self, idempotency_key: str | None = None) -> list[ChargeRecord]:
        if idempotency_key is not None:
            found = [
                c for c in self._state.charges.values() if c.idempotency_key == idempotency_key
            ]
            return sorted(found, key=lambda c: c.attempt)
        return sorted(self._state.charges.values(), key=lambda c: (c.created_at, c.id))

    def mail_messages(self) -> list[MailRecord]:
        return sorted(self._state.mail.values(), key=lambda m: (m.created_at, m.id))

    def mail_message(self, mail_id: str) -> MailRecord | None:
        return self._state.mail.get(mail_id)

    def provider_charges(self, idempotency_key: str | None = None) -> list[BookCharge]:
        every = self._state.book_charges.values()
        if idempotency_key is not None:
            return sorted(
                (c for c in every if c.idempotency_key == idempotency_key), key=lambda c: c.round
            )
        return sorted(every, key=lambda c: (c.created_at, c.id))

    def provider_charge(self, reference: str) -> BookCharge | None:
        found = [c for c in self._state.book_charges.values() if c.reference == reference]
        return found[0] if found else None

    def signing_keys(self) -> list[SigningKeyRecord]:
        return sorted(self._state.signing_keys.values(), key=key_order)


class FakeTransaction(_FakeReader):
    def __init__(self, state: _State) -> None:
        self._state = state

    def put_city(self, city: City) -> None:
        self._state.cities[city.id] = city

    def put_theater(self, theater: Theater) -> None:
        self._state.theaters[theater.id] = theater

    def put_movies(self, movies: Iterable[Movie]) -> None:
        for movie in movies:
            self._state.movies[movie.id] = movie

    def put_showings(self, showings: Iterable[Showing]) -> None:
        for showing in showings:
            self._state.showings[showing.id] = showing

    def claim_seats(
        self,
        showing_id: str,
        claims: list[SeatClaim],
        *,
        now: datetime,
        replacing_reservation: str | None = None,
    ) -> None:
        def replaced(claim: SeatClaim) -> bool:
            return (
                replacing_reservation is not None
                and claim.reservation_id == replacing_reservation
                and claim.kind is ClaimKind.HOLD
            )

        taken = []
        for claim in claims:
            existing = self._state.claims.get((showing_id, claim.seat_id))
            if existing is not None and existing.is_live(now) and not replaced(existing):
                taken.append(claim.seat_id)
        if taken:
            # Checked before anything changes: a refused claim leaves every claim in place.
            raise SeatUnavailable(f"seats not available: {', '.join(taken)}", seats=taken)
        for key, claim in list(self._state.claims.items()):
            if key[0] == showing_id and replaced(claim):
                del self._state.claims[key]
        for claim in claims:
            self._state.claims[(showing_id, claim.seat_id)] = claim

    def release_reservation(self, reservation: Reservation) -> None:
        self._state.reservations.pop(reservation.id, None)
        for key, claim in list(self._state.claims.items()):
            if claim.reservation_id == reservation.id and claim.kind is ClaimKind.HOLD:
                del self._state.claims[key]

    def sell_seats(self, reservation: Reservation, tickets: list[Ticket], *, now: datetime) -> None:
        for ticket in tickets:
            claim = self._state.claims.get((reservation.showing_id, ticket.seat_id))
            if (
                claim is None
                or claim.reservation_id != reservation.id
                or claim.kind is not ClaimKind.HOLD
                or not claim.is_live(now)
            ):
                raise HoldExpired(
                    f"reservation {reservation.id} has expired", reservation_id=reservation.id
                )
        for ticket in tickets:
            self._state.claims[(reservation.showing_id, ticket.seat_id)] = SeatClaim(
                showing_id=reservation.showing_id,
                seat_id=ticket.seat_id,
                kind=ClaimKind.SOLD,
                booking_id=ticket.booking_id,
                ticket_id=ticket.id,
            )
        self._state.reservations.pop(reservation.id, None)

    def release_tickets(self, showing_id: str, ticket_ids: Iterable[str]) -> None:
        ids = set(ticket_ids)
        for key, claim in list(self._state.claims.items()):
            if key[0] == showing_id and claim.ticket_id in ids:
                del self._state.claims[key]

    def put_reservation(self, reservation: Reservation) -> None:
        self._state.reservations[reservation.id] = reservation

    def put_user(self, user: User) -> None:
        self._state.users[user.email.lower()] = user

    def put_booking(self, booking: Booking) -> None:
        self._state.bookings[booking.id] = booking

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        self._state.idempotency[record.key] = record

    def append_audit(self, entry: AuditEntry) -> None:
        self._state.audit.append(entry)

    def add_charge(self, record: ChargeRecord) -> ChargeRecord:
        return self._state.charges.setdefault(record.id, record)

    def put_charge(self, record: ChargeRecord) -> None:
        self._state.charges[record.id] = record

    def enqueue_mail(self, record: MailRecord) -> MailRecord:
        return self._state.mail.setdefault(record.id, record)

    def claim_mail(
        self,
        now: datetime,
        lease_until: datetime,
        *,
        mail_id: str | None = None,
        skip: Iterable[str] = (),
    ) -> MailRecord | None:
        skipped = set(skip)
        for record in self.mail_messages():
            if mail_id not in (None, record.id) or record.id in skipped:
                continue
            if record.claimable(now):
                claimed = record.claimed(now, lease_until)
                self._state.mail[record.id] = claimed
                return claimed
        return None

    def put_mail(self, record: MailRecord) -> None:
        self._state.mail[record.id] = record

    def add_provider_charge(self, charge: BookCharge) -> BookCharge:
        return self._state.book_charges.setdefault(charge.id, charge)

    def put_provider_charge(self, charge: BookCharge) -> None:
        self._state.book_charges[charge.id] = charge

    def add_signing_key(self, record: SigningKeyRecord) -> SigningKeyRecord:
        keys = self._state.signing_keys
        if record.key_id in keys:
            return keys[record.key_id]
        active = next((k for k in keys.values() if k.active), None)
        if record.active and active is not None:
            return active
        keys[record.key_id] = record
        return record

    def retire_signing_key(self, key_id: str, at: datetime) -> None:
        key = self._state.signing_keys.get(key_id)
        if key is not None and key.active:
            self._state.signing_keys[key_id] = key.retired(at)

    def note_key_signed(self, key_id: str, valid_until: datetime) -> None:
        key = self._state.signing_keys.get(key_id)
        if key is None or not key.history_known:
            return
        if key.signed_until is None or key.signed_until < valid_until:
            self._state.signing_keys[key_id] = dataclasses.replace(key, signed_until=valid_until)

    def reseal_signing_key(self, key_id: str, old: str, new: str) -> bool:
        key = self._state.signing_keys.get(key_id)
        if key is None or key.private_key != old:
            return False
        self._state.signing_keys[key_id] = dataclasses.replace(key, private_key=new)
        return True


def _put_kept_whole(tx: Any, kind: str, item: Any) -> None:
    """The kinds the backends keep whole beside a few columns."""
    put = {
        "charge": tx.put_charge,
        "mail": tx.put_mail,
        "provider_charge": tx.put_provider_charge,
        "signing_key": tx.add_signing_key,
    }[kind]
    put(item)


class FakeStorage(_FakeReader):
    """An in-memory backend with the same contract as the real ones."""

    url = "fake://"

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.RLock()
        self._open: FakeTransaction | None = None

    @contextmanager
    def transaction(self) -> Iterator[FakeTransaction]:
        with self._lock:
            working = copy.deepcopy(self._state)
            self._open = FakeTransaction(working)
            try:
                yield self._open
            finally:
                self._open = None
            working.version += 1
            self._state = working

    @contextmanager
    def provider_books(self) -> Iterator[FakeTransaction]:
        with self._lock:
            if self._open is not None:
                yield self._open
                return
            # The class's own unit of work: faults a test injects into ``storage.transaction``
            # stand for the app's store failing, not the payment provider's.
            with FakeStorage.transaction(self) as tx:
                yield tx

    def dump(self) -> Iterator[tuple[str, dict[str, Any]]]:
        s = self._state
        sources: dict[str, Iterable[Any]] = {
            "city": s.cities.values(),
            "theater": s.theaters.values(),
            "movie": s.movies.values(),
            "showing": s.showings.values(),
            "reservation": s.reservations.values(),
            "claim": s.claims.values(),
            "user": s.users.values(),
            "booking": s.bookings.values(),
            "idempotency": s.idempotency.values(),
            "audit": s.audit,
            "charge": s.charges.values(),
            "mail": s.mail.values(),
            "provider_charge": s.book_charges.values(),
            "signing_key": sorted(s.signing_keys.values(), key=key_order),
        }
        for kind in RECORD_KINDS:
            for item in sources[kind]:
                yield kind, to_record(item)

    def load(self, records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        counts = dict.fromkeys(RECORD_KINDS, 0)
        with self.transaction() as tx:
            for kind, data in records:
                item = from_record(RECORD_TYPES[kind], data)
                counts[kind] += 1
                match kind:
                    case "city":
                        tx.put_city(item)
                    case "theater":
                        tx.put_theater(item)
                    case "movie":
                        tx.put_movies([item])
                    case "showing":
                        tx.put_showings([item])
                    case "reservation":
                        tx.put_reservation(item)
                    case "claim":
                        tx._state.claims[(item.showing_id, item.seat_id)] = item
                    case "user":
                        tx.put_user(item)
                    case "booking":
                        tx.put_booking(item)
                    case "idempotency":
                        tx.put_idempotency(item)
                    case "audit":
                        tx.append_audit(item)
                    case _:
                        _put_kept_whole(tx, kind, item)
        return counts

    def close(self) -> None:
        pass


class MovableClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


DECLINED_CARDS = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}
"""The test cards the payment fakes decline, as the real test provider does."""


@dataclass
class _FakeCharge:
    fingerprint: str
    charge: Charge
    refunds: dict[str, tuple[str, Money]] = field(default_factory=dict)
    """Reason -> (reference, amount): a refund is idempotent per reason."""


class FakePayments:
    """A payment provider in memory, with the test-card rules of the real test provider."""

    name = "fake"

    def __init__(self) -> None:
        self.by_key: dict[str, _FakeCharge] = {}
        self.closed: list[_FakeCharge] = []
        """Fully refunded charges, whose keys may be used again."""
        self._numbers = itertools.count(1)

    def charge(
        self,
        card: CardNumber,
        amount: Money,
        *,
        idempotency_key: str,
        fingerprint: str,
        description: str,
    ) -> Charge:
        if not luhn_valid(card.digits):
            raise InvalidCard("--card: the card number fails the Luhn check", field="card")
        earlier = self.by_key.get(idempotency_key)
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "this idempotency key was already used to pay for another request",
                    idempotency_key=idempotency_key,
                )
            return Charge(**{**_fields(earlier.charge), "replayed": True})
        reason = DECLINED_CARDS.get(card.digits)
        if reason is not None:
            raise PaymentDeclined(
                f"the card ({card.brand} ending {card.last4}) was declined: {reason}",
                reason=reason,
                brand=card.brand,
                last4=card.last4,
            )
        charge = Charge(self.name, f"ch_{next(self._numbers)}", card.brand, card.last4, amount)
        self.by_key[idempotency_key] = _FakeCharge(fingerprint, charge)
        return charge

    def refund(self, charge: Charge, amount: Money, *, reason: str) -> str:
        [(key, record)] = [
            (k, r)
            for k, r in [*self.by_key.items(), *enumerate(self.closed)]
            if r.charge.reference == charge.reference
        ]
        if reason not in record.refunds:
            record.refunds[reason] = (f"re_{next(self._numbers)}", amount)
        refunded = sum((a.amount for _, a in record.refunds.values()), Decimal(0))
        if isinstance(key, str) and refunded >= record.charge.amount.amount:
            # Fully refunded: the key is free again, like the real provider's ledger.
            self.closed.append(self.by_key.pop(key))
        return record.refunds[reason][0]

    def find_charge(self, idempotency_key: str) -> Charge | None:
        earlier = self.by_key.get(idempotency_key)
        return None if earlier is None else Charge(**{**_fields(earlier.charge), "replayed": True})

    def net_charged(self) -> Decimal:
        """Money taken minus money given back."""
        return sum(
            (
                r.charge.amount.amount - sum((a.amount for _, a in r.refunds.values()), Decimal(0))
                for r in [*self.by_key.values(), *self.closed]
            ),
            Decimal(0),
        )


def _fields(charge: Charge) -> dict[str, Any]:
    return {name: getattr(charge, name) for name in Charge.__dataclass_fields__}


Provider = TypeVar("Provider", bound=PaymentProvider)


class CountingPayments(Generic[Provider]):
    """Wraps a provider, counting calls, optionally running a hook after charging."""

    def __init__(self, inner: Provider) -> None:
        self.inner = inner
        self.name = inner.name
        self.charges = 0
        self.refunds = 0
        self.after_charge: Callable[[], None] | None = None

    def charge(
        self,
        card: CardNumber,
        amount: Money,
        *,
        idempotency_key: str,
        fingerprint: str,
        description: str,
    ) -> Charge:
        self.charges += 1
        result = self.inner.charge(
            card,
            amount,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            description=description,
        )
        if self.after_charge is not None:
            self.after_charge()
        return result

    def refund(self, charge: Charge, amount: Money, *, reason: str) -> str:
        self.refunds += 1
        return self.inner.refund(charge, amount, reason=reason)

    def find_charge(self, idempotency_key: str) -> Charge | None:
        return self.inner.find_charge(idempotency_key)


class FakeTicketPrinter:
    """Remembers the documents it was asked to print; the paths it gives back are not written."""

    def __init__(self, folder: Path = Path("/fake/tickets")) -> None:
        self.folder = folder
        self.printed: dict[str, ETicketDocument] = {}

    def print_tickets(self, document: ETicketDocument, folder: Path | None = None) -> ETicketFiles:
        self.printed[document.booking_id] = document
        return self._files(document.booking_id, [t.ticket_id for t in document.tickets], folder)

    def find_tickets(self, booking_id: str, ticket_ids: list[str]) -> ETicketFiles | None:
        return self._files(booking_id, ticket_ids) if booking_id in self.printed else None

    def _files(
        self, booking_id: str, ticket_ids: list[str], folder: Path | None = None
    ) -> ETicketFiles:
        where = folder or self.folder / booking_id
        return ETicketFiles(
            folder=where,
            pdf=where / f"{booking_id}.pdf",
            qr_png={t: where / f"{t}.png" for t in ticket_ids},
            qr_svg={t: where / f"{t}.svg" for t in ticket_ids},
        )


class FakeOutbox:
    """Keeps confirmation and cancellation mails in lists instead of writing ``.eml`` files."""

    def __init__(self, folder: Path = Path("/fake/outbox")) -> None:
        self.folder = folder
        self.confirmations: list[tuple[ETicketDocument, Path]] = []
        self.cancellations: list[CancellationNotice] = []
        self.wallets: list[WalletPasses | None] = []

    def write_confirmation(
        self, document: ETicketDocument, pdf: Path, wallet: WalletPasses | None = None
    ) -> Path:
        self.confirmations.append((document, pdf))
        self.wallets.append(wallet)
        return self.folder / f"{document.booking_id}.eml"

    def find_confirmation(self, booking_id: str) -> Path | None:
        sent = [d for d, _ in self.confirmations if d.booking_id == booking_id]
        return self.folder / f"{booking_id}.eml" if sent else None

    def write_cancellation(self, notice: CancellationNotice) -> Path:
        self.cancellations.append(notice)
        return self.folder / f"cancel-{len(self.cancellations)}.eml"
