"""Errors that say what to do next: why a seat is taken, and which id was probably meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from cinema_cli.domain.errors import BookingNotFound, SeatUnavailable, ShowingNotFound
from cinema_cli.domain.models import ClaimKind, SeatClaim
from cinema_cli.domain.times import person_time
from cinema_cli.services.ports.storage import Reader, ShowingQuery


def closest(wanted: str, known: Iterable[str], *, limit: int = 3) -> list[str]:
    """The known ids closest to ``wanted`` (a typo or two away), best first."""
    return difflib.get_close_matches(wanted.strip(), list(known), n=limit, cutoff=0.75)


def did_you_mean(wanted: str, known: Iterable[str]) -> str | None:
    """``did you mean 'x' or 'y'?`` for the ids closest to ``wanted``, or ``None``."""
    matches = closest(wanted, known)
    if not matches:
        return None
    quoted = [repr(match) for match in matches]
    listed = ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]
    return f"did you mean {listed}?"


def seats_taken(
    error: SeatUnavailable,
    taken: Mapping[str, SeatClaim],
    *,
    showing_id: str,
    timezone: str,
) -> SeatUnavailable:
    """``error`` told for people: each seat sold, held (until when) or blocked, and the
    command that shows the free ones."""
    labels = [str(seat) for seat in error.details.get("seats", [])]
    reasons: list[str] = []
    for seat in labels:
        claim = taken.get(seat)
        if claim is None:
            reasons.append(f"{seat} (blocked)")
        elif claim.kind is ClaimKind.SOLD:
            reasons.append(f"{seat} (sold)")
        elif claim.expires_at is not None:
            reasons.append(f"{seat} (held until {person_time(claim.expires_at, timezone)})")
        else:
            reasons.append(f"{seat} (held)")
    return SeatUnavailable(
        f"seats not available: {', '.join(reasons)}",
        seats=labels,
        hint=f"pick free seats from `cinema seats {showing_id}`",
    )


def known_booking_ids(reader: Reader) -> list[str]:
    """Every booking id, from the audit log's purchases (the store keeps no index of them)."""
    return [entry.subject for entry in reader.audit() if entry.action == "purchase"]


def booking_not_found(reader: Reader, booking_id: str, *, option: str = "") -> BookingNotFound:
    """``no booking 'b-…'``, with the closest booking ids when one is a typo away."""
    prefix = f"{option}: " if option else ""
    suggestion = did_you_mean(booking_id, known_booking_ids(reader))
    if suggestion is None:
        return BookingNotFound(f"{prefix}no booking {booking_id!r}", booking_id=booking_id)
    return BookingNotFound(
        f"{prefix}no booking {booking_id!r}", booking_id=booking_id, hint=suggestion
    )


def showing_not_found(reader: Reader, showing_id: str) -> ShowingNotFound:
    """``no showing 'x'``, with the closest showing ids, or where to find showings."""
    known = [s.id for s in reader.showings(ShowingQuery(include_cancelled=True))]
    suggestion = did_you_mean(showing_id, known)
    return ShowingNotFound(
        f"no showing {showing_id!r}",
        showing_id=showing_id,
        hint=suggestion or "find showings with `cinema search` or `cinema showtimes MOVIE`",
    )
