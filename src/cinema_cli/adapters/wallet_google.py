"""Google Wallet: a "Save to Google Wallet" link for a booking, made offline.

The link is ``https://pay.google.com/gp/v/save/<JWT>``: a JWT signed (RS256) with the
cinema's Google service-account key, carrying an ``EventTicketClass`` for the showing and an
``EventTicketObject`` per ticket (the seat, the face value, the signed ticket code as a QR
barcode). Google creates the class and objects when the buyer opens the link, so nothing is
sent to Google here. PyJWT signs the token (with ``cryptography`` underneath).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cinema_cli.domain.errors import InvalidInput
from cinema_cli.domain.layout import SEAT_ID
from cinema_cli.services.ports.tickets import ETicketDocument, ETicketLine, WalletPasses

SAVE_URL = "https://pay.google.com/gp/v/save/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_KEY_VARIABLE = "CINEMA_GOOGLE_WALLET_KEY"


def _text(value: str) -> dict[str, Any]:
    return {"defaultValue": {"language": "en", "value": value}}


def wallet_id(issuer_id: str, suffix: str) -> str:
    """A Google Wallet id: ``<issuer id>.<suffix>``, the suffix of ``A-Z a-z 0-9 . _ -``."""
    return f"{issuer_id}.{_UNSAFE.sub('_', suffix)}"


def load_service_account(path: Path) -> dict[str, str]:
    """The service account's ``client_email``, ``private_key`` (PEM) and ``private_key_id``."""
    try:
        account = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput(
            f"{_KEY_VARIABLE}: cannot read {path} ({error.strerror})", field=_KEY_VARIABLE
        ) from None
    except ValueError:
        raise InvalidInput(f"{_KEY_VARIABLE}: {path} is not JSON", field=_KEY_VARIABLE) from None
    missing = [
        key
        for key in ("client_email", "private_key")
        if not isinstance(account, dict) or not isinstance(account.get(key), str)
    ]
    if missing:
        raise InvalidInput(
            f"{_KEY_VARIABLE}: {path} is not a service-account key (no {', '.join(missing)})",
            field=_KEY_VARIABLE,
        )
    return {
        "client_email": account["client_email"],
        "private_key": account["private_key"],
        "private_key_id": str(account.get("private_key_id", "")),
    }


def _seat_info(line: ETicketLine) -> dict[str, Any]:
    match = SEAT_ID.match(line.seat_id)
    if match is None:
        return {"seat": _text(line.seat_id)}
    return {"row": _text(match.group(1)), "seat": _text(match.group(2))}


class GoogleWalletLinks:
    """Makes the "Save to Google Wallet" link of a booking."""

    def __init__(self, *, service_account: Path, issuer_id: str) -> None:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        self.account = load_service_account(service_account)
        try:
            self.private_key = load_pem_private_key(self.account["private_key"].encode(), None)
        except (ValueError, TypeError):
            raise InvalidInput(
                f"{_KEY_VARIABLE}: the private_key of {service_account} is not a PEM key",
                field=_KEY_VARIABLE,
            ) from None
        self.issuer_id = issuer_id

    def ticket_class(self, document: ETicketDocument) -> dict[str, Any]:
        """The ``EventTicketClass`` of the showing."""
        venue: dict[str, Any] = {"name": _text(document.theater_name)}
        if document.theater_address:
            venue["address"] = _text(document.theater_address)
        return {
            "id": wallet_id(
                self.issuer_id, f"showing-{document.showing_id or document.booking_id}"
            ),
            "issuerName": document.theater_name,
            "reviewStatus": "UNDER_REVIEW",
            "eventName": _text(document.movie_title),
            "venue": venue,
            "dateTime": {
                "start": document.starts_at.isoformat(),
                "end": document.ends_at.isoformat(),
            },
        }

    def ticket_object(self, document: ETicketDocument, line: ETicketLine) -> dict[str, Any]:
        """The ``EventTicketObject`` of one ticket."""
        minor = 10**6
        return {
            "id": wallet_id(self.issuer_id, line.ticket_id),
            "classId": self.ticket_class(document)["id"],
            "state": "ACTIVE",
            "ticketHolderName": document.name,
            "ticketNumber": line.ticket_id,
            "seatInfo": _seat_info(line),
            "ticketType": _text(line.category),
            "faceValue": {
                "micros": int(line.price.amount * minor),
                "currencyCode": line.price.currency,
            },
            "barcode": {"type": "QR_CODE", "value": line.code, "alternateText": line.seat_id},
            "validTimeInterval": {"end": {"date": document.ends_at.isoformat()}},
        }

    def claims(self, document: ETicketDocument) -> dict[str, Any]:
        """What the JWT says: the class and one object per ticket."""
        return {
            "iss": self.account["client_email"],
            "aud": "google",
            "typ": "savetowallet",
            "iat": int(document.booked_at.timestamp()),
            "origins": [],
            "payload": {
                "eventTicketClasses": [self.ticket_class(document)],
                "eventTicketObjects": [
                    self.ticket_object(document, line) for line in document.tickets
                ],
            },
        }

    def save_url(self, document: ETicketDocument) -> str:
        import jwt

        headers = (
            {"kid": self.account["private_key_id"]} if self.account["private_key_id"] else None
        )
        token = jwt.encode(
            self.claims(document),
            self.private_key,  # type: ignore[arg-type]
            algorithm="RS256",
            headers=headers,
        )
        return SAVE_URL + token

    def make_passes(self, document: ETicketDocument, folder: Path) -> WalletPasses:
        return WalletPasses(google_save_url=self.save_url(document))
