"""Apple Wallet passes: one signed ``.pkpass`` per ticket.

A ``.pkpass`` is a ZIP of ``pass.json`` (an ``eventTicket`` with the seat in its fields and
semantic tags, ``relevantDate`` at the start, the signed ticket code as a QR barcode), the
icons, ``manifest.json`` (the SHA-1 digest of every other file, as Apple's format requires)
and ``signature``: a detached PKCS#7 signature (DER) of the manifest made with the cinema's
Pass Type ID certificate, carrying Apple's WWDR intermediate certificate.

The signature is made by the ``cryptography`` package (already a dependency) with its PKCS#7
builder; the maintained pass libraries add a model layer and pydantic validation on top of the
very same calls, which this small, fixed pass does not need. Everything heavy is imported when
the first pass is made; the certificate and key load when ``buy`` builds its box office, so a
bad configuration stops the purchase before any payment.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cinema_cli.adapters.files import child, private_dir
from cinema_cli.domain.errors import InvalidInput
from cinema_cli.domain.layout import SEAT_ID
from cinema_cli.durable_files import write_private
from cinema_cli.services.ports.tickets import ETicketDocument, ETicketLine, WalletPasses

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from cryptography.x509 import Certificate

ICON_COLOUR = (178, 34, 34)
"""The pass icon: a plain square in the cinema's red (Wallet shows it on the lock screen)."""
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
"""A fixed time for the ZIP entries, so the same ticket gives the same bytes."""


def _read(path: Path, variable: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(
            f"{variable}: cannot read {path} ({error.strerror})", field=variable
        ) from None


def load_certificate(path: Path, variable: str) -> Certificate:
    """A PEM (or DER) certificate; :class:`InvalidInput` names the variable when it is not."""
    from cryptography import x509

    data = _read(path, variable)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise InvalidInput(f"{variable}: {path} is not a certificate", field=variable) from None


def load_private_key(path: Path, password: str | None, variable: str) -> PrivateKeyTypes:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read(path, variable)
    try:
        return load_pem_private_key(data, password.encode() if password else None)
    except (ValueError, TypeError) as error:
        raise InvalidInput(
            f"{variable}: {path} is not a PEM private key that opens with the password given "
            f"({error})",
            field=variable,
        ) from None


def png_square(size: int, colour: tuple[int, int, int] = ICON_COLOUR) -> bytes:
    """A plain square PNG (pypng comes with qrcode)."""
    import png

    buffer = io.BytesIO()
    row = list(colour) * size
    png.Writer(size, size, greyscale=False).write(buffer, [row] * size)
    return buffer.getvalue()


def _seat(line: ETicketLine) -> dict[str, str]:
    match = SEAT_ID.match(line.seat_id)
    seat = {"seatIdentifier": line.seat_id, "seatType": line.category}
    if match:
        seat |= {"seatRow": match.group(1), "seatNumber": match.group(2)}
    return seat


def pass_json(
    document: ETicketDocument, line: ETicketLine, *, team_id: str, pass_type_id: str
) -> dict[str, Any]:
    """The ``pass.json`` of one ticket."""
    starts = document.starts_at.isoformat()
    ends = document.ends_at.isoformat()
    venue = ", ".join(p for p in (document.theater_name, document.theater_address) if p)
    barcode = {
        "format": "PKBarcodeFormatQR",
        "message": line.code,
        "messageEncoding": "iso-8859-1",
        "altText": line.seat_id,
    }
    return {
        "formatVersion": 1,
        "passTypeIdentifier": pass_type_id,
        "teamIdentifier": team_id,
        "serialNumber": line.ticket_id,
        "organizationName": document.theater_name,
        "description": f"Ticket for {document.movie_title}",
        "relevantDate": starts,
        "expirationDate": ends,
        "backgroundColor": "rgb(24, 24, 27)",
        "foregroundColor": "rgb(250, 250, 250)",
        "labelColor": "rgb(200, 200, 200)",
        "barcodes": [barcode],
        "barcode": barcode,  # for Wallet before iOS 9
        "eventTicket": {
            "primaryFields": [{"key": "movie", "label": "MOVIE", "value": document.movie_title}],
            "secondaryFields": [
                {
                    "key": "starts",
                    "label": "STARTS",
                    "value": starts,
                    "dateStyle": "PKDateStyleMedium",
                    "timeStyle": "PKDateStyleShort",
                    "ignoresTimeZone": True,
                },
                {"key": "room", "label": "ROOM", "value": document.room_name},
            ],
            "auxiliaryFields": [
                {"key": "seat", "label": "SEAT", "value": line.seat_id},
                {"key": "category", "label": "CATEGORY", "value": line.category},
                {"key": "price", "label": "PRICE", "value": str(line.price)},
            ],
            "backFields": [
                {"key": "theater", "label": "Theater", "value": venue},
                {"key": "booking", "label": "Booking", "value": document.booking_id},
                {"key": "holder", "label": "Name", "value": document.name},
                {"key": "ticket", "label": "Ticket", "value": line.ticket_id},
            ],
        },
        "semantics": {
            "eventType": "PKEventTypeMovie",
            "eventName": document.movie_title,
            "eventStartDate": starts,
            "eventEndDate": ends,
            "venueName": document.theater_name,
            "venueRoom": document.room_name,
            "seats": [_seat(line)],
            "totalPrice": {
                "amount": f"{line.price.amount}",
                "currencyCode": line.price.currency,
            },
            "attendeeName": document.name,
        },
    }


class AppleWalletPasses:
    """Signs a ``.pkpass`` per ticket with the cinema's Pass Type ID certificate."""

    def __init__(
        self,
        *,
        certificate: Path,
        private_key: Path,
        wwdr: Path,
        team_id: str,
        pass_type_id: str,
        key_password: str | None = None,
    ) -> None:
        self.certificate = load_certificate(certificate, "CINEMA_WALLET_CERT")
        self.private_key = load_private_key(private_key, key_password, "CINEMA_WALLET_KEY")
        self.wwdr = load_certificate(wwdr, "CINEMA_WALLET_WWDR")
        self.team_id = team_id
        self.pass_type_id = pass_type_id

    def sign(self, manifest: bytes) -> bytes:
        """A detached PKCS#7 signature (DER) of ``manifest``, with the WWDR certificate."""
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.serialization import pkcs7

        builder = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(manifest)
            .add_signer(self.certificate, self.private_key, hashes.SHA256())  # type: ignore[arg-type]
            .add_certificate(self.wwdr)
        )
        return builder.sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )

    def pkpass(self, document: ETicketDocument, line: ETicketLine) -> bytes:
        """The ``.pkpass`` archive of one ticket."""
        body = pass_json(document, line, team_id=self.team_id, pass_type_id=self.pass_type_id)
        files = {
            "pass.json": json.dumps(body, ensure_ascii=False, indent=2).encode(),
            "icon.png": png_square(29),
            "icon@2x.png": png_square(58),
            "icon@3x.png": png_square(87),
        }
        # SHA-1 because the pass format asks for it; the signature itself uses SHA-256.
        manifest = json.dumps(
            {name: hashlib.sha1(data).hexdigest() for name, data in files.items()},
            indent=2,
            sort_keys=True,
        ).encode()
        files["manifest.json"] = manifest
        files["signature"] = self.sign(manifest)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
        return buffer.getvalue()

    def make_passes(self, document: ETicketDocument, folder: Path) -> WalletPasses:
        private_dir(folder)
        return WalletPasses(
            apple={
                line.ticket_id: write_private(
                    child(folder, f"{line.ticket_id}.pkpass"), self.pkpass(document, line)
                )
                for line in document.tickets
            }
        )
