"""Check-in at the door: the service over both the fake and the JSON backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from builders import NOW
from cinema_cli.adapters.signing import Ed25519TicketCodes, PublicKeyVerifier
from cinema_cli.domain.errors import (
    AlreadyCheckedIn,
    InvalidInput,
    InvalidTicket,
    NotValidNow,
    TicketNotFound,
    TicketRevoked,
)
from cinema_cli.domain.models import TicketStatus
from cinema_cli.present.tickets import checkin_view
from cinema_cli.services.checkin import check_in, check_offline
from cinema_cli.storage.json import JsonStorage
from fakes import FakeStorage
from ticket_support import DOORS_OPEN, SHOW_STARTS, keyring, sell, stock


@pytest.fixture(params=["fake", "json"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    store: Any = FakeStorage() if request.param == "fake" else JsonStorage(tmp_path / "data")
    stock(store)
    return store


@pytest.fixture
def codes(tmp_path: Path) -> Ed25519TicketCodes:
    return Ed25519TicketCodes(keyring(tmp_path / "data"))


def at(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant


def test_a_genuine_ticket_is_admitted_once_and_marked_used(
    storage: Any, codes: Ed25519TicketCodes
) -> None:
    booking = sell(storage, codes)
    code = booking.tickets[0].code
    result = check_in(storage, at(DOORS_OPEN), codes, code, gate="north")
    assert result.ticket.status is TicketStatus.USED
    view = checkin_view(result)
    assert view["status"] == "admitted"
    assert view["seat"] == "A1"
    assert view["gate"] == "north"
    shown: dict[str, Any] = dict(view["showing"])
    assert shown["id"] == "s1"
    assert shown["theater"]["id"] == "babylon"
    assert view["checked_in_at"] == "2026-11-24T17:30:00Z"
    stored = storage.ticket(booking.tickets[0].id)
    assert stored.status is TicketStatus.USED
    assert stored.gate == "north"
    assert storage.ticket(booking.tickets[1].id).status is TicketStatus.VALID

    with pytest.raises(AlreadyCheckedIn) as again:
        check_in(storage, at(DOORS_OPEN + timedelta(minutes=5)), codes, code, gate="south")
    assert again.value.details["gate"] == "north"
    assert again.value.details["checked_in_at"] == "2026-11-24T17:30:00Z"
    assert "north" in again.value.message


def test_check_in_is_written_to_the_audit_log(storage: Any, codes: Ed25519TicketCodes) -> None:
    booking = sell(storage, codes)
    check_in(storage, at(DOORS_OPEN), codes, booking.tickets[1].code, gate="G1", actor="door")
    [entry] = [e for e in storage.audit(subject=booking.id) if e.action == "checkin"]
    assert entry.actor == "door"
    assert entry.details == {
        "ticket_id": booking.tickets[1].id,
        "showing_id": "s1",
        "seat": "A2",
        "gate": "G1",
    }


@pytest.mark.parametrize(
    "instant",
    [SHOW_STARTS - timedelta(hours=2, minutes=1), SHOW_STARTS + timedelta(minutes=153)],
    ids=["too-early", "after-the-end"],
)
def test_outside_its_window_a_ticket_is_not_valid_now(
    storage: Any, codes: Ed25519TicketCodes, instant: datetime
) -> None:
    booking = sell(storage, codes)
    with pytest.raises(NotValidNow) as refused:
        check_in(storage, at(instant), codes, booking.tickets[0].code)
    assert refused.value.details["valid_from"] == "2026-11-24T16:00:00Z"
    assert storage.ticket(booking.tickets[0].id).status is TicketStatus.VALID


def test_exactly_two_hours_before_the_start_the_door_opens(
    storage: Any, codes: Ed25519TicketCodes
) -> None:
    booking = sell(storage, codes)
    doors_open = SHOW_STARTS - timedelta(hours=2)
    result = check_in(storage, at(doors_open), codes, booking.tickets[0].code)
    assert result.ticket.status is TicketStatus.USED
    assert result.ticket.checked_in_at == doors_open
    assert storage.ticket(booking.tickets[0].id).status is TicketStatus.USED


def test_a_cancelled_ticket_is_refused_online(storage: Any, codes: Ed25519TicketCodes) -> None:
    booking = sell(storage, codes)
    cancelled = replace(booking.tickets[0], status=TicketStatus.CANCELLED, cancelled_at=NOW)
    with storage.transaction() as tx:
        tx.put_booking(replace(booking, tickets=[cancelled, booking.tickets[1]]))
    with pytest.raises(TicketRevoked) as refused:
        check_in(storage, at(DOORS_OPEN), codes, cancelled.code)
    assert refused.value.details["cancelled_at"] == "2026-11-24T12:00:00Z"
    # ...which the offline verifier cannot know (documented).
    verifier = PublicKeyVerifier(codes.keyring.public_pem().encode())
    assert check_offline(verifier, at(DOORS_OPEN), cancelled.code).payload.seat_id == "A1"


def test_a_code_replaced_by_a_newer_one_is_revoked(storage: Any, codes: Ed25519TicketCodes) -> None:
    booking = sell(storage, codes)
    old = booking.tickets[0]
    from cinema_cli.services.ports.tickets import TicketClaims

    newer = replace(
        old,
        code=codes.issue(
            TicketClaims(old.id, "s1", "A1", DOORS_OPEN, DOORS_OPEN + timedelta(hours=3))
        ),
    )
    with storage.transaction() as tx:
        tx.put_booking(replace(booking, tickets=[newer, booking.tickets[1]]))
    with pytest.raises(TicketRevoked):
        check_in(storage, at(DOORS_OPEN), codes, old.code)


def test_a_forged_code_is_invalid_and_changes_nothing(
    storage: Any, codes: Ed25519TicketCodes
) -> None:
    booking = sell(storage, codes)
    code = booking.tickets[0].code
    flipped = code[:20] + ("A" if code[20] != "A" else "B") + code[21:]
    with pytest.raises(InvalidTicket):
        check_in(storage, at(DOORS_OPEN), codes, flipped)
    assert storage.ticket(booking.tickets[0].id).status is TicketStatus.VALID
    assert [e for e in storage.audit() if e.action == "checkin"] == []


def test_a_genuine_code_for_a_ticket_this_store_does_not_know_is_not_found(
    tmp_path: Path, codes: Ed25519TicketCodes
) -> None:
    other = FakeStorage()
    stock(other)
    booking = sell(other, codes)
    empty = FakeStorage()
    stock(empty)
    with pytest.raises(TicketNotFound):
        check_in(empty, at(DOORS_OPEN), codes, booking.tickets[0].code)


@pytest.mark.parametrize("gate", ["", "   ", "x" * 41, "a\nb"])
def test_a_gate_must_be_a_short_name(storage: Any, codes: Ed25519TicketCodes, gate: str) -> None:
    booking = sell(storage, codes)
    with pytest.raises(InvalidInput, match="--gate"):
        check_in(storage, at(DOORS_OPEN), codes, booking.tickets[0].code, gate=gate)


def test_offline_check_verifies_signature_and_window_only(
    storage: Any, codes: Ed25519TicketCodes
) -> None:
    booking = sell(storage, codes)
    verifier = PublicKeyVerifier(codes.keyring.public_pem().encode())
    code = booking.tickets[0].code
    checked = check_offline(verifier, at(DOORS_OPEN), code)
    assert checked.payload.ticket_id == booking.tickets[0].id
    check_in(storage, at(DOORS_OPEN), codes, code)
    # Used online, still "valid" offline: the offline verifier cannot see prior use.
    check_offline(verifier, at(DOORS_OPEN), code)
    with pytest.raises(NotValidNow):
        check_offline(verifier, at(NOW), code)


def test_refusals_give_times_in_the_theaters_zone_and_details_in_utc(
    storage: Any, codes: Ed25519TicketCodes
) -> None:
    booking = sell(storage, codes)
    code = booking.tickets[0].code
    with pytest.raises(NotValidNow) as early:
        check_in(storage, at(NOW), codes, code)
    assert "from Tue 24 Nov 2026 17:00 CET until Tue 24 Nov 2026 21:33 CET" in early.value.message
    assert early.value.details["valid_from"] == "2026-11-24T16:00:00Z"

    check_in(storage, at(DOORS_OPEN), codes, code, gate="north")
    with pytest.raises(AlreadyCheckedIn) as again:
        check_in(storage, at(DOORS_OPEN), codes, code)
    assert "checked in at Tue 24 Nov 2026 18:30 CET at gate north" in again.value.message

    # The offline door has no store and so no theater: its messages are in UTC, named.
    verifier = PublicKeyVerifier(codes.keyring.public_pem().encode())
    with pytest.raises(NotValidNow) as offline:
        check_offline(verifier, at(NOW), code)
    assert "from Tue 24 Nov 2026 16:00 UTC" in offline.value.message
