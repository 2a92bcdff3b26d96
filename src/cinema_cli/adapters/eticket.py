"""E-ticket files: a QR image per ticket (PNG and SVG) and one printable PDF per booking.

QR codes come from segno: pure Python, no Pillow needed, writes PNG and SVG
itself, and exposes the module matrix so the PDF draws each QR as vector
squares (sharp at any zoom, scannable from paper or a phone screen). The PDF is
drawn with reportlab's canvas, whose import costs about a quarter of fpdf2's.
Both are imported inside :meth:`FileTicketPrinter.print_tickets`, so only
``cinema buy`` (and ``cinema demo``) pay for them.

File names are built from ids only (see :func:`cinema_cli.adapters.files.safe_name`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cinema_cli.adapters.files import child, private_dir, safe_name
from cinema_cli.durable_files import write_private
from cinema_cli.services.ports.tickets import ETicketDocument, ETicketFiles, ETicketLine

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

QR_ERROR_LEVEL = "m"
"""15 % of the symbol may be damaged (a scuffed print, a cracked phone screen)."""
QR_PNG_SCALE = 10
"""Pixels per QR module in the PNG (a ~330 px image for a 32-character code)."""
QR_BORDER = 4
"""Quiet zone, in modules, that scanners need around the symbol."""
QR_PDF_SIZE_MM = 60.0
"""Printed QR size, quiet zone included: comfortably readable from paper or a phone."""


def qr_symbol(code: str) -> Any:
    """The QR symbol (a ``segno.QRCode``) for a ticket code."""
    import segno

    return segno.make(code, error=QR_ERROR_LEVEL, micro=False, boost_error=False)


def qr_png(code: str) -> bytes:
    buffer = io.BytesIO()
    qr_symbol(code).save(buffer, kind="png", scale=QR_PNG_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def qr_svg(code: str) -> bytes:
    buffer = io.BytesIO()
    qr_symbol(code).save(
        buffer, kind="svg", scale=QR_PNG_SCALE, border=QR_BORDER, title=f"ticket code {code}"
    )
    return buffer.getvalue()


class FileTicketPrinter:
    """Writes e-ticket files under ``root/<booking_id>/`` (or into a folder asked for)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def print_tickets(self, document: ETicketDocument, folder: Path | None = None) -> ETicketFiles:
        if folder is None:
            private_dir(self.root)
            folder = self.root / safe_name(document.booking_id)
        folder = private_dir(folder.expanduser()).resolve()
        pngs: dict[str, Path] = {}
        svgs: dict[str, Path] = {}
        for line in document.tickets:
            pngs[line.ticket_id] = write_private(
                child(folder, f"{line.ticket_id}.png"), qr_png(line.code)
            )
            svgs[line.ticket_id] = write_private(
                child(folder, f"{line.ticket_id}.svg"), qr_svg(line.code)
            )
        pdf = write_private(child(folder, f"{document.booking_id}.pdf"), render_pdf(document))
        return ETicketFiles(folder=folder, pdf=pdf, qr_png=pngs, qr_svg=svgs)

    def find_tickets(self, booking_id: str, ticket_ids: list[str]) -> ETicketFiles | None:
        folder = self.root / safe_name(booking_id)
        pdf = child(folder, f"{booking_id}.pdf")
        if not pdf.is_file():
            return None
        return ETicketFiles(
            folder=folder,
            pdf=pdf,
            qr_png={ticket_id: child(folder, f"{ticket_id}.png") for ticket_id in ticket_ids},
            qr_svg={ticket_id: child(folder, f"{ticket_id}.svg") for ticket_id in ticket_ids},
        )


# -- PDF ---------------------------------------------------------------------------------------
def _latin(text: str) -> str:
    """Text the PDF's built-in fonts can draw (they cover Windows-1252, not all of Unicode)."""
    return text.encode("cp1252", errors="replace").decode("cp1252")


def local_start(document: ETicketDocument) -> str:
    """``Tue 24 Nov 2026, 19:00 EST (America/New_York)``."""
    start = document.starts_at
    return f"{start:%a %d %b %Y, %H:%M} {start.tzname() or ''} ({document.timezone})".replace(
        "  ", " "
    )


def render_pdf(document: ETicketDocument) -> bytes:
    """The booking's e-ticket PDF: one A4 page per ticket, each with its QR code."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(_latin(f"E-tickets {document.booking_id}: {document.movie_title}"))
    pdf.setAuthor("cinema-cli")
    pdf.setSubject(_latin(f"Booking {document.booking_id}"))
    width, height = A4
    for number, line in enumerate(document.tickets, start=1):
        _ticket_page(pdf, document, line, number, width, height, mm)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _ticket_page(
    pdf: Canvas,
    document: ETicketDocument,
    line: ETicketLine,
    number: int,
    width: float,
    height: float,
    mm: float,
) -> None:
    margin = 18 * mm
    top = height - margin
    pdf.setFillGray(0.12)
    pdf.rect(margin, top - 14 * mm, width - 2 * margin, 14 * mm, stroke=0, fill=1)
    pdf.setFillGray(1)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(margin + 5 * mm, top - 9 * mm, "E-TICKET")
    pdf.setFont("Helvetica", 10)
    pdf.drawRightString(
        width - margin - 5 * mm,
        top - 9 * mm,
        f"Ticket {number} of {len(document.tickets)}",
    )

    pdf.setFillGray(0)
    y = top - 28 * mm
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(margin, y, _latin(document.movie_title)[:60])
    y -= 12 * mm
    rows = [
        ("Theater", document.theater_name),
        ("Address", document.theater_address or "-"),
        ("Room", document.room_name),
        ("Starts", local_start(document)),
        ("Seat", f"{line.seat_id} ({line.category})"),
        ("Price", str(line.price)),
        ("Name", document.name),
        ("Booking", document.booking_id),
        ("Ticket", line.ticket_id),
    ]
    for label, value in rows:
        pdf.setFont("Helvetica", 10)
        pdf.setFillGray(0.35)
        pdf.drawString(margin, y, label.upper())
        pdf.setFillGray(0)
        pdf.setFont("Helvetica-Bold" if label in ("Seat", "Starts") else "Helvetica", 13)
        pdf.drawString(margin + 28 * mm, y, _latin(value)[:70])
        y -= 9 * mm

    size = QR_PDF_SIZE_MM * mm
    qr_x = (width - size) / 2
    qr_y = y - size - 6 * mm
    _draw_qr(pdf, line.code, qr_x, qr_y, size)
    pdf.setFont("Courier", 8)
    pdf.drawCentredString(width / 2, qr_y - 4 * mm, line.code)
    pdf.setFont("Helvetica", 9)
    pdf.setFillGray(0.35)
    pdf.drawCentredString(
        width / 2,
        qr_y - 10 * mm,
        "Show this code at the entrance. It opens the door from 2 hours before the start.",
    )
    pdf.drawString(margin, margin, _latin(f"Total paid: {document.total} ({document.payment})"))


def _draw_qr(pdf: Canvas, code: str, x: float, y: float, size: float) -> None:
    """Draw the QR as vector squares: one rectangle per run of dark modules in a row, all in
    one path so that renderers fill them together without hairline seams."""
    rows = [list(row) for row in qr_symbol(code).matrix_iter(scale=1, border=QR_BORDER)]
    module = size / len(rows)
    pdf.setFillGray(1)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillGray(0)
    path = pdf.beginPath()
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            path.rect(x + start * module, top, (c - start) * module, module)
    pdf.drawPath(path, stroke=0, fill=1)
