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

New codes are written in upper-case base32 (RFC 4648, no padding): 32 letters and digits,
no space and nothing a shell expands, so ``cinema checkin CODE`` needs no quotes; every
character is in the QR code's alphanumeric set (5.5 bits per character), so a typical ticket
(about 120 bytes, 190 characters) fits QR version 8 at error correction M (base45: 7).
Codes issued before were written in base45 (RFC 9285), whose alphabet holds a space and
``$``; the signed bytes are the same, so those codes still verify. Printed codes are split
into groups of four characters (:func:`code_groups`); :func:`canonical_code` reads them back.

Decoding is strict (no case folding, no trimming, canonical base32 or base45 only, no
trailing bytes), so every change to a code changes the signed bytes or is refused outright.
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
MIN_CODE_BYTES = 1 + 3 * 2 + 4 + 2 + 4 + 64
"""The shortest code: version, three one-character fields, window, key id, signature."""
VALID_BEFORE_START = timedelta(hours=2)
"""Doors open to a ticket this long before its showing starts (and close when it ends)."""

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_VALUES = {char: value for value, char in enumerate(BASE45_ALPHABET)}
BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_VALUES = {char: value for value, char in enumerate(BASE32_ALPHABET)}
GROUP_SIZE = 4
"""Characters per printed group: short enough to read back aloud or type without losing place."""
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


# --- base32 (RFC 4648, upper case, no padding) -----------------------------------------------
def base32_encode(data: bytes) -> str:
    """Encode bytes as unpadded upper-case base32 (five bits per character)."""
    import base64

    return base64.b32encode(data).decode("ascii").rstrip("=")


def base32_decode(text: str) -> bytes:
    """Decode unpadded base32 strictly: raises :class:`MalformedCode` unless ``text`` is exactly
    what :func:`base32_encode` writes (upper case, no padding, unused low bits zero)."""
    if len(text) % 8 in (1, 3, 6):
        raise MalformedCode("base32 length")
    number = 0
    for char in text:
        value = _BASE32_VALUES.get(char)
        if value is None:
            raise MalformedCode("base32 character")
        number = number << 5 | value
    spare = len(text) * 5 % 8
    if number & ((1 << spare) - 1):
        raise MalformedCode("base32 padding bits")
    return (number >> spare).to_bytes(len(text) * 5 // 8, "big")


def code_groups(code: str) -> list[str]:
    """A code cut into groups of :data:`GROUP_SIZE` characters for people to read.

    Only new (base32) codes are grouped; an old base45 code may hold spaces of its own, so it
    comes back whole, as one group.
    """
    if not code or any(char not in _BASE32_VALUES for char in code):
        return [code]
    return [code[index : index + GROUP_SIZE] for index in range(0, len(code), GROUP_SIZE)]


def canonical_code(text: str) -> str:
    """The code in ``text`` as printed or typed: spaces and line breaks between the groups of a
    base32 code are dropped; an old base45 code, whose spaces are its own, loses only line
    breaks. Text that is no code comes back unchanged (the verifier refuses it)."""
    compact = "".join(text.split())
    if _parses(compact):
        return compact
    joined = text.replace("\r", "").replace("\n", "")
    return joined if not _parses(text) and _parses(joined) else text


def looks_mangled(text: str) -> bool:
    """Whether ``text`` cannot even be the letters of a new code, or is too short for any code:
    what a shell leaves of a code it split or expanded (a typo in a whole code is not that)."""
    try:
        raw = base32_decode(text)
    except MalformedCode:
        return True
    return len(raw) < MIN_CODE_BYTES


def _parses(text: str) -> bool:
    try:
        split_code(text)
    except MalformedCode:
        return False
    return True


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
    """The text of a code: base32 of the signed bytes followed by the signature."""
    if len(signature) != SIGNATURE_SIZE:
        raise ValueError("an Ed25519 signature has 64 bytes")
    return base32_encode(message + signature)


def split_code(code: str) -> tuple[TicketPayload, bytes, bytes]:
    """Parse a code into ``(payload, signed message, signature)`` without checking the signature.

    Reads new (base32) and old (base45) codes. Raises :class:`MalformedCode` for anything that
    is not exactly a version-1 code.
    """
    try:
        return _split_bytes(base32_decode(code))
    except MalformedCode:
        # Codes issued before base32 are base45. A base45 code is read as base32 only if its
        # ~180 characters all happen to be base32 ones and still form a code: never in practice.
        return _split_bytes(base45_decode(code))


def _split_bytes(raw: bytes) -> tuple[TicketPayload, bytes, bytes]:
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
