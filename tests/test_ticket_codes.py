"""The ticket-code format: base45, payload layout, validity window (pure, no keys)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cinema_cli.domain.ticket_codes import (
    BASE45_ALPHABET,
    SIGNATURE_SIZE,
    MalformedCode,
    TicketPayload,
    base45_decode,
    base45_encode,
    join_code,
    split_code,
    validity_window,
)

ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-._:", min_size=1, max_size=64).filter(
    lambda s: s == s.strip()
)


@pytest.mark.parametrize(
    ("raw", "text"),
    [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"", "")],
)
def test_base45_matches_the_rfc_9285_examples(raw: bytes, text: str) -> None:
    assert base45_encode(raw) == text
    assert base45_decode(text) == raw


@given(st.binary(max_size=300))
def test_base45_round_trips_any_bytes(raw: bytes) -> None:
    text = base45_encode(raw)
    assert set(text) <= set(BASE45_ALPHABET)
    assert base45_decode(text) == raw


@pytest.mark.parametrize("text", ["GGW", "A", "abc", "BB8\n", " BB8", "BB8=", "ÄB8"])
def test_base45_refuses_anything_not_canonical(text: str) -> None:
    with pytest.raises(MalformedCode):
        base45_decode(text)


def test_tickets_open_two_hours_before_the_start_and_close_at_the_end() -> None:
    starts = datetime(2026, 11, 24, 19, 0, 30, tzinfo=UTC)
    opens, closes = validity_window(starts, starts + timedelta(minutes=153))
    assert opens == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    assert closes == datetime(2026, 11, 24, 21, 34, tzinfo=UTC)  # rounded outwards


@given(
    ticket=ids,
    showing=ids,
    seat=st.from_regex(r"\A[A-Z]{1,3}[1-9][0-9]{0,2}\Z"),
    start_minute=st.integers(min_value=0, max_value=3_000_000_000),  # to year 7674
    length=st.integers(min_value=1, max_value=0xFFFF),
    key=st.binary(min_size=4, max_size=4),
    signature=st.binary(min_size=SIGNATURE_SIZE, max_size=SIGNATURE_SIZE),
)
def test_a_payload_survives_packing_and_splitting(
    ticket: str,
    showing: str,
    seat: str,
    start_minute: int,
    length: int,
    key: bytes,
    signature: bytes,
) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    payload = TicketPayload(
        ticket_id=ticket,
        showing_id=showing,
        seat_id=seat,
        valid_from=epoch + timedelta(minutes=start_minute),
        valid_until=epoch + timedelta(minutes=start_minute + length),
        key_id=key.hex(),
    )
    message = payload.message()
    back, signed, sig = split_code(join_code(message, signature))
    assert (back, signed, sig) == (payload, message, signature)


def test_a_code_with_bytes_after_the_signature_is_refused() -> None:
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    payload = TicketPayload("T1", "s1", "A1", epoch, epoch + timedelta(hours=3), "00112233")
    good = payload.message() + bytes(SIGNATURE_SIZE)
    split_code(base45_encode(good))
    for bad in (b"\x02" + good[1:], good + b"\x00", good[:-1], good[:40]):
        with pytest.raises(MalformedCode):
            split_code(base45_encode(bad))


def test_a_window_longer_than_45_days_cannot_be_packed() -> None:
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    payload = TicketPayload("T1", "s1", "A1", epoch, epoch + timedelta(days=46), "00112233")
    with pytest.raises(ValueError, match="45 days"):
        payload.message()


def _sample_code() -> tuple[TicketPayload, str]:
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    payload = TicketPayload(
        "T-1", "babylon-s1", "A1", epoch, epoch + timedelta(hours=3), "0a1b2c3d"
    )
    return payload, join_code(payload.message(), bytes(range(SIGNATURE_SIZE)))


def test_new_codes_hold_no_space_and_no_shell_character_and_fit_qr_alphanumeric() -> None:
    payload, code = _sample_code()
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert set(code) <= set(BASE45_ALPHABET)  # the QR alphanumeric mode's characters
    assert split_code(code)[0] == payload


def test_codes_written_in_the_old_base45_form_still_split() -> None:
    payload, code = _sample_code()
    _, message, signature = split_code(code)
    old = base45_encode(message + signature)
    assert split_code(old) == (payload, message, signature)


def test_a_code_read_back_in_groups_or_lines_is_the_code() -> None:
    from cinema_cli.domain.ticket_codes import canonical_code, code_groups

    _, code = _sample_code()
    groups = code_groups(code)
    assert "".join(groups) == code
    assert all(len(group) <= 4 for group in groups)
    spaced = " ".join(groups[:8]) + "\r\n" + " ".join(groups[8:])
    assert canonical_code(spaced) == code
    assert canonical_code(f"  {code}\n") == code
    _, message, signature = split_code(code)
    old = base45_encode(message + signature)
    assert canonical_code(old) == old  # spaces in old codes are part of the code
