"""Time the storage calls of search/showtimes/seats/reserve: python scripts/sql_commands_bench.py CMD URL."""

import sys
from datetime import UTC, datetime, timedelta

import cinema_cli.cli.app  # noqa: F401  - typer and every command's registration, as a real run
from cinema_cli.services.ports.storage import ShowingQuery
from cinema_cli.storage.sql import SqlStorage

cmd, url = sys.argv[1], sys.argv[2]
now = datetime(2026, 11, 20, 15, tzinfo=UTC)
day = datetime(2026, 11, 21, 5, tzinfo=UTC)
s = SqlStorage(url)
if cmd == "search":
    ths = s.theaters("c7")
    sh = s.showings(
        ShowingQuery(
            theater_ids=frozenset(t.id for t in ths),
            starts_from=day,
            starts_before=day + timedelta(days=1),
        )
    )
    movies = {m.id: m for m in s.movies()}
    taken = s.seats_taken([x.id for x in sh], now)
    out = len(sh)
elif cmd == "showtimes":
    sh = s.showings(
        ShowingQuery(
            movie_ids=frozenset({"m5"}), starts_from=day, starts_before=day + timedelta(days=7)
        )
    )
    ths = {t.id: t for t in s.theaters()}
    taken = s.seats_taken([x.id for x in sh], now)
    out = len(sh)
elif cmd == "seats":
    x = s.showing("s17-20-2-3")
    t = s.theater(x.theater_id)
    c = s.claims(x.id)
    out = len(c)
elif cmd == "reserve":
    import uuid
    from decimal import Decimal

    from cinema_cli.domain.models import ClaimKind, Money, Reservation, SeatClaim

    rid = uuid.uuid4().hex
    with s.transaction() as tx:
        x = tx.showing("s17-21-2-3")
        t = tx.theater(x.theater_id)
        c = tx.claims(x.id)
        taken = {cl.seat_id for cl in c if cl.is_live(now)}
        free = [seat.id for seat in t.room(x.room_id).seats if seat.id not in taken][:2]
        tx.claim_seats(
            x.id,
            [
                SeatClaim(
                    showing_id=x.id,
                    seat_id=f,
                    kind=ClaimKind.HOLD,
                    reservation_id=rid,
                    session_id="s",
                    expires_at=now + timedelta(minutes=1),
                )
                for f in free
            ],
            now=now + timedelta(days=1),
        )
        tx.put_reservation(
            Reservation(
                id=rid,
                session_id="s",
                showing_id=x.id,
                movie_id=x.movie_id,
                seats=free,
                created_at=now,
                expires_at=now + timedelta(minutes=1),
                total=Money(Decimal("25"), "USD"),
            )
        )
    out = free
print(cmd, out)
