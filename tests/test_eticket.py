"""E-ticket files and the confirmation e-mail: what a person (and a scanner) gets."""

from __future__ import annotations

import email
import email.policy
import pickle
import re
import stat
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from cinema_cli.adapters.eticket import FileTicketPrinter
from cinema_cli.adapters.files import safe_name
from cinema_cli.adapters.mail import EmlOutbox, calendar_event
from cinema_cli.adapters.qr_symbols import qr_png
from cinema_cli.domain.models import Money
from cinema_cli.services.ports.tickets import ETicketDocument, ETicketLine

NY = ZoneInfo("America/New_York")


def document(booking_id: str = "b-0123456789ab", tickets: int = 2) -> ETicketDocument:
    price = Money(amount=Decimal("12.50"), currency="USD")
    return ETicketDocument(
        booking_id=booking_id,
        name="Zoë O'Brien",
        email="zoe@example.com",
        movie_title="Amélie, the return; part 2",
        theater_name="Downtown Pictures",
        theater_address="1 Main Street, New York",
        room_name="Screen 1",
        starts_at=datetime(2026, 11, 30, 19, 0, tzinfo=NY),
        ends_at=datetime(2026, 11, 30, 22, 0, tzinfo=NY),
        timezone="America/New_York",
        total=Money(amount=Decimal("25.00"), currency="USD"),
        payment="visa •••• 4242",
        tickets=tuple(
            ETicketLine(f"t-{n:012d}", f"C{n + 7}", "standard", price, f"code-{n}-Xy_9")
            for n in range(tickets)
        ),
        booked_at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
    )


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_png_qr_decodes_to_the_ticket_code(tmp_path: Path) -> None:
    files = FileTicketPrinter(tmp_path / "tickets").print_tickets(document())
    for line in document().tickets:
        with Image.open(files.qr_png[line.ticket_id]) as image:
            assert decode(image) == [line.code]
        assert files.qr_svg[line.ticket_id].read_text().startswith("<?xml")


def test_every_pdf_page_carries_a_scannable_qr_and_the_booking(tmp_path: Path) -> None:
    files = FileTicketPrinter(tmp_path / "tickets").print_tickets(document())
    pdf = pypdfium2.PdfDocument(files.pdf)
    try:
        assert len(pdf) == 2
        for page, line in zip(pdf, document().tickets, strict=True):
            text = page.get_textpage().get_text_range()
            assert "Amélie" in text
            assert line.seat_id in text
            assert "b-0123456789ab" in text
            assert "Mon 30 Nov 2026, 19:00 EST (America/New_York)" in text
            assert "1 Main Street" in text
            assert "12.50 USD" in text
            # 72 dpi * 1.5: a modest phone-screen resolution
            image = page.render(scale=1.5).to_pil()
            assert decode(image) == [line.code]
    finally:
        pdf.close()


def test_files_are_owner_only_and_named_by_ids(tmp_path: Path) -> None:
    files = FileTicketPrinter(tmp_path / "tickets").print_tickets(document())
    assert files.folder == (tmp_path / "tickets" / "b-0123456789ab").resolve()
    assert stat.S_IMODE(files.folder.stat().st_mode) == 0o700
    for path in files.folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in files.folder.iterdir()) == [
        "b-0123456789ab.pdf",
        "t-000000000000.png",
        "t-000000000000.svg",
        "t-000000000001.png",
        "t-000000000001.svg",
    ]


@pytest.mark.parametrize("hostile", ["../../etc/passwd", "..", "/abs/path", "a/b\\c", ""])
def test_a_hostile_id_cannot_escape_the_folder(tmp_path: Path, hostile: str) -> None:
    name = safe_name(hostile)
    assert "/" not in name
    assert not name.startswith(".")
    assert name
    files = FileTicketPrinter(tmp_path / "tickets").print_tickets(document(hostile, tickets=1))
    assert files.pdf.resolve().is_relative_to((tmp_path / "tickets").resolve())


def test_the_eml_parses_and_carries_the_pdf_and_the_calendar_event(tmp_path: Path) -> None:
    files = FileTicketPrinter(tmp_path / "tickets").print_tickets(document())
    eml = EmlOutbox(tmp_path / "outbox").write_confirmation(document(), files.pdf)
    assert eml == tmp_path / "outbox" / "b-0123456789ab.eml"
    assert stat.S_IMODE(eml.stat().st_mode) == 0o600
    assert stat.S_IMODE(eml.parent.stat().st_mode) == 0o700
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "zoe@example.com"
    assert message["To"].addresses[0].display_name == "Zoë O'Brien"
    assert "Amélie" in message["Subject"]
    assert message["Message-ID"] == "<booking.b-0123456789ab@cinema-cli.invalid>"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert "C7 (standard)" in plain.get_content()
    assert "<table>" in html.get_content()
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert attachments["b-0123456789ab.pdf"].get_content() == files.pdf.read_bytes()
    ics = attachments["b-0123456789ab.ics"]
    assert ics.get_content_type() == "text/calendar"
    text = ics.get_content()
    assert "DTSTART:20261201T000000Z" in text  # 19:00 EST is midnight UTC
    assert "DTEND:20261201T030000Z" in text


def test_the_calendar_event_is_valid_icalendar_text() -> None:
    text = calendar_event(document())
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2] == "END:VCALENDAR"
    assert lines[-1] == ""
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:Amélie\\, the return\\; part 2" in unfolded
    assert "UID:booking-b-0123456789ab@cinema-cli.invalid" in unfolded


def test_qr_png_is_deterministic() -> None:
    assert qr_png("abc") == qr_png("abc")


def test_names_in_any_script_print_on_the_ticket(tmp_path: Path) -> None:
    from dataclasses import replace

    names = replace(
        document(tickets=1),
        name="Zoë Çelik 山田 Αλέξης Жанна 김민준",
        movie_title="千と千尋の神隠し",
        theater_name="Кинотеатр Ωμέγα",
    )
    files = FileTicketPrinter(tmp_path / "tickets").print_tickets(names)
    pdf = pypdfium2.PdfDocument(files.pdf)
    try:
        text = pdf[0].get_textpage().get_text_range()
        assert "Zoë Çelik 山田 Αλέξης Жанна 김민준" in text
        assert "千と千尋の神隠し" in text
        assert "Кинотеатр Ωμέγα" in text
        assert "?" not in text
    finally:
        pdf.close()


def test_the_svg_qr_has_a_white_background_and_a_quiet_zone(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from cinema_cli.adapters.scan import read_qr_codes

    files = FileTicketPrinter(tmp_path / "tickets").print_tickets(document(tickets=1))
    line = document().tickets[0]
    svg = ET.parse(files.qr_svg[line.ticket_id]).getroot()
    drawn = [element for element in svg.iter() if element is not svg]
    background = drawn[0]
    assert background.tag.endswith("rect")
    assert background.get("fill") in {"white", "#ffffff"}
    assert background.get("width") == "100%"
    assert background.get("height") == "100%"
    path = next(element for element in drawn if element.tag.endswith("path"))
    numbers = [float(n) for n in re.findall(r"[0-9.]+", path.get("d", ""))]
    assert min(numbers) >= 4  # four blank modules on every side
    size = float(svg.get("viewBox", "0 0 0 0").split()[2])
    assert max(numbers) <= size - 4
    assert read_qr_codes(files.qr_svg[line.ticket_id]) == [line.code]


def test_qr_codes_are_made_by_qrcode_without_segno(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "segno", None)  # importing segno now fails
    files = FileTicketPrinter(tmp_path / "tickets").print_tickets(document(tickets=1))
    line = document().tickets[0]
    with Image.open(files.qr_png[line.ticket_id]) as image:
        assert decode(image) == [line.code]
    pdf = pypdfium2.PdfDocument(files.pdf)
    try:
        assert decode(pdf[0].render(scale=1.5).to_pil()) == [line.code]
    finally:
        pdf.close()
    assert "segno" not in (Path(__file__).parents[1] / "pyproject.toml").read_text()


@pytest.mark.parametrize(
    "title",
    ["Lichtspielhaus Lichtspielhaus", "Amélie, the return; part 2", "Metropolis " * 12],
)
def test_the_subject_is_never_folded_right_after_its_name(tmp_path: Path, title: str) -> None:
    from dataclasses import replace

    from cinema_cli.adapters.mail import confirmation_message

    message = confirmation_message(replace(document(), movie_title=title), b"%PDF", pdf_name="x")
    raw = message.as_bytes()
    first = raw.split(b"\n", 1)[0]
    assert first.startswith(b"Subject: Your tickets: ")
    parsed = email.message_from_bytes(raw)  # the old (compat32) parser keeps folding spaces
    subject = str(parsed["Subject"])
    assert not subject[0].isspace()
    modern = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(modern["Subject"]).startswith(f"Your tickets: {title.strip()}"[:40])


def test_the_pdf_is_dated_by_the_booking(tmp_path: Path) -> None:
    files = FileTicketPrinter(tmp_path).print_tickets(document())
    pdf = pypdfium2.PdfDocument(files.pdf)
    try:
        metadata = pdf.get_metadata_dict()
    finally:
        pdf.close()
    assert metadata["CreationDate"].startswith("D:20261129120000")


def test_pillow_still_works_after_a_pdf_loaded_its_image_module_lazily(tmp_path: Path) -> None:
    """Drawing the PDF leaves ``PIL.Image`` to load on first use; it must then be the real
    module for whatever draws a bitmap later in the same process (a fresh interpreter: this
    one imported Pillow long ago)."""
    script = f"""
import pickle, sys
from cinema_cli.adapters.eticket import render_pdf
document = pickle.loads({pickle.dumps(document())!r})
assert render_pdf(document).startswith(b"%PDF")
assert "PIL.ImageMode" not in sys.modules  # not loaded by the PDF
from PIL import Image
assert Image.new("1", (3, 2)).size == (3, 2)
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_the_pdf_is_the_same_with_or_without_reportlabs_c_accelerator() -> None:
    """rl-accel formats the PDF's numbers in C; the bytes must be those of reportlab's own
    Python code (names in several scripts: Helvetica, Open Sans and CJK fonts)."""
    from dataclasses import replace

    names = replace(
        document(tickets=3),
        name="Zoë Çelik 山田 Αλέξης Жанна 김민준",
        movie_title="千と千尋の神隠し",
        theater_name="Кинотеатр Ωμέγα",
    )
    script = f"""
import pickle, sys
sys.modules["_rl_accel"] = None  # reportlab falls back to its Python functions
from cinema_cli.adapters.eticket import render_pdf
sys.stdout.buffer.write(render_pdf(pickle.loads({pickle.dumps(names)!r})))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    from reportlab.lib import rl_accel

    from cinema_cli.adapters.eticket import render_pdf

    assert "fp_str" in rl_accel._c_funcs  # this interpreter uses the accelerator
    assert render_pdf(names) == done.stdout
