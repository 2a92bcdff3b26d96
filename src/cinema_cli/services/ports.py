"""Ports the services need besides storage; adapters in ``cinema_cli.adapters`` implement them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class TicketClaims:
    """What a ticket code vouches for (the signed payload of issue 6)."""

    ticket_id: str
    showing_id: str
    seat_id: str
    valid_from: datetime
    valid_until: datetime


class TicketCodes(Protocol):
    """Issues the code printed in a ticket's QR; the only place codes are made."""

    def issue(self, claims: TicketClaims) -> str: ...
