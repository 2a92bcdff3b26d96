#!/usr/bin/env python3
"""Deterministic benchmark datasets for cinema-cli, written in the import formats.

One command builds a scale and loads it into a backend (cached: it does
nothing when the same scale, seed and generator version are already built)::

    python benchmarks/generate.py --scale M --backend json --out benchmarks/out/M-json
    python benchmarks/generate.py --scale L --backend sqlite --out benchmarks/out/L-sqlite
    python benchmarks/generate.py --scale S --backend none      # feeds only

What lands in ``--out``:

``feed/theaters.json``
    the theaters feed of ``cinema import theaters`` (cities, theaters with rooms and
    seat layouts, movies);
``feed/showtimes.csv``
    the showtimes feed of ``cinema import showtimes`` for the loaded programme;
``feed/import.csv``
    a second showtimes feed of new showings (100,000 rows at M and L) on the days after
    the loaded programme, for the import benchmark (ours and ``sqlite-utils insert``);
``data/``
    the loaded backend (the JSON backend's folder, or ``cinema.db`` for SQLite), with the
    sold tickets already in it; the benchmark runner works on a copy of it;
``peer/tinydb.json``
    the same showings and sold tickets in one stock TinyDB file (the peer);
``manifest.json``
    counts and the subjects the runner uses (a showing to show, fresh showings to
    reserve, a keyword, a city and a date that find something, the fixed "now").

Sold tickets are not bought through ``cinema buy`` (100,000 processes would take
hours): they go straight through the storage port as dump records
(:meth:`cinema_cli.services.ports.storage.Storage.load`), the format ``cinema db copy`` uses.

Everything is derived from ``random.Random`` seeded with strings, so a seed gives
the same bytes on every machine and Python version.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import orjson

GENERATOR_VERSION = 1
"""Bump when the generated data changes, so cached builds are rebuilt."""

DEFAULT_SEED = 7
FIRST_DAY = date(2030, 1, 7)
"""The first day of the programme (local). January: no DST change in any zone used."""
NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)
"""The fixed "now" of every benchmark run (``CINEMA_NOW``): just before the first day."""
SHOWINGS_PER_ROOM_DAY = 5


@dataclass(frozen=True)
class Scale:
    """How big a dataset is."""

    name: str
    cities: int
    theaters: int
    rooms_per_theater: int
    days: int
    movies: int
    tickets: int
    import_rows: int
    tinydb_peer: bool
    """Build the stock-TinyDB peer file (skipped at L: a 1,000,000-ticket TinyDB file is
    more than TinyDB is meant for, and the peer targets are defined at M)."""


SCALES = {
    "S": Scale("S", cities=1, theaters=1, rooms_per_theater=8, days=14, movies=12,
               tickets=2_000, import_rows=5_000, tinydb_peer=True),
    "M": Scale("M", cities=5, theaters=20, rooms_per_theater=10, days=30, movies=60,
               tickets=100_000, import_rows=100_000, tinydb_peer=True),
    "L": Scale("L", cities=20, theaters=200, rooms_per_theater=10, days=30, movies=300,
               tickets=1_000_000, import_rows=100_000, tinydb_peer=False),
    # The scaling curve (``run.py --curve``): 1k, 10k and 100k showings, then L (300k), with
    # L's density of about 3.3 tickets sold per showing.
    "1k": Scale("1k", cities=1, theaters=1, rooms_per_theater=10, days=20, movies=12,
                tickets=3_300, import_rows=1_000, tinydb_peer=False),
    "10k": Scale("10k", cities=5, theaters=10, rooms_per_theater=10, days=20, movies=60,
                 tickets=33_000, import_rows=1_000, tinydb_peer=False),
    "100k": Scale("100k", cities=10, theaters=100, rooms_per_theater=10, days=20, movies=200,
                  tickets=330_000, import_rows=1_000, tinydb_peer=False),
}

# id, name, country, time zone, currency. Accented names exercise accent-insensitive search.
CITIES = [
    ("new-york", "New York", "US", "America/New_York", "USD"),
    ("berlin", "Berlin", "DE", "Europe/Berlin", "EUR"),
    ("tokyo", "Tokyo", "JP", "Asia/Tokyo", "JPY"),
    ("montreal", "Montréal", "CA", "America/Toronto", "CAD"),
    ("sydney", "Sydney", "AU", "Australia/Sydney", "AUD"),
    ("chicago", "Chicago", "US", "America/Chicago", "USD"),
    ("london", "London", "GB", "Europe/London", "GBP"),
    ("zurich", "Zürich", "CH", "Europe/Zurich", "CHF"),
    ("los-angeles", "Los Angeles", "US", "America/Los_Angeles", "USD"),
    ("paris", "Paris", "FR", "Europe/Paris", "EUR"),
    ("denver", "Denver", "US", "America/Denver", "USD"),
    ("madrid", "Madrid", "ES", "Europe/Madrid", "EUR"),
    ("sao-paulo", "São Paulo", "BR", "America/Sao_Paulo", "BRL"),
    ("vienna", "Vienna", "AT", "Europe/Vienna", "EUR"),
    ("honolulu", "Honolulu", "US", "Pacific/Honolulu", "USD"),
    ("dublin", "Dublin", "IE", "Europe/Dublin", "EUR"),
    ("seattle", "Seattle", "US", "America/Los_Angeles", "USD"),
    ("auckland", "Auckland", "NZ", "Pacific/Auckland", "NZD"),
    ("lisbon", "Lisbon", "PT", "Europe/Lisbon", "EUR"),
    ("reykjavik", "Reykjavík", "IS", "Atlantic/Reykjavik", "ISK"),
]

_TITLE_A = ["Silent", "Crimson", "Last", "Golden", "Hidden", "Frozen", "Electric", "Midnight",
            "Lost", "Iron", "Velvet", "Broken", "Distant", "Wild", "Paper", "Glass", "Secret",
            "Burning", "Hollow", "Northern"]
_TITLE_B = ["Harbor", "Empire", "Train", "Garden", "Signal", "River", "Kingdom", "Letter",
            "Orchestra", "Summer", "Voyage", "Mirror", "Station", "Horizon", "Café", "Lighthouse",
            "Circus", "Detective", "Frontier", "Mountain"]
_GENRES = ["drama", "comedy", "thriller", "sci-fi", "animation", "documentary", "horror",
           "romance", "adventure", "crime"]
_RATINGS = ["G", "PG", "PG-13", "R"]
_LANGUAGES = ["en", "en", "en", "fr", "de", "ja", "es"]
_FORMATS = ["2D", "2D", "2D", "3D", "IMAX"]


# --- catalog --------------------------------------------------------------------------------------
def _row_labels(count: int) -> list[str]:
    letters = [chr(ord("A") + i) for i in range(26)]
    labels = list(letters)
    labels += [a + b for a in letters for b in letters]
    return labels[:count]


def make_layout(rng: Random, rows: int, side: int, centre: int) -> list[str]:
    """A room: two side blocks and a centre block split by aisles, short front rows,
    premium seats in the centre of the back half, wheelchair spaces with companions
    at the ends of the last row, and now and then a blocked seat."""
    layout = []
    for index, label in enumerate(_row_labels(rows)):
        # Front rows are narrower: they trim the side blocks, keeping the columns aligned.
        trim = max(0, 2 - index) if side > 2 else 0
        left = "." * trim + "s" * (side - trim)
        right = "s" * (side - trim) + "." * trim
        middle = ["s"] * centre
        if rows // 2 <= index < rows - 1:
            lo, hi = centre // 4, centre - centre // 4
            middle[lo:hi] = ["p"] * (hi - lo)
        if index == rows - 1:
            left = "wc" + left[2:]
            right = right[:-2] + "cw"
        if rng.random() < 0.05:
            middle[rng.randrange(centre)] = "x"
        layout.append(f"{label} {left}.{''.join(middle)}.{right}")
    return layout


@dataclass
class Catalog:
    """Everything of the catalog the other steps need, compactly."""

    cities: list[dict[str, Any]]
    theaters: list[dict[str, Any]]
    movies: list[dict[str, Any]]
    city_of_theater: list[int]
    # per theater: list of (room id, sellable seats [(seat id, category)], grand?)
    rooms: list[list[tuple[str, list[tuple[str, str]], bool]]]
    prices: list[tuple[str, str]]
    """Per theater: standard and premium price, as decimal strings."""


def make_catalog(scale: Scale, seed: int) -> Catalog:
    from cinema_cli.domain.layout import parse_layout

    rng = Random(f"{seed}-catalog")
    cities = [
        {"id": cid, "name": name, "country": country}
        for cid, name, country, _, _ in CITIES[: scale.cities]
    ]
    theaters: list[dict[str, Any]] = []
    city_of_theater: list[int] = []
    rooms_out: list[list[tuple[str, list[tuple[str, str]], bool]]] = []
    prices: list[tuple[str, str]] = []
    for t in range(scale.theaters):
        city_index = t % scale.cities
        cid, cname, _, zone, currency = CITIES[city_index]
        theater_id = f"t{t + 1:04d}"
        rooms = []
        seat_lists = []
        for r in range(scale.rooms_per_theater):
            if r == 0:
                # The grand room: ~500 seats, enough for the contention run (320 holds).
                layout = make_layout(rng, rows=20, side=6, centre=14)
            else:
                layout = make_layout(
                    rng, rows=rng.randint(8, 16), side=rng.randint(3, 6), centre=rng.randint(8, 14)
                )
            room_id = f"{theater_id}-r{r + 1:02d}"
            rooms.append({"id": room_id, "name": "Grand" if r == 0 else f"Room {r + 1}",
                          "layout": layout})
            sellable = [
                (seat.id, seat.category)
                for seat in parse_layout(layout)
                if not seat.blocked and seat.category in ("standard", "premium")
            ]
            seat_lists.append((room_id, sellable, r == 0))
        theaters.append({
            "id": theater_id,
            "name": f"{cname} {rng.choice(_TITLE_A)} Cinema {t + 1}",
            "city_id": cid,
            "address": f"{rng.randint(1, 999)} {rng.choice(_TITLE_B)} Street, {cname}",
            "timezone": zone,
            "currency": currency,
            "cleaning_minutes": 15,
            "business_day_cutoff": "03:00:00",  # the model's default, spelled out
            "rooms": rooms,
        })
        city_of_theater.append(city_index)
        rooms_out.append(seat_lists)
        standard, premium = 9 + rng.randrange(13) * 0.5, 4.0
        if currency in ("JPY", "ISK"):
            standard, premium = standard * 150, premium * 150
        prices.append((f"{standard:.2f}", f"{standard + premium:.2f}"))
    movies = []
    for m in range(scale.movies):
        a, b = _TITLE_A[m % len(_TITLE_A)], _TITLE_B[(m // len(_TITLE_A) + m) % len(_TITLE_B)]
        sequel = m // (len(_TITLE_A) * len(_TITLE_B))
        title = f"The {a} {b}" + (f" {sequel + 1}" if sequel else "")
        movies.append({
            "id": f"m{m + 1:04d}",
            "title": title,
            "runtime_minutes": rng.randint(80, 135),
            "rating": rng.choice(_RATINGS),
            "genres": sorted(rng.sample(_GENRES, rng.randint(1, 3))),
            "language": rng.choice(_LANGUAGES),
            "year": rng.randint(1925, 2029),
        })
    return Catalog(cities, theaters, movies, city_of_theater, rooms_out, prices)


# --- programme ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Slot:
    """One showing, compactly."""

    id: str
    theater: int
    room: int
    movie: int
    starts_at: datetime
    """Aware, in the theater's zone."""
    ends_at: datetime
    format: str


def schedule(catalog: Catalog, seed: int, *, first_day: int, prefix: str,
             limit: int | None = None, days: int | None = None) -> Iterator[Slot]:
    """Showings room by room, day by day: five a day from late morning, each starting
    after the previous one and its cleaning gap (so none overlap)."""
    rng = Random(f"{seed}-schedule-{prefix}")
    count = 0
    day = first_day
    while True:
        if days is not None and day >= first_day + days:
            return
        local_day = FIRST_DAY + timedelta(days=day)
        for t, theater in enumerate(catalog.theaters):
            zone = ZoneInfo(theater["timezone"])
            midnight = datetime(local_day.year, local_day.month, local_day.day, tzinfo=zone)
            for r in range(len(theater["rooms"])):
                minute = 10 * 60 + 30 + 15 * rng.randrange(3)
                for _ in range(SHOWINGS_PER_ROOM_DAY):
                    movie = rng.randrange(len(catalog.movies))
                    runtime = catalog.movies[movie]["runtime_minutes"]
                    starts = midnight + timedelta(minutes=minute)
                    ends = starts + timedelta(minutes=runtime + theater["cleaning_minutes"])
                    count += 1
                    yield Slot(f"{prefix}{count:07d}", t, r, movie, starts, ends,
                               rng.choice(_FORMATS))
                    if limit is not None and count >= limit:
                        return
                    # Next start: after this one and its cleaning, on a quarter hour.
                    minute += runtime + theater["cleaning_minutes"]
                    minute += (-minute) % 15 + 15 * rng.randrange(2)
        day += 1


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


CSV_COLUMNS = ["showing_id", "theater_id", "room_id", "movie_id", "starts_at", "price",
               "movie_title", "runtime_minutes", "format", "price_premium"]


def write_showtimes_csv(path: Path, catalog: Catalog, slots: Iterator[Slot]) -> list[Slot]:
    """Write a showtimes feed (local times with their UTC offset); returns the slots."""
    kept = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for slot in slots:
            theater = catalog.theaters[slot.theater]
            movie = catalog.movies[slot.movie]
            standard, premium = catalog.prices[slot.theater]
            writer.writerow([
                slot.id, theater["id"], theater["rooms"][slot.room]["id"], movie["id"],
                slot.starts_at.isoformat(timespec="seconds"), standard, movie["title"],
                movie["runtime_minutes"], slot.format, premium,
            ])
            kept.append(slot)
    return kept


def showing_record(catalog: Catalog, slot: Slot) -> dict[str, Any]:
    theater = catalog.theaters[slot.theater]
    standard, premium = catalog.prices[slot.theater]
    return {
        "id": slot.id,
        "theater_id": theater["id"],
        "room_id": theater["rooms"][slot.room]["id"],
        "movie_id": catalog.movies[slot.movie]["id"],
        "starts_at": _utc(slot.starts_at),
        "ends_at": _utc(slot.ends_at),
        "prices": {"standard": standard, "premium": premium},
        "currency": theater["currency"],
        "format": slot.format,
        "language": catalog.movies[slot.movie]["language"],
        "status": "scheduled",
    }


# --- sales ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Sale:
    """One booking, compactly: which showing, who, which seats."""

    number: int
    slot: int
    user: int
    seats: tuple[tuple[str, str], ...]


_GROUP_SIZES = [1, 2, 2, 2, 2, 3, 3, 4, 4, 5, 6]


def make_sales(catalog: Catalog, slots: list[Slot], reserved: set[int], tickets: int,
               seed: int) -> list[Sale]:
    """Bookings of adjacent seats in one row, on random showings, until ``tickets`` are sold.
    Showings in ``reserved`` are kept free for the benchmark's reservations."""
    rng = Random(f"{seed}-sales")
    users = max(1, tickets // 5)
    taken: dict[int, set[str]] = {}
    sales: list[Sale] = []
    sold = 0
    candidates = [i for i in range(len(slots)) if i not in reserved]
    while sold < tickets and candidates:
        index = candidates[rng.randrange(len(candidates))]
        slot = slots[index]
        seats = catalog.rooms[slot.theater][slot.room][1]
        size = min(rng.choice(_GROUP_SIZES), tickets - sold)
        start = rng.randrange(len(seats) - size + 1)
        block = seats[start : start + size]
        rows = {seat_id.rstrip("0123456789") for seat_id, _ in block}
        used = taken.setdefault(index, set())
        if len(rows) != 1 or any(seat_id in used for seat_id, _ in block):
            continue  # across a row end, or already sold: draw again
        used.update(seat_id for seat_id, _ in block)
        sales.append(Sale(len(sales) + 1, index, rng.randrange(users), tuple(block)))
        sold += size
    return sales


def _money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def sale_records(catalog: Catalog, slots: list[Slot], sales: list[Sale],
                 seed: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Claims, users and bookings (dump format, in :data:`RECORD_KINDS` order)."""
    from decimal import Decimal

    def ticket_id(sale: Sale, n: int) -> str:
        return f"k{sale.number:07d}-{n + 1}"

    for sale in sales:
        showing_id = slots[sale.slot].id
        booking_id = f"b{sale.number:07d}"
        for n, (seat_id, _) in enumerate(sale.seats):
            yield "claim", {
                "showing_id": showing_id, "seat_id": seat_id, "kind": "sold",
                "reservation_id": None, "session_id": None, "expires_at": None,
                "booking_id": booking_id, "ticket_id": ticket_id(sale, n),
            }
    created = _utc(NOW - timedelta(days=30))
    for user in sorted({sale.user for sale in sales}):
        yield "user", {"id": f"u{user + 1:07d}", "email": f"guest{user + 1}@example.com",
                       "name": f"Guest {user + 1}", "created_at": created}
    rng = Random(f"{seed}-codes")
    for sale in sales:
        slot = slots[sale.slot]
        theater = catalog.theaters[slot.theater]
        currency = theater["currency"]
        standard, premium = catalog.prices[slot.theater]
        booking_id = f"b{sale.number:07d}"
        tickets = []
        total = Decimal(0)
        for n, (seat_id, category) in enumerate(sale.seats):
            price = premium if category == "premium" else standard
            total += Decimal(price)
            tickets.append({
                "id": ticket_id(sale, n), "booking_id": booking_id, "showing_id": slot.id,
                "seat_id": seat_id, "category": category, "price": _money(price, currency),
                "code": f"bench-{rng.getrandbits(128):032x}", "status": "valid",
                "checked_in_at": None, "gate": None, "cancelled_at": None,
            })
        amount = f"{total:.2f}"
        yield "booking", {
            "id": booking_id,
            "user_id": f"u{sale.user + 1:07d}",
            "email": f"guest{sale.user + 1}@example.com",
            "name": f"Guest {sale.user + 1}",
            "showing_id": slot.id,
            "movie_id": catalog.movies[slot.movie]["id"],
            "reservation_id": f"res-{booking_id}",
            "seats": [seat_id for seat_id, _ in sale.seats],
            "total": _money(amount, currency),
            "payment": {"provider": "test", "reference": f"pay-{booking_id}", "brand": "visa",
                        "last4": "4242", "amount": _money(amount, currency),
                        "refunded": _money("0.00", currency)},
            "tickets": tickets,
            "status": "confirmed",
            "created_at": created,
            "idempotency_key": None,
            "refunds": [],
        }


def all_records(catalog: Catalog, slots: list[Slot], sales: list[Sale],
                seed: int) -> Iterator[tuple[str, dict[str, Any]]]:
    for city in catalog.cities:
        yield "city", city
    for theater in catalog.theaters:
        yield "theater", theater
    for movie in catalog.movies:
        yield "movie", movie
    for slot in slots:
        yield "showing", showing_record(catalog, slot)
    yield from sale_records(catalog, slots, sales, seed)


def check_records(records: Iterator[tuple[str, dict[str, Any]]], per_kind: int = 20) -> None:
    """Rebuild the first records of each kind as domain entities and check that they
    turn back into the same dict (fields it leaves out take their defaults), so the
    generator never drifts from the schema."""
    from cinema_cli.services.ports.storage import RECORD_TYPES
    from cinema_cli.storage.records import from_record, to_record

    seen: dict[str, int] = {}
    for kind, data in records:
        if seen.get(kind, 0) >= per_kind:
            continue
        seen[kind] = seen.get(kind, 0) + 1
        again = to_record(from_record(RECORD_TYPES[kind], data))
        # Fields the generator leaves out take the entity's default; the rest must agree.
        again = {key: value for key, value in again.items() if key in data}
        if again != data:
            raise SystemExit(f"generator drift in {kind}: {data!r}\n  != {again!r}")


# --- peers ----------------------------------------------------------------------------------------
def write_tinydb_peer(path: Path, catalog: Catalog, slots: list[Slot], sales: list[Sale]) -> None:
    """The same showings and sold tickets in one file of stock TinyDB (default JSONStorage)."""
    from tinydb import TinyDB

    if path.exists():
        path.unlink()
    db = TinyDB(path)
    db.table("theaters").insert_multiple(catalog.theaters)
    db.table("showings").insert_multiple(showing_record(catalog, slot) for slot in slots)
    db.table("tickets").insert_multiple(
        {"showing_id": slots[sale.slot].id, "seat_id": seat_id,
         "booking_id": f"b{sale.number:07d}", "status": "valid"}
        for sale in sales
        for seat_id, _ in sale.seats
    )
    db.close()


# --- loading --------------------------------------------------------------------------------------
PG_URL = "postgresql://127.0.0.1:5432/test"
"""The PostgreSQL server and database (``--pg-url``); each store gets a schema of its own."""


def use_pg_url(url: str) -> None:
    global PG_URL  # one server per run, chosen on the command line
    PG_URL = url


def pg_schema(data_dir: Path) -> str:
    """The dedicated schema of the store whose data folder is ``data_dir``
    (``bench_m_postgresql_data`` for the pristine M store, ``..._work_data`` for its copy)."""
    words = "_".join(data_dir.resolve().parts[-3:]).lower()
    return "bench_" + "".join(c if c.isalnum() else "_" for c in words).removeprefix("out_")


def pg_execute(*statements: str) -> list[Any]:
    """Run statements on the server (outside any store); the rows of the last."""
    import psycopg2  # the driver cinema-cli uses

    conn = psycopg2.connect(PG_URL)
    try:
        conn.autocommit = True
        rows: list[Any] = []
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                rows = cursor.fetchall() if cursor.description else []
        return rows
    finally:
        conn.close()


def pg_copy_schema(source: str, target: str) -> None:
    """A fresh copy of every table of ``source`` in ``target`` (the runner's work store)."""
    tables = [row[0] for row in pg_execute(
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = '{source}' AND table_type = 'BASE TABLE'"
    )]
    statements = [f"DROP SCHEMA IF EXISTS {target} CASCADE", f"CREATE SCHEMA {target}"]
    for table in tables:
        statements += [
            f"CREATE TABLE {target}.{table} (LIKE {source}.{table} INCLUDING ALL)",
            f"INSERT INTO {target}.{table} SELECT * FROM {source}.{table}",
        ]
    pg_execute(*statements, "ANALYZE")


def storage_url(backend: str, data_dir: Path) -> str:
    if backend == "json":
        return f"json://{data_dir.resolve()}"
    if backend == "sqlite":
        return f"sqlite:///{(data_dir / 'cinema.db').resolve()}"
    if backend == "postgresql":
        separator = "&" if "?" in PG_URL else "?"
        return f"{PG_URL}{separator}options=-csearch_path%3D{pg_schema(data_dir)}"
    raise SystemExit(f"unknown backend {backend!r} (json, sqlite, postgresql or none)")


def cinema_command() -> list[str]:
    """The installed ``cinema`` next to this interpreter, else ``python -m cinema_cli``."""
    script = Path(sys.executable).with_name("cinema")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cinema_cli"]


def load_into_backend(backend: str, data_dir: Path,
                      records: Iterator[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Create the store and load every record through the storage port."""
    from cinema_cli.storage import open_storage

    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    url = storage_url(backend, data_dir)
    if backend == "postgresql":
        schema = pg_schema(data_dir)
        pg_execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    if backend != "json":
        # SQL stores want their schema first; `cinema db upgrade` owns it.
        done = subprocess.run(
            [*cinema_command(), "--storage", url, "--data-dir", str(data_dir), "db", "upgrade"],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            print(f"  (cinema db upgrade: exit {done.returncode}: {done.stderr.strip()[:200]})")
    storage = open_storage(url, data_dir)
    try:
        return storage.load(records)
    finally:
        storage.close()


# --- the command ----------------------------------------------------------------------------------
def _storage_fingerprint(backend: str) -> str:
    """A hash of the code that decides how ``backend`` lays data out on disk: a store built
    by an older layout must not be measured as if it were the current one. Only the
    backend's own package counts (with the shared records and models), so a change to the
    JSON files does not rebuild a PostgreSQL dataset."""
    import hashlib

    import cinema_cli

    package = Path(cinema_cli.__file__).parent
    own = package / "storage" / ("json" if backend == "json" else "sql")
    digest = hashlib.sha256()
    for path in sorted([*own.glob("**/*.py"), *package.glob("storage/*.py"),
                        package / "domain" / "models.py"]):
        digest.update(str(path.relative_to(package)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _stamp(scale: Scale, seed: int, backend: str) -> dict[str, Any]:
    from cinema_cli.domain.models import SCHEMA_VERSION

    return {"generator_version": GENERATOR_VERSION, "seed": seed, "scale": scale.name,
            "backend": backend, "schema_version": SCHEMA_VERSION,
            "storage_code": _storage_fingerprint(backend) if backend != "none" else None}


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def build(scale: Scale, backend: str, out: Path, *, seed: int = DEFAULT_SEED,
          force: bool = False, log: Any = print) -> dict[str, Any]:
    """Build (or reuse) a scale in ``out``; returns the manifest."""
    stamp = _stamp(scale, seed, backend)
    manifest_path = out / "manifest.json"
    if backend == "postgresql" and not force:
        # The store lives in the server, not in ``out``: rebuild when its schema is gone.
        force = not pg_execute(
            "SELECT 1 FROM information_schema.tables "
            f"WHERE table_schema = '{pg_schema(out / 'data')}' AND table_name = 'showings'"
        )
    if not force and _read_json(out / "stamp.json") == stamp and manifest_path.exists():
        log(f"{out}: {scale.name} already built (seed {seed}, generator v{GENERATOR_VERSION})")
        manifest: dict[str, Any] = orjson.loads(manifest_path.read_bytes())
        return manifest
    (out / "stamp.json").unlink(missing_ok=True)
    started = time.perf_counter()
    feed = out / "feed"
    feed.mkdir(parents=True, exist_ok=True)

    catalog = make_catalog(scale, seed)
    (feed / "theaters.json").write_bytes(orjson.dumps(
        {"cities": catalog.cities, "theaters": catalog.theaters, "movies": catalog.movies},
        option=orjson.OPT_INDENT_2,
    ))
    slots = write_showtimes_csv(
        feed / "showtimes.csv", catalog,
        schedule(catalog, seed, first_day=0, days=scale.days, prefix="s"),
    )
    write_showtimes_csv(
        feed / "import.csv", catalog,
        schedule(catalog, seed, first_day=scale.days, limit=scale.import_rows, prefix="i"),
    )
    log(f"  feeds: {len(catalog.theaters)} theaters, {len(slots)} showings, "
        f"{scale.import_rows} import rows ({time.perf_counter() - started:.1f}s)")

    # Showings kept free of sales, for the runner: reservations and the contention runs.
    rng = Random(f"{seed}-subjects")
    grand = [i for i, s in enumerate(slots) if s.room == 0 and s.starts_at.date() > FIRST_DAY]
    normal = [i for i, s in enumerate(slots) if s.room != 0 and s.starts_at.date() > FIRST_DAY]
    contention = rng.sample(grand, 2)
    fresh = rng.sample(normal, min(80, len(normal)))
    reserved = set(contention) | set(fresh)
    sales = make_sales(catalog, slots, reserved, scale.tickets, seed)
    log(f"  sales: {len(sales)} bookings, {sum(len(s.seats) for s in sales)} tickets "
        f"({time.perf_counter() - started:.1f}s)")
    check_records(all_records(catalog, slots, sales[:50], seed))

    # A seat map worth drawing: the showing with the most tickets sold, outside the grand room.
    per_slot: dict[int, int] = {}
    for sale in sales:
        per_slot[sale.slot] = per_slot.get(sale.slot, 0) + len(sale.seats)
    busy = max((i for i in per_slot if slots[i].room != 0), key=lambda i: (per_slot[i], -i),
               default=fresh[0])
    # Search: a word of a movie's title, its city and a day on which it shows there.
    probe = slots[busy]
    movie = catalog.movies[probe.movie]
    city_id, city_name = CITIES[catalog.city_of_theater[probe.theater]][:2]

    manifest = {
        **stamp,
        "now": _utc(NOW),
        "first_day": FIRST_DAY.isoformat(),
        "counts": {
            "cities": len(catalog.cities), "theaters": len(catalog.theaters),
            "rooms": sum(len(t["rooms"]) for t in catalog.theaters),
            "movies": len(catalog.movies), "showings": len(slots),
            "bookings": len(sales), "tickets": sum(len(s.seats) for s in sales),
            "import_rows": scale.import_rows,
        },
        "search": {"keyword": movie["title"].split()[1].lower(), "city_id": city_id,
                   "city": city_name, "date": probe.starts_at.date().isoformat()},
        "showtimes": {"movie_id": movie["id"], "title": movie["title"]},
        "seats": {"showing_id": probe.id, "sold": per_slot.get(busy, 0)},
        "fresh_showings": [slots[i].id for i in fresh],
        "contention_showings": [slots[i].id for i in contention],
        "contention_seats": len(catalog.rooms[slots[contention[0]].theater][0][1]),
    }

    if scale.tinydb_peer:
        (out / "peer").mkdir(exist_ok=True)
        write_tinydb_peer(out / "peer" / "tinydb.json", catalog, slots, sales)
        log(f"  stock TinyDB peer file written ({time.perf_counter() - started:.1f}s)")

    if backend != "none":
        counts = load_into_backend(backend, out / "data",
                                   all_records(catalog, slots, sales, seed))
        manifest["loaded"] = counts
        manifest["storage_url"] = storage_url(backend, out / "data")
        log(f"  loaded into {backend}: {counts} ({time.perf_counter() - started:.1f}s)")
    manifest["build_seconds"] = round(time.perf_counter() - started, 1)
    manifest_path.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    (out / "stamp.json").write_bytes(orjson.dumps(stamp))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--backend", choices=["json", "sqlite", "postgresql", "none"],
                        default="json")
    parser.add_argument("--pg-url", default=PG_URL,
                        help=f"PostgreSQL server for --backend postgresql (default {PG_URL}); "
                             "the store goes in a schema of its own")
    parser.add_argument("--out", type=Path, help="default: benchmarks/out/<scale>-<backend>")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--force", action="store_true", help="rebuild even when cached")
    args = parser.parse_args(argv)
    use_pg_url(args.pg_url)
    out = args.out or Path(__file__).parent / "out" / f"{args.scale}-{args.backend}"
    try:
        manifest = build(SCALES[args.scale], args.backend, out, seed=args.seed, force=args.force)
    except Exception as error:  # report, do not dump a traceback on a missing backend
        print(f"error: could not build {args.scale} for {args.backend}: "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(orjson.dumps(manifest["counts"]).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
