"""E-ticket files: a QR image per ticket (PNG and SVG) and one printable PDF per booking.

QR codes come from qrcode (pure Python, no Pillow; :mod:`cinema_cli.adapters.qr_symbols`),
which gives the module matrix: the PNG and the SVG are made from it, and the PDF draws it as
vector squares (sharp at any zoom, scannable from paper or a phone screen). The PDF is drawn
with reportlab's canvas, whose import costs about a quarter of fpdf2's. Both libraries are
imported only when a ticket is drawn, so only ``cinema buy`` (and ``cinema demo``, ``cinema
tickets``) pay for them. Text in any script goes through :mod:`cinema_cli.adapters.pdf_text`.

File names are built from ids only (see :func:`cinema_cli.adapters.files.safe_name`).
"""

from __future__ import annotations

import io
import threading
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from cinema_cli.adapters.files import child, private_dir, safe_name
from cinema_cli.adapters.qr_symbols import qr_matrix, qr_png, qr_svg
from cinema_cli.domain.ticket_codes import code_groups
from cinema_cli.durable_files import write_output
from cinema_cli.services.ports.tickets import ETicketDocument, ETicketFiles, ETicketLine

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

_PILLOW_LOCK = threading.Lock()
"""Held while ``PIL.Image`` is put in place to load on first use."""
QR_PDF_SIZE_MM = 60.0
"""Printed QR size, quiet zone included: comfortably readable from paper or a phone."""
CODE_GROUPS_PER_LINE = 10
"""Groups of four characters per printed line of the code (49 characters, 74 mm at 10 pt)."""
CODE_LINE_CHARACTERS = 48
"""Characters per printed line of an old base45 code, which is printed whole, without groups."""


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
            pngs[line.ticket_id] = write_output(
                child(folder, f"{line.ticket_id}.png"), qr_png(line.code)
            )
            svgs[line.ticket_id] = write_output(
                child(folder, f"{line.ticket_id}.svg"), qr_svg(line.code)
            )
        pdf = write_output(child(folder, f"{document.booking_id}.pdf"), render_pdf(document))
        return ETicketFiles(folder=folder, pdf=pdf, qr_png=pngs, qr_svg=svgs)

    def find_tickets(self, booking_id: str, ticket_ids: list[str]) -> ETicketFiles | None:
        folder = self.root / safe_name(booking_id)
        pdf = child(folder, f"{booking_id}.pdf")
        # Written without a flush (write_output): after a power loss it may be empty.
        if not pdf.is_file() or pdf.stat().st_size == 0:
            return None
        return ETicketFiles(
            folder=folder,
            pdf=pdf,
            qr_png={ticket_id: child(folder, f"{ticket_id}.png") for ticket_id in ticket_ids},
            qr_svg={ticket_id: child(folder, f"{ticket_id}.svg") for ticket_id in ticket_ids},
        )


# -- PDF ---------------------------------------------------------------------------------------
def local_start(document: ETicketDocument) -> str:
    """``Tue 24 Nov 2026, 19:00 EST (America/New_York)``."""
    start = document.starts_at
    return f"{start:%a %d %b %Y, %H:%M} {start.tzname() or ''} ({document.timezone})".replace(
        "  ", " "
    )


def printed_code_lines(code: str) -> list[str]:
    """The code as printed under the QR: groups of four, ten groups a line (an old base45 code,
    whose spaces are its own, is cut into lines only). Check-in reads either back."""
    groups = code_groups(code)
    if len(groups) == 1:
        return [
            code[i : i + CODE_LINE_CHARACTERS] for i in range(0, len(code), CODE_LINE_CHARACTERS)
        ]
    return [
        " ".join(groups[i : i + CODE_GROUPS_PER_LINE])
        for i in range(0, len(groups), CODE_GROUPS_PER_LINE)
    ]


def _pillow_image_on_first_use() -> None:
    """Let ``PIL.Image`` load when something first uses it, not when reportlab is imported.

    ``reportlab.lib.utils`` imports it at start (about a fifth of Python's start-up, with
    the modules it pulls in) for drawing bitmaps, which e-tickets never do. The module is
    put in place with the standard library's ``LazyLoader``: it runs when an attribute is
    first read, so anything that does draw a bitmap gets the real module. Does nothing once
    Pillow's ``Image`` is imported (the tests, the scanner). Under ``cinema serve`` requests
    render PDFs in threads: the lock makes one lazy module; nothing there draws a bitmap (the
    standard library's lazy module is not safe for two threads' first use on Python 3.11).
    """
    import sys

    with _PILLOW_LOCK:
        if "PIL.Image" in sys.modules:
            return
        import importlib.util

        import PIL

        spec = importlib.util.find_spec("PIL.Image")
        if spec is None or spec.loader is None:
            return
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules["PIL.Image"] = module
        spec.loader.exec_module(module)
        # `from PIL import Image` then reads the package's attribute; the import system
        # would touch the module's __spec__ and so load it.
        PIL.Image = module  # type: ignore[attr-defined]


def render_pdf(document: ETicketDocument) -> bytes:
    """The booking's e-ticket PDF: one A4 page per ticket, each with its QR code."""
    _pillow_image_on_first_use()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"E-tickets {document.booking_id}: {document.movie_title}")
    pdf.setAuthor("cinema-cli")
    pdf.setSubject(f"Booking {document.booking_id}")
    # invariant=True keeps the bytes reproducible but dates the file 2000-01-01; the
    # booking's own time is just as reproducible and tells the reader something.
    created = document.booked_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    pdf.setDateFormatter(lambda *_: created)
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
    from cinema_cli.adapters.pdf_text import draw

    margin = 18 * mm
    inner = width - 2 * margin
    top = height - margin
    pdf.setFillGray(0.12)
    pdf.rect(margin, top - 14 * mm, inner, 14 * mm, stroke=0, fill=1)
    pdf.setFillGray(1)
    draw(pdf, margin + 5 * mm, top - 9 * mm, "E-TICKET", size=14, bold=True, max_width=inner / 2)
    draw(
        pdf,
        width - margin - 5 * mm,
        top - 9 * mm,
        f"Ticket {number} of {len(document.tickets)}",
        size=10,
        max_width=inner / 2 - 10 * mm,
        align="right",
    )

    pdf.setFillGray(0)
    y = top - 28 * mm
    draw(pdf, margin, y, document.movie_title, size=22, bold=True, max_width=inner)
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
        pdf.setFillGray(0.35)
        draw(pdf, margin, y, label.upper(), size=10, max_width=27 * mm)
        pdf.setFillGray(0)
        bold = label in ("Seat", "Starts")
        draw(pdf, margin + 28 * mm, y, value, size=13, bold=bold, max_width=inner - 28 * mm)
        y -= 9 * mm

    size = QR_PDF_SIZE_MM * mm
    qr_y = y - size - 6 * mm
    _draw_qr(pdf, line.code, (width - size) / 2, qr_y, size)
    y = qr_y - 5 * mm
    pdf.setFont("Courier", 10)
    for text in printed_code_lines(line.code):
        pdf.drawCentredString(width / 2, y, text)
        y -= 4.5 * mm
    pdf.setFillGray(0.35)
    draw(
        pdf,
        width / 2,
        y - 2 * mm,
        "Show this code at the entrance. It opens the door from 2 hours before the start.",
        size=9,
        max_width=inner,
        align="centre",
    )
    draw(
        pdf,
        margin,
        margin,
        f"Total paid: {document.total} ({document.payment})",
        size=9,
        max_width=inner,
    )


def _draw_qr(pdf: Canvas, code: str, x: float, y: float, size: float) -> None:
    """Draw the QR as vector squares: one rectangle per run of dark modules in a row, all in
    one path so that renderers fill them together without hairline seams."""
    rows = qr_matrix(code)  # quiet zone included
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
