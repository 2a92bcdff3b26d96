"""Random, unguessable ticket codes: they need the stored ticket to mean anything.

The CLI signs its codes instead (``adapters.signing``), so that a door can check them
offline; the purchase tests use these, which need no keys.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from cinema_cli.services.ports.tickets import TicketClaims

if TYPE_CHECKING:
    from cinema_cli.services.ports.storage import Transaction

CODE_BYTES = 24
"""192 bits of randomness (at least 128 are required)."""


class RandomTicketCodes:
    """A fresh random code per ticket; the code means something only with the stored ticket."""

    def issue(self, claims: TicketClaims, unit: Transaction | None = None) -> str:
        return secrets.token_urlsafe(CODE_BYTES)
