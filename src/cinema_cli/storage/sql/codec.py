"""Rows <-> models. Stored data is trusted: entities are built directly, not validated again."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

import orjson

from cinema_cli.domain.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    City,
    ClaimKind,
    IdempotencyRecord,
    Money,
    Movie,
    Payment,
    Refund,
    Reservation,
    Room,
    SeatCategory,
    SeatClaim,
    Showing,
    ShowingStatus,
    Theater,
    Ticket,
    TicketStatus,
    User,
)
from cinema_cli.storage.sql.driver import Database, Params, Row


def dumps(value: Any) -> str:
    """JSON text for a TEXT column (lists, prices, audit details)."""
    return orjson.dumps(value).decode()


# msgspec (behind storage.records) is loaded only by the paths that need it (refunds,
# dump, load), so that search and seat maps do not pay for its import.
def _record(entity: Any) -> dict[str, Any]:
    from cinema_cli.storage.records import to_record

    return to_record(entity)


def _refunds(text: str) -> list[Refund]:
    if text == "[]":
        return []
    from cinema_cli.storage.records import from_record

    return [from_record(Refund, item) for item in orjson.loads(text)]


class Codec:
    """Turns rows into trusted models and models into parameters, for one dialect."""

    def __init__(self, db: Database) -> None:
        self.ts_in = db.ts_in
        self.ts_out = db.ts_out
        self.amount_in = db.amount_in
        self.amount_out = db.amount_out

    def opt_ts_in(self, value: datetime | None) -> Any:
        return None if value is None else self.ts_in(value)

    def opt_ts_out(self, value: Any) -> datetime | None:
        return None if value is None else self.ts_out(value)

    # -- models from rows ------------------------------------------------------------------------
    @staticmethod
    def city(r: Row) -> City:
        return City(id=r[0], name=r[1], country=r[2])

    @staticmethod
    def theater(r: Row, rooms: list[Room]) -> Theater:
        return Theater(
            id=r[0], name=r[1], city_id=r[2], address=r[3], timezone=r[4], currency=r[5],
            cleaning_minutes=r[6], business_day_cutoff=time.fromisoformat(r[7]), rooms=rooms,
        )  # fmt: skip

    @staticmethod
    def room(r: Row) -> Room:
        return Room(id=r[0], name=r[1], layout=orjson.loads(r[2]))

    @staticmethod
    def movie(r: Row) -> Movie:
        return Movie(
            id=r[0], title=r[1], runtime_minutes=r[2], rating=r[3], genres=orjson.loads(r[4]),
            language=r[5], year=r[6],
        )  # fmt: skip

    def showing(self, r: Row) -> Showing:
        prices = {SeatCategory(k): Decimal(v) for k, v in orjson.loads(r[6]).items()}
        return Showing(
            id=r[0], theater_id=r[1], room_id=r[2], movie_id=r[3], starts_at=self.ts_out(r[4]),
            ends_at=self.ts_out(r[5]), prices=prices, currency=r[7], format=r[8],
            language=r[9], status=ShowingStatus(r[10]),
        )  # fmt: skip

    def claim(self, r: Row) -> SeatClaim:
        return SeatClaim(
            showing_id=r[0], seat_id=r[1], kind=ClaimKind(r[2]), reservation_id=r[3],
            session_id=r[4], expires_at=self.opt_ts_out(r[5]), booking_id=r[6], ticket_id=r[7],
        )  # fmt: skip

    def reservation(self, r: Row) -> Reservation:
        return Reservation(
            id=r[0], session_id=r[1], showing_id=r[2], movie_id=r[3], seats=orjson.loads(r[4]),
            created_at=self.ts_out(r[5]), expires_at=self.ts_out(r[6]),
            total=self.money(r[7], r[8]),
        )  # fmt: skip

    def money(self, amount: Any, currency: str) -> Money:
        return Money(amount=self.amount_out(amount), currency=currency)

    def user(self, r: Row) -> User:
        return User(id=r[0], email=r[1], name=r[2], created_at=self.ts_out(r[3]))

    def ticket(self, r: Row) -> Ticket:
        return Ticket(
            id=r[0], booking_id=r[1], showing_id=r[2], seat_id=r[3],
            category=SeatCategory(r[4]), price=self.money(r[5], r[6]), code=r[7],
            status=TicketStatus(r[8]), checked_in_at=self.opt_ts_out(r[9]), gate=r[10],
            cancelled_at=self.opt_ts_out(r[11]),
        )  # fmt: skip

    def booking(self, r: Row, tickets: list[Ticket]) -> Booking:
        payment = Payment(
            provider=r[10], reference=r[11], brand=r[12], last4=r[13],
            amount=self.money(r[14], r[15]), refunded=self.money(r[16], r[17]),
        )  # fmt: skip
        refunds = _refunds(r[21])
        return Booking(
            id=r[0], user_id=r[1], email=r[2], name=r[3], showing_id=r[4], movie_id=r[5],
            reservation_id=r[6], seats=orjson.loads(r[7]), total=self.money(r[8], r[9]),
            payment=payment, tickets=tickets, status=BookingStatus(r[18]),
            created_at=self.ts_out(r[19]), idempotency_key=r[20], refunds=refunds,
        )  # fmt: skip

    def idempotency(self, r: Row) -> IdempotencyRecord:
        return IdempotencyRecord(
            key=r[0], fingerprint=r[1], booking_id=r[2], created_at=self.ts_out(r[3])
        )

    def audit(self, r: Row) -> AuditEntry:
        return AuditEntry(
            id=r[0], at=self.ts_out(r[1]), actor=r[2], action=r[3], subject=r[4],
            details=orjson.loads(r[5]),
        )  # fmt: skip

    # -- parameters from models ------------------------------------------------------------------
    @staticmethod
    def city_params(city: City) -> Params:
        return {"id": city.id, "name": city.name, "country": city.country}

    @staticmethod
    def theater_params(t: Theater) -> Params:
        return {
            "id": t.id, "name": t.name, "city_id": t.city_id, "address": t.address,
            "timezone": t.timezone, "currency": t.currency,
            "cleaning_minutes": t.cleaning_minutes,
            "business_day_cutoff": t.business_day_cutoff.isoformat(timespec="minutes"),
        }  # fmt: skip

    @staticmethod
    def movie_params(m: Movie) -> Params:
        return {
            "id": m.id, "title": m.title, "runtime_minutes": m.runtime_minutes,
            "rating": m.rating, "genres": dumps(list(m.genres)), "language": m.language,
            "year": m.year,
        }  # fmt: skip

    def showing_params(self, s: Showing) -> Params:
        prices = {str(k): f"{v}" for k, v in s.prices.items()}
        return {
            "id": s.id, "theater_id": s.theater_id, "room_id": s.room_id,
            "movie_id": s.movie_id, "starts_at": self.ts_in(s.starts_at),
            "ends_at": self.ts_in(s.ends_at), "prices": dumps(prices), "currency": s.currency,
            "format": s.format, "language": s.language, "status": str(s.status),
        }  # fmt: skip

    def claim_params(self, showing_id: str, c: SeatClaim) -> Params:
        return {
            "showing_id": showing_id, "seat_id": c.seat_id, "kind": str(c.kind),
            "reservation_id": c.reservation_id, "session_id": c.session_id,
            "expires_at": self.opt_ts_in(c.expires_at), "booking_id": c.booking_id,
            "ticket_id": c.ticket_id,
        }  # fmt: skip

    def reservation_params(self, r: Reservation) -> Params:
        return {
            "id": r.id, "session_id": r.session_id, "showing_id": r.showing_id,
            "movie_id": r.movie_id, "seats": dumps(list(r.seats)),
            "created_at": self.ts_in(r.created_at), "expires_at": self.ts_in(r.expires_at),
            "total_amount": self.amount_in(r.total.amount), "currency": r.total.currency,
        }  # fmt: skip

    def user_params(self, u: User) -> Params:
        return {
            "id": u.id, "email": u.email, "email_key": u.email.lower(), "name": u.name,
            "created_at": self.ts_in(u.created_at),
        }  # fmt: skip

    def booking_params(self, b: Booking) -> Params:
        p = b.payment
        return {
            "id": b.id, "user_id": b.user_id, "email": b.email, "email_key": b.email.lower(),
            "name": b.name, "showing_id": b.showing_id, "movie_id": b.movie_id,
            "reservation_id": b.reservation_id, "seats": dumps(list(b.seats)),
            "total_amount": self.amount_in(b.total.amount), "currency": b.total.currency,
            "payment_provider": p.provider, "payment_reference": p.reference,
            "payment_brand": p.brand, "payment_last4": p.last4,
            "payment_amount": self.amount_in(p.amount.amount),
            "payment_currency": p.amount.currency,
            "refunded_amount": self.amount_in(p.refunded.amount),
            "refunded_currency": p.refunded.currency, "status": str(b.status),
            "created_at": self.ts_in(b.created_at), "idempotency_key": b.idempotency_key,
            "refunds": dumps([_record(r) for r in b.refunds]) if b.refunds else "[]",
        }  # fmt: skip

    def ticket_params(self, t: Ticket, ordinal: int) -> Params:
        return {
            "id": t.id, "booking_id": t.booking_id, "ordinal": ordinal,
            "showing_id": t.showing_id, "seat_id": t.seat_id, "category": str(t.category),
            "price_amount": self.amount_in(t.price.amount), "price_currency": t.price.currency,
            "code": t.code, "status": str(t.status),
            "checked_in_at": self.opt_ts_in(t.checked_in_at), "gate": t.gate,
            "cancelled_at": self.opt_ts_in(t.cancelled_at),
        }  # fmt: skip

    def idempotency_params(self, r: IdempotencyRecord) -> Params:
        return {
            "idempotency_key": r.key, "fingerprint": r.fingerprint, "booking_id": r.booking_id,
            "created_at": self.ts_in(r.created_at),
        }  # fmt: skip

    def audit_params(self, e: AuditEntry) -> Params:
        return {
            "id": e.id, "happened_at": self.ts_in(e.at), "actor": e.actor, "action": e.action,
            "subject": e.subject, "details": dumps(e.details),
        }  # fmt: skip
