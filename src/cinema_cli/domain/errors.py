"""The error tree of cinema-cli.

Every failure a user can cause or meet is a :class:`CinemaError` with a stable
``code`` (a snake_case string scripts may match on) and an ``exit_code`` from
:class:`ExitCode`. The CLI maps them to messages in one place
(``cinema_cli.cli.errors``); nothing else decides exit codes.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Documented process exit codes (README, "Exit codes")."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFLICT = 4
    PAYMENT_DECLINED = 5
    INVALID_INPUT = 6
    STORAGE = 7


class CinemaError(Exception):
    """Base of every expected failure; carries a stable code and an exit code."""

    code: str = "error"
    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details


# --- 3: not found -----------------------------------------------------------------------------
class NotFound(CinemaError):
    """Something named by the user does not exist."""

    code = "not_found"
    exit_code = ExitCode.NOT_FOUND


class CityNotFound(NotFound):
    """No theater is in that city."""

    code = "city_not_found"


class TheaterNotFound(NotFound):
    """No theater has that id."""

    code = "theater_not_found"


class RoomNotFound(NotFound):
    """The theater has no room with that id."""

    code = "room_not_found"


class MovieNotFound(NotFound):
    """No movie has that id or title."""

    code = "movie_not_found"


class AmbiguousMovie(NotFound):
    """A title matches several movies; the details list the candidates."""

    code = "ambiguous_movie"


class ShowingNotFound(NotFound):
    """No showing has that id."""

    code = "showing_not_found"


class SeatNotFound(NotFound):
    """The room has no seat with that label."""

    code = "seat_not_found"


class ReservationNotFound(NotFound):
    """No live reservation has that id for that session."""

    code = "reservation_not_found"


class BookingNotFound(NotFound):
    """No booking has that id."""

    code = "booking_not_found"


class TicketNotFound(NotFound):
    """No ticket has that id."""

    code = "ticket_not_found"


class KeyNotFound(NotFound):
    """No ticket signing key has that id."""

    code = "key_not_found"


# --- 4: conflict ------------------------------------------------------------------------------
class Conflict(CinemaError):
    """The request is valid but the current state forbids it."""

    code = "conflict"
    exit_code = ExitCode.CONFLICT


class SeatUnavailable(Conflict):
    """One or more seats are held by another session, sold or blocked."""

    code = "seat_unavailable"


class NotEnoughSeats(Conflict):
    """No block of that many free seats exists in that category."""

    code = "not_enough_seats"


class HoldExpired(Conflict):
    """The reservation's hold has expired; its seats may belong to someone else now."""

    code = "hold_expired"


class IdempotencyKeyReused(Conflict):
    """The idempotency key was used before for a different request."""

    code = "idempotency_key_reused"


class ShowingNotBookable(Conflict):
    """The showing is cancelled or has already started."""

    code = "showing_not_bookable"


class AlreadyCheckedIn(Conflict):
    """The ticket was used before (details say when and at which gate)."""

    code = "already_checked_in"


class NotValidNow(Conflict):
    """The ticket is genuine but outside its validity window."""

    code = "not_valid_now"


class TicketRevoked(Conflict):
    """The ticket was cancelled or revoked."""

    code = "ticket_revoked"


class CancellationClosed(Conflict):
    """The showing's cancellation deadline has passed."""

    code = "cancellation_closed"


class CompanionSeatRestricted(Conflict):
    """Companion seats are sold only with their wheelchair space until shortly before the start."""

    code = "companion_seat_restricted"


class SeatsInUse(Conflict):
    """A change would remove, renumber or move seats or showings with tickets sold."""

    code = "seats_in_use"


# --- 5: payment -------------------------------------------------------------------------------
class PaymentDeclined(CinemaError):
    """The payment provider declined the card."""

    code = "payment_declined"
    exit_code = ExitCode.PAYMENT_DECLINED


# --- 6: invalid input -------------------------------------------------------------------------
class InvalidInput(CinemaError):
    """An argument, option or data row is malformed; the message names it."""

    code = "invalid_input"
    exit_code = ExitCode.INVALID_INPUT


class InvalidCard(InvalidInput):
    """The card number is malformed or fails the Luhn check."""

    code = "invalid_card"


class InvalidEmail(InvalidInput):
    """The e-mail address is malformed."""

    code = "invalid_email"


class TooManySeats(InvalidInput):
    """More seats than one reservation may hold."""

    code = "too_many_seats"


class InvalidTicket(InvalidInput):
    """The ticket code is not one we issued (deliberately vague)."""

    code = "invalid_ticket"


class KeySecretError(InvalidInput):
    """The ticket signing key secret is missing or wrong (the message names the variable)."""

    code = "key_secret"


class InvalidFeed(InvalidInput):
    """An import feed has invalid rows; details list them (line, field, message)."""

    code = "invalid_feed"


# --- 1: environment (not the user's input) ------------------------------------------------
class MissingExtra(CinemaError):
    """An optional feature needs a package that is not installed (details give the hint)."""

    code = "missing_extra"
    exit_code = ExitCode.UNEXPECTED


class DeliveryFailed(CinemaError):
    """Some e-mails could not be sent (the mail server refused them or could not be reached);
    they stay queued. An outside system failing, like a database that is down: exit 7."""

    code = "delivery_failed"
    exit_code = ExitCode.STORAGE


# --- 7: storage -------------------------------------------------------------------------------
class StorageError(CinemaError):
    """The data store cannot be used safely; nothing was written."""

    code = "storage_error"
    exit_code = ExitCode.STORAGE


class LockTimeout(StorageError):
    """Another process held the data lock for longer than the allowed wait."""

    code = "lock_timeout"


class StorageBusy(StorageError):
    """Concurrent commands kept colliding on the same rows (deadlocks or serialization
    failures) after a bounded number of retries; nothing of this command was written."""

    code = "storage_busy"


class CorruptData(StorageError):
    """A data file is truncated or not valid JSON; it is left untouched."""

    code = "corrupt_data"


class UnknownSchema(StorageError):
    """The data was written by a newer (or unknown) version of cinema-cli."""

    code = "unknown_schema"


class SchemaOutdated(StorageError):
    """The database schema is older than this cinema-cli (``cinema db upgrade`` fixes it)."""

    code = "schema_outdated"


class StorageUnavailable(StorageError):
    """The database cannot be reached or the storage URL is wrong."""

    code = "storage_unavailable"


class FileSystemError(StorageError):
    """A file or folder cannot be read or written: a full disk, a read-only mount, a missing
    folder, no permission, a refused symbolic link. ``details["path"]`` names it; ``code`` says
    which (``disk_full``, ``read_only``, ``permission_denied``, ``folder_missing``,
    ``symlink_refused``, ``file_system_error``)."""

    code = "file_system_error"
