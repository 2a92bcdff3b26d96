"""Booking access tokens: who bought a booking online may read it and download its tickets.

The token is an HMAC-SHA256 of the booking id under the server's secret (``CINEMA_API_SECRET``,
or a random secret kept in ``<data dir>/api-secret``). Nothing is stored per booking, the
token cannot be forged without the secret, and changing the secret invalidates every token.
Checks compare in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_CONTEXT = b"cinema-cli booking access v1\x00"


def access_token(secret: bytes, booking_id: str) -> str:
    """The access token of ``booking_id`` (URL-safe, 43 characters)."""
    digest = hmac.new(secret, _CONTEXT + booking_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def may_read(secret: bytes, booking_id: str, token: str | None) -> bool:
    """True when ``token`` is the access token of ``booking_id``."""
    if not token:
        return False
    return hmac.compare_digest(access_token(secret, booking_id).encode(), token.encode())
