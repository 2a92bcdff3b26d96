"""Signed ticket codes: the payload layout, its text encoding and the validity-window rules.

Pure: no cryptography here. The signer (``cinema_cli.adapters.signing``) signs the bytes of
:meth:`TicketPayload.message` and appends the 64-byte Ed25519 signature; this module packs,
splits and checks everything around it.

Layout of version 1 (all integers big-endian, strings ASCII with a one-byte length)::

    offset  size  field
    0       1     version marker (0x01)
    1       1+n   ticket id
    .       1+n   showing id
    .       1+n   seat id
    .       4     valid from: whole minutes since 1970-01-01T00:00Z (unsigned)
    .       2     valid for: minutes after "valid from" (unsigned, at most 45 days)
    .       4     key id: first 4 bytes of SHA-256 of the raw Ed25519 public key
    end-64  64    Ed25519 signature over every byte before it

The bytes are written as base45 (RFC 9285): its 45 characters are exactly the QR code's
alphanumeric set, which stores 5.5 bits per character against 8 bits per character of
base64url in byte mode, so a typical ticket (about 120 bytes, 180 characters) fits QR
version 6 at error correction M instead of version 8.

Decoding is strict (no case folding, no trimming, canonical base45 only, no trailing bytes),
so every change to a code changes the signed bytes or is refused outright.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TOKEN_VERSION = 1
SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4
MAX_FIELD_LENGTH = 64
MAX_VALID_MINUTES = 0xFFFF
VALID_BEFORE_START = timedelta(hours=2)
"""Doors open to a ticket this long before its showing starts (and close when it ends)."""

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_VALUES = {char: value for value, char in enumerate(BASE45_ALPHABET)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MalformedCode(ValueError):
    """The text is not a well-formed ticket code (callers report it vaguely, as invalid)."""


# --- base45 (RFC 9285) ------------------------------------------------------------------------
def base45_encode(data: bytes) -> str:
    """Encode bytes as base45: two bytes become three characters, a last byte two."""
    out: list[str] = []
    for index in range(0, len(data) - 1, 2):
        number = data[index] * 256 + data[index + 1]
        number, c = divmod(number, 45)
        e, d = divmod(number, 45)
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[d], BASE45_ALPHABET[e])
    if len(data) % 2:
        e, c = divmod(data[-1], 45)
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[e])
    return "".join(out)


def base45_decode(text: str) -> bytes:
    """Decode base45 strictly; raises :class:`MalformedCode` on any non-canonical input."""
    if len(text) % 3 == 1:
        raise MalformedCode("base45 length")
    try:
        values = [_BASE45_VALUES[char] for char in text]
    except KeyError:
        raise MalformedCode("base45 character") from None
    out = bytearray()
    for index in range(0, len(values), 3):
        chunk = values[index : index + 3]
        if len(chunk) == 3:
            number = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if number > 0xFFFF:
                raise MalformedCode("base45 value")
            out += number.to_bytes(2, "big")
        else:
            number = chunk[0] + chunk[1] * 45
            if number > 0xFF:
                raise MalformedCode("base45 value")
            out.append(number)
    return bytes(out)


# --- the payload ------------------------------------------------------------------------------
def validity_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """When a ticket opens the door: from 2 h before the start to the end of the showing.

    The one home of this rule: the purchase puts it in every code, the door checks it.
    Rounded outwards to whole minutes, so that the packed window never shrinks.
    """
    opens = floor_minute(starts_at - VALID_BEFORE_START)
    closes = ceil_minute(ends_at)
    return opens, closes


@dataclass(frozen=True, slots=True)
class TicketPayload:
    """What a code vouches for; ``valid_from``/``valid_until`` are whole UTC minutes."""

    ticket_id: str
    showing_id: str
    seat_id: str
    valid_from: datetime
    valid_until: datetime
    key_id: str
    """Eight lowercase hex digits naming the signing key."""
    version: int = TOKEN_VERSION

    def message(self) -> bytes:
        """The bytes that are signed (everything but the signature)."""
        if self.version != TOKEN_VERSION:
            raise ValueError(f"cannot write ticket code version {self.version}")
        start = _minutes(self.valid_from)
        length = _minutes(self.valid_until) - start
        if not 0 < length <= MAX_VALID_MINUTES:
            raise ValueError("validity window must be between 1 minute and 45 days")
        if not 0 <= start <= 0xFFFFFFFF:
            raise ValueError("validity window is out of range")
        key = bytes.fromhex(self.key_id)
        if len(key) != KEY_ID_SIZE:
            raise ValueError("key id must be 4 bytes (8 hex digits)")
        return b"".join(
            (
                bytes([self.version]),
                _field(self.ticket_id),
                _field(self.showing_id),
                _field(self.seat_id),
                start.to_bytes(4, "big"),
                length.to_bytes(2, "big"),
                key,
            )
        )

    def is_valid_at(self, now: datetime) -> bool:
        return self.valid_from <= now < self.valid_until


def join_code(message: bytes, signature: bytes) -> str:
    """The text of a code: base45 of the signed bytes followed by the signature."""
    if len(signature) != SIGNATURE_SIZE:
        raise ValueError("an Ed25519 signature has 64 bytes")
    return base45_encode(message + signature)


def split_code(code: str) -> tuple[TicketPayload, bytes, bytes]:
    """Parse a code into ``(payload, signed message, signature)`` without checking the signature.

    Raises :class:`MalformedCode` for anything that is not exactly a version-1 code.
    """
    raw = base45_decode(code)
    if len(raw) <= SIGNATURE_SIZE + 1:
        raise MalformedCode("too short")
    message, signature = raw[:-SIGNATURE_SIZE], raw[-SIGNATURE_SIZE:]
    if message[0] != TOKEN_VERSION:
        raise MalformedCode("version")
    position = 1
    texts: list[str] = []
    for _ in range(3):
        if position >= len(message):
            raise MalformedCode("truncated")
        size = message[position]
        end = position + 1 + size
        if size == 0 or size > MAX_FIELD_LENGTH or end > len(message):
            raise MalformedCode("field length")
        try:
            text = message[position + 1 : end].decode("ascii")
        except UnicodeDecodeError:
            raise MalformedCode("field text") from None
        if not text.isprintable() or text != text.strip():
            raise MalformedCode("field text")
        texts.append(text)
        position = end
    if len(message) - position != 4 + 2 + KEY_ID_SIZE:
        raise MalformedCode("length")
    start = int.from_bytes(message[position : position + 4], "big")
    length = int.from_bytes(message[position + 4 : position + 6], "big")
    if length == 0:
        raise MalformedCode("empty window")
    key_id = message[position + 6 :].hex()
    try:
        valid_from = _EPOCH + timedelta(minutes=start)
        valid_until = valid_from + timedelta(minutes=length)
    except OverflowError:  # beyond year 9999: only a damaged code says that
        raise MalformedCode("window") from None
    payload = TicketPayload(
        ticket_id=texts[0],
        showing_id=texts[1],
        seat_id=texts[2],
        valid_from=valid_from,
        valid_until=valid_until,
        key_id=key_id,
    )
    return payload, message, signature


def key_id_of(raw_public_key: bytes) -> str:
    """The key id printed in codes: the first 4 bytes of SHA-256 of the raw public key."""
    import hashlib

    return hashlib.sha256(raw_public_key).digest()[:KEY_ID_SIZE].hex()


def _field(text: str) -> bytes:
    data = text.encode("ascii")
    if not 0 < len(data) <= MAX_FIELD_LENGTH:
        raise ValueError(f"ticket code field {text!r} must have 1 to {MAX_FIELD_LENGTH} characters")
    return bytes([len(data)]) + data


def _minutes(instant: datetime) -> int:
    return int((instant - _EPOCH) // timedelta(minutes=1))


def floor_minute(instant: datetime) -> datetime:
    """The whole UTC minute at or before ``instant``."""
    return _EPOCH + timedelta(minutes=_minutes(instant.astimezone(UTC)))


def ceil_minute(instant: datetime) -> datetime:
    """The whole UTC minute at or after ``instant``."""
    seconds = (instant.astimezone(UTC) - _EPOCH).total_seconds()
    return _EPOCH + timedelta(minutes=math.ceil(seconds / 60))
