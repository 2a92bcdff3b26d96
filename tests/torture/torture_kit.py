"""Helpers of the torture suite: the figures it prints, store audits, workload output."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKLOAD = Path(__file__).with_name("workload.py")


class Tally:
    """Figures collected by the tests, printed once at the end of the run."""

    def __init__(self) -> None:
        self.sections: dict[str, Counter[str]] = {}

    def add(self, section: str, **counts: int) -> None:
        self.sections.setdefault(section, Counter()).update(counts)


@dataclass
class StoreAudit:
    """What a store holds, read back through the port after the torture."""

    records: Counter[str] = field(default_factory=Counter)
    showings: set[str] = field(default_factory=set)
    reservations: dict[str, dict[str, Any]] = field(default_factory=dict)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    claims: list[dict[str, Any]] = field(default_factory=list)

    def tickets(self) -> dict[str, dict[str, Any]]:
        return {t["id"]: t for b in self.bookings.values() for t in b["tickets"]}


def audit_store(url: str, data_dir: Path) -> StoreAudit:
    """Load every record (the data must load) and check the invariants that hold at any
    moment: at most one claim per seat, sold claims match live tickets one to one, every
    hold belongs to a stored reservation that lists the seat, counts add up."""
    from cinema_cli.storage import open_storage

    storage = open_storage(url, data_dir, lock_timeout=60)
    try:
        audit = StoreAudit()
        for kind, data in storage.dump():
            audit.records[kind] += 1
            if kind == "showing":
                audit.showings.add(data["id"])
            elif kind == "reservation":
                audit.reservations[data["id"]] = data
            elif kind == "booking":
                audit.bookings[data["id"]] = data
            elif kind == "claim":
                audit.claims.append(data)
        per_seat = Counter((c["showing_id"], c["seat_id"]) for c in audit.claims)
        doubles = {seat: n for seat, n in per_seat.items() if n > 1}
        assert not doubles, f"seats claimed twice: {doubles}"
        live = Counter(
            (t["showing_id"], t["seat_id"])
            for t in audit.tickets().values()
            if t["status"] in ("valid", "used")
        )
        sold_twice = {seat: n for seat, n in live.items() if n > 1}
        assert not sold_twice, f"seats sold twice: {sold_twice}"
        sold = {
            (c["showing_id"], c["seat_id"]): c["ticket_id"]
            for c in audit.claims
            if c["kind"] == "sold"
        }
        tickets = audit.tickets()
        for seat, ticket_id in sold.items():
            ticket = tickets.get(ticket_id)
            assert ticket is not None, f"sold claim {seat} has no ticket {ticket_id}"
            assert ticket["status"] in ("valid", "used"), f"claim kept for {ticket}"
            assert (ticket["showing_id"], ticket["seat_id"]) == seat
        assert set(sold) == set(live), "sold claims and live tickets differ"
        for claim in audit.claims:
            if claim["kind"] == "hold":
                reservation = audit.reservations.get(claim["reservation_id"])
                assert reservation is not None, f"hold without reservation: {claim}"
                assert claim["seat_id"] in reservation["seats"]
        for reservation in audit.reservations.values():
            for seat in reservation["seats"]:
                assert per_seat[(reservation["showing_id"], seat)] == 1, (
                    f"reservation {reservation['id']} lost its hold on {seat}"
                )
        counted = storage.sold_counts(audit.showings)
        for showing_id, count in counted.items():
            expected = sum(1 for (s, _) in live if s == showing_id)
            assert count == expected, f"sold_counts({showing_id}) = {count}, tickets say {expected}"
        return audit
    finally:
        storage.close()


def parse_acks(lines: Iterable[str]) -> list[list[str]]:
    """The ``ack ...`` lines of a workload's output, split into words."""
    return [line.split()[1:] for line in lines if line.startswith("ack ")]
