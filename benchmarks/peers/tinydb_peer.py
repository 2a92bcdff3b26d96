#!/usr/bin/env python3
"""The stock-TinyDB peer: what a user would write instead of cinema-cli.

A bare script on stock TinyDB (default ``JSONStorage``, one file holding every
theater, showing and sold ticket, no lock, no Typer, no pydantic) doing the two
things the benchmark compares against:

``seats FILE SHOWING_ID``
    read one showing's seat claims (sold tickets and holds live in one table, so that
    TinyDB parses the file once) and print them;
``hold FILE SHOWING_ID SEAT SESSION``
    hold one seat: check it is neither sold nor held, then insert the hold (TinyDB
    parses the file again and rewrites all of it on every write, and nothing stops
    two processes interleaving).

The peer is given its best case: the fewest table reads stock TinyDB allows.
"""

from __future__ import annotations

import sys

from tinydb import Query, TinyDB


def seat_map(path: str, showing_id: str) -> int:
    db = TinyDB(path)
    claims = db.table("tickets").search(Query().showing_id == showing_id)
    for claim in sorted(claims, key=lambda c: c["seat_id"]):
        print(f"{claim['seat_id']} {claim['status']}")
    return 0


def hold(path: str, showing_id: str, seat_id: str, session: str) -> int:
    db = TinyDB(path)
    tickets = db.table("tickets")
    seat = Query()
    if tickets.contains((seat.showing_id == showing_id) & (seat.seat_id == seat_id)):
        print(f"seat {seat_id} is taken", file=sys.stderr)
        return 4
    tickets.insert(
        {"showing_id": showing_id, "seat_id": seat_id, "booking_id": None, "status": "held",
         "session": session}
    )
    print(f"held {seat_id} for {session}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "seats":
        return seat_map(argv[1], argv[2])
    if len(argv) >= 5 and argv[0] == "hold":
        return hold(argv[1], argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
