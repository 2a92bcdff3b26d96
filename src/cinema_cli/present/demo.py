"""The ``demo`` report's shape."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing_extensions import TypedDict  # pydantic reads these on 3.11

from cinema_cli.present.booking import BookingShape, PurchaseShape, booking, purchase

if TYPE_CHECKING:
    from cinema_cli.services.demo import DemoResult


class DemoCounts(TypedDict):
    cities: int
    theaters: int
    movies: int
    showings: int


class DemoDays(TypedDict):
    first: str
    """The first theater-local day with demo showings (``YYYY-MM-DD``)."""
    last: str


class DemoShape(TypedDict):
    storage: str
    """The storage URL the demo went into."""
    changed: bool
    written: DemoCounts
    totals: DemoCounts
    skipped_showings: list[str]
    """Demo showings left out because their rooms are in use then."""
    days: DemoDays
    example_showing: str | None
    booking: PurchaseShape | BookingShape | None
    """The demo booking: as ``buy`` gives it when this run made it, else as ``booking``."""
    booked: bool
    """True when this run made the demo booking."""
    next: list[str]
    """Commands to try next."""


def _counts(values: dict[str, int]) -> DemoCounts:
    return {
        "cities": values["cities"],
        "theaters": values["theaters"],
        "movies": values["movies"],
        "showings": values["showings"],
    }


def demo(result: DemoResult) -> DemoShape:
    """The ``demo --json`` shape."""
    made: PurchaseShape | BookingShape | None = None
    if result.new_booking is not None:
        made = purchase(result.new_booking)
    elif result.earlier_booking is not None:
        made = booking(result.earlier_booking)
    return {
        "storage": result.storage_url,
        "changed": result.changed,
        "written": _counts(result.written),
        "totals": _counts(result.totals),
        "skipped_showings": result.skipped,
        "days": {"first": result.first_day.isoformat(), "last": result.last_day.isoformat()},
        "example_showing": result.example_showing.id if result.example_showing else None,
        "booking": made,
        "booked": result.booked,
        "next": result.next_steps(),
    }
