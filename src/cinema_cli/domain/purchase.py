"""Rules of a purchase: who pays, with what card, for which request.

Pure functions, no I/O. The full card number lives only in a :class:`CardNumber`
for the length of one ``buy``; its ``repr`` shows the last four digits only, so it
cannot leak into logs or tracebacks by accident.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from cinema_cli.domain.errors import InvalidCard, InvalidEmail, InvalidInput
from cinema_cli.domain.models import Money
from cinema_cli.domain.ticket_codes import validity_window

ticket_validity = validity_window
"""When a ticket bought now opens the door; the rule lives with the codes that carry it."""

_EMAIL = re.compile(r"^[^@\s\"<>(),;:\\\[\]]{1,64}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z0-9-]{2,63}$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass(frozen=True, slots=True)
class CardNumber:
    """A validated card number; never printed, never stored."""

    digits: str = field(repr=False)

    @property
    def last4(self) -> str:
        return self.digits[-4:]

    @property
    def brand(self) -> str:
        return card_brand(self.digits)

    def __repr__(self) -> str:
        return f"CardNumber(brand={self.brand!r}, last4={self.last4!r})"

    __str__ = __repr__


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number passes."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str:
    """The card network, from the number's prefix (``card`` when unknown)."""
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(digits[:2] or 0) <= 55 or 2221 <= int(digits[:4] or 0) <= 2720:
        return "mastercard"
    if digits.startswith(("6011", "65")) or 644 <= int(digits[:3] or 0) <= 649:
        return "discover"
    return "card"


def parse_card(text: str) -> CardNumber:
    """Check a card number as typed (spaces and dashes allowed); raises :class:`InvalidCard`.

    The messages never repeat the number.
    """
    digits = re.sub(r"[\s-]", "", text)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise InvalidCard("--card: a card number has 12 to 19 digits", field="card")
    if not luhn_valid(digits):
        raise InvalidCard(
            "--card: the card number is mistyped (it fails the Luhn check)", field="card"
        )
    return CardNumber(digits)


def parse_email(text: str) -> str:
    """A plausible e-mail address, trimmed; raises :class:`InvalidEmail` naming ``--email``."""
    email = text.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidEmail(f"--email: {text!r} is not an e-mail address", field="email")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def parse_name(text: str) -> str:
    """A person's name: 1 to 200 printable characters (it goes into e-mail headers)."""
    name = " ".join(text.split())
    if not name or len(name) > 200:
        raise InvalidInput("--name: give the buyer's name (1 to 200 characters)", field="name")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise InvalidInput("--name: control characters are not allowed", field="name")
    return name


def parse_idempotency_key(text: str) -> str:
    """1 to 200 printable ASCII characters without spaces."""
    if not _IDEMPOTENCY_KEY.match(text):
        raise InvalidInput(
            "--idempotency-key: use 1 to 200 printable ASCII characters without spaces",
            field="idempotency_key",
        )
    return text


def automatic_idempotency_key(reservation_id: str) -> str:
    """The key used when none is given: a retry of the same reservation never pays twice."""
    return f"reservation:{reservation_id}"


def request_fingerprint(
    *, reservation_id: str, session_id: str, name: str, email: str, last4: str, amount: Money
) -> str:
    """What makes two purchase requests "the same" for an idempotency key: a key used
    again with another buyer, card, session or amount is refused, never replayed.

    Built from the last four digits, never from the full card number.
    """
    return _digest(
        [
            reservation_id,
            session_id,
            name,
            email.lower(),
            last4,
            f"{amount.amount:.2f}",
            amount.currency,
        ]
    )


def legacy_request_fingerprint(
    *, reservation_id: str, session_id: str, email: str, last4: str, amount: Money
) -> str:
    """The fingerprint of releases that left the buyer's name out. Records written then
    still replay when the name matches the booking's (see ``buy``)."""
    return _digest(
        [reservation_id, session_id, email.lower(), last4, f"{amount.amount:.2f}", amount.currency]
    )


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def total_price(prices: list[Money], currency: str) -> Money:
    """The sum of ``prices`` (all in ``currency``)."""
    amount = sum((price.amount for price in prices), Decimal("0"))
    return Money(amount=amount, currency=currency)
