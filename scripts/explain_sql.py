"""EXPLAIN the search, showtimes and seat-map queries exactly as SqlStorage sends them.

Usage: python scripts/explain_sql.py URL   (a database filled by a benchmark; the
queries look for city c7, movie m5 and the day 2026-11-21, as the scale-L data has.)
PostgreSQL gets EXPLAIN ANALYZE, SQLite EXPLAIN QUERY PLAN. Output goes to docs/sql.md.
"""

import re
import sys
from datetime import UTC, datetime, timedelta

from cinema_cli.services.ports.storage import ShowingQuery
from cinema_cli.storage.sql import SqlStorage

url = sys.argv[1]
s = SqlStorage(url)
db = s._database()
captured = []
real_rows = db.rows


def spy(sql, params=None):
    captured.append((sql, params))
    return real_rows(sql, params)


db.rows = spy  # type: ignore[method-assign]
now = datetime(2026, 11, 20, 15, tzinfo=UTC)
day = datetime(2026, 11, 21, 5, tzinfo=UTC)
ths = s.theaters("c7")
sh = s.showings(
    ShowingQuery(
        theater_ids=frozenset(t.id for t in ths),
        starts_from=day,
        starts_before=day + timedelta(days=1),
    )
)
s.seats_taken([x.id for x in sh], now)
s.showings(
    ShowingQuery(
        movie_ids=frozenset({"m5"}), starts_from=day, starts_before=day + timedelta(days=7)
    )
)
s.claims(sh[0].id)
db.rows = real_rows  # type: ignore[method-assign]
names = [
    "theaters of a city",
    "rooms of a city's theaters",
    "search: showings of a city on a day",
    "search: seats taken",
    "showtimes: a movie's showings in a week",
    "seat map: claims of a showing",
]
for name, (sql, params) in zip(names, captured, strict=True):
    prefix = (
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
        if s.dialect == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    plan = db.rows(prefix + sql, params)
    shown = re.sub(r"(:[a-z]+)0, [^)]*, (:[a-z]+\d+)", r"\g<1>0, ..., \2", sql)
    print(f"-- {name}\n-- {shown}")
    for row in plan:
        line = str(row[-1] if s.dialect == "sqlite" else row[0])
        print(re.sub(r"'\{([^}]{40})[^}]*\}'", r"'{\1...}'", line))
    print()
