"""Fill a SQL store with scale-L data. Usage: python scripts/sql_scale_l.py URL DAYS BOOKINGS (L: 60 500000)."""

import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cinema_cli.domain.models import *
from cinema_cli.storage.sql import SqlStorage
from cinema_cli.storage.sql.statements import BOOKING_SQL, CLAIM_SQL, TICKET_SQL

url = sys.argv[1]
t0 = time.time()
s = SqlStorage(url)
start = datetime(2026, 11, 1, tzinfo=UTC)
cities = [City(id=f"c{i}", name=f"City {i:02}", country="US") for i in range(50)]
layout = [f"{chr(65 + r)} " + "s" * 20 for r in range(12)]
theaters = [
    Theater(
        id=f"t{c}-{k}",
        name=f"Theater {c}-{k}",
        city_id=f"c{c}",
        timezone="America/New_York",
        rooms=[Room(id=f"r{n}", name=f"Room {n}", layout=layout) for n in range(5)],
    )
    for c in range(50)
    for k in range(4)
]
movies = [Movie(id=f"m{i}", title=f"Movie {i:03}", runtime_minutes=120) for i in range(120)]
showings = []
for ti, t in enumerate(theaters):
    for day in range(int(sys.argv[2])):
        for room in range(5):
            for slot in range(5):  # 200*60*25 = 300k
                st = start + timedelta(days=day, hours=12 + slot * 2.5)
                showings.append(
                    Showing(
                        id=f"s{ti}-{day}-{room}-{slot}",
                        theater_id=t.id,
                        room_id=f"r{room}",
                        movie_id=f"m{(ti + day + slot) % 120}",
                        starts_at=st,
                        ends_at=st + timedelta(hours=2),
                        prices={SeatCategory.STANDARD: Decimal("12.50")},
                        currency="USD",
                    )
                )
with s.transaction() as tx:
    for c in cities:
        tx.put_city(c)
    for t in theaters:
        tx.put_theater(t)
    tx.put_movies(movies)
    tx.put_showings(showings)
print("catalog", len(showings), time.time() - t0, flush=True)
codec = s._codec()
money = Money(amount=Decimal("12.50"), currency="USD")
pay = Payment(
    provider="fake",
    reference="p",
    brand="visa",
    last4="4242",
    amount=money,
    refunded=Money(Decimal("0"), "USD"),
)
n_bookings = int(sys.argv[3])
step = len(showings) // n_bookings or 1
with s.transaction() as tx:
    db = tx._db
    b_rows, t_rows, c_rows = [], [], []
    for i in range(n_bookings):
        sh = showings[(i * 7919) % len(showings)]
        seats = [
            f"{chr(65 + (i // len(showings)) % 12)}{1 + 2 * ((i // len(showings)) // 12)}",
            f"{chr(65 + (i // len(showings)) % 12)}{2 + 2 * ((i // len(showings)) // 12)}",
        ]
        bid = f"b{i}"
        tickets = [
            Ticket(
                id=f"{bid}-{k}",
                booking_id=bid,
                showing_id=sh.id,
                seat_id=seat,
                category=SeatCategory.STANDARD,
                price=money,
                code="x",
            )
            for k, seat in enumerate(seats)
        ]
        bk = Booking(
            id=bid,
            user_id="u",
            email=f"user{i % 50000}@example.com",
            name="N",
            showing_id=sh.id,
            movie_id=sh.movie_id,
            reservation_id="r",
            seats=seats,
            total=money,
            payment=pay,
            tickets=tickets,
            created_at=start,
        )
        b_rows.append(codec.booking_params(bk))
        for k, t in enumerate(tickets):
            t_rows.append(codec.ticket_params(t, k))
            c_rows.append(
                codec.claim_params(
                    sh.id,
                    SeatClaim(
                        showing_id=sh.id,
                        seat_id=t.seat_id,
                        kind=ClaimKind.SOLD,
                        booking_id=bid,
                        ticket_id=t.id,
                    ),
                )
            )
        if len(b_rows) >= 20000:
            db.run_many(BOOKING_SQL, b_rows)
            db.run_many(TICKET_SQL, t_rows)
            db.run_many(CLAIM_SQL, c_rows)
            b_rows, t_rows, c_rows = [], [], []
    db.run_many(BOOKING_SQL, b_rows)
    db.run_many(TICKET_SQL, t_rows)
    db.run_many(CLAIM_SQL, c_rows)
print("bookings", time.time() - t0, flush=True)
s._db.run("ANALYZE")
s._db.commit() if False else None
print(s.counts())
