"""Tickets at the door, tried as a new user would: the code read off the PDF, the SVG QR,
the keys a door needs after a rotation, and codes that survive a shell."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from typer.testing import CliRunner

from cinema_cli.cli.app import app
from cinema_cli.storage.json import JsonStorage
from ticket_support import DOORS_OPEN, stock, stocked_data_dir

runner = CliRunner()
CODE_GROUP = re.compile(r"\A[A-Z2-7]{1,4}\Z")


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return stocked_data_dir(tmp_path, monkeypatch)


def cli(*args: str, code: int = 0, now: Any = None, stdin: str | None = None) -> Any:
    env = {"CINEMA_NOW": now.isoformat()} if now is not None else {}
    result = runner.invoke(app, list(args), env=env, input=stdin)
    assert result.exit_code == code, (result.stdout, result.stderr)
    if "--json" in args and code == 0:
        return json.loads(result.stdout)
    return result


def buy(*seats: str, name: str = "Ada Lovelace") -> dict[str, Any]:
    held = cli("reserve", "s1", *seats, "--json")
    return cli(  # type: ignore[no-any-return]
        "buy",
        held["reservation_id"],
        "--session",
        held["session_id"],
        "--name",
        name,
        "--email",
        "ada@example.org",
        "--card",
        "4242 4242 4242 4242",
        "--json",
    )


def code_on_the_page(page: Any) -> str:
    """The ticket code as a person reads it off the page: the lines made of code groups."""
    lines = page.get_textpage().get_text_range().splitlines()
    code_lines = [line for line in lines if line and all(map(CODE_GROUP.match, line.split()))]
    return "\n".join(code_lines)


# -- 1: the code under the QR is printed whole, in groups, inside the page ------------------------
def test_the_printed_code_lies_inside_the_page_and_checks_in_as_read(data: Path) -> None:
    booking = buy("B3", "B4")
    pdf = pypdfium2.PdfDocument(booking["eticket_pdf"])
    try:
        for page, ticket in zip(pdf, booking["tickets"], strict=True):
            width, height = page.get_size()
            text = page.get_textpage()
            boxes = [text.get_rect(index) for index in range(text.count_rects())]
            assert boxes
            for left, bottom, right, top in boxes:
                assert 0 <= left <= right <= width
                assert 0 <= bottom <= top <= height
            printed = code_on_the_page(page)
            assert " " in printed
            assert "\n" in printed
            assert printed.replace(" ", "").replace("\n", "") == ticket["code"]
            admitted = cli("checkin", printed, "--json", now=DOORS_OPEN)
            assert admitted["ticket_id"] == ticket["ticket_id"]
    finally:
        pdf.close()


def test_a_code_typed_in_groups_checks_in_offline_too(data: Path, tmp_path: Path) -> None:
    code = buy("B3")["tickets"][0]["code"]
    grouped = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    door = tmp_path / "door.pem"
    door.write_text(cli("keys", "public").stdout)
    offline = cli(
        "checkin", "--offline", "--public-key", str(door), grouped, "--json", now=DOORS_OPEN
    )
    assert offline["status"] == "admitted"


# -- 3: the rotate hint is true: `keys public` holds every key a door still needs --------------
def test_a_door_with_keys_public_after_a_rotation_admits_old_and_new_tickets(
    data: Path, tmp_path: Path
) -> None:
    old = buy("B3")["tickets"][0]
    rotated = cli("keys", "rotate")
    assert "cinema keys public > door.pem" in rotated.stdout
    new = buy("B4")["tickets"][0]
    door = tmp_path / "door.pem"
    door.write_text(cli("keys", "public").stdout)
    for ticket in (old, new):
        admitted = cli(
            "checkin",
            "--offline",
            "--public-key",
            str(door),
            ticket["code"],
            "--json",
            now=DOORS_OPEN,
        )
        assert admitted["ticket_id"] == ticket["ticket_id"]


def test_keys_public_leaves_out_retired_keys_with_no_valid_ticket_and_all_keeps_them(
    data: Path,
) -> None:
    unused = cli("keys", "public", "--json")["keys"][0]["key_id"]
    cli("keys", "rotate")
    signing = cli("keys", "public", "--json")["keys"][-1]["key_id"]
    buy("B3")
    cli("keys", "rotate")
    pem_count = cli("keys", "public").stdout.count("BEGIN PUBLIC KEY")
    assert pem_count == 2  # the active key and the one that signed a still valid ticket
    every = cli("keys", "public", "--all").stdout
    assert every.count("BEGIN PUBLIC KEY") == 3
    listed = [key["key_id"] for key in cli("keys", "public", "--all", "--json")["keys"]]
    assert unused in listed
    assert signing in listed
    # once the last ticket signed by the retired key has expired, doors no longer need it
    later = DOORS_OPEN.replace(year=DOORS_OPEN.year + 1)
    assert cli("keys", "public", now=later).stdout.count("BEGIN PUBLIC KEY") == 1


# -- 4: the SVG QR is read at the door ----------------------------------------------------------
def test_checkin_reads_the_products_own_svg_qr(data: Path) -> None:
    ticket = buy("B3")["tickets"][0]
    admitted = cli("checkin", "--image", ticket["qr_svg"], "--json", now=DOORS_OPEN)
    assert admitted["ticket_id"] == ticket["ticket_id"]


def test_an_svg_that_cannot_be_drawn_names_the_formats_that_work(
    data: Path, tmp_path: Path
) -> None:
    picture = tmp_path / "drawing.svg"
    picture.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<circle cx="5" cy="5" r="4"/></svg>'
    )
    result = cli("checkin", "--image", str(picture), code=6)
    assert "--image" in result.stderr
    assert "PNG" in result.stderr
    assert "SVG" in result.stderr


# -- 6: codes that survive a shell --------------------------------------------------------------
def test_new_codes_need_no_quotes(data: Path) -> None:
    for ticket in buy("B3", "B4")["tickets"]:
        assert re.fullmatch(r"[A-Z2-7]+", ticket["code"]), ticket["code"]


def test_a_mangled_code_gets_a_hint_at_quotes_and_stdin(data: Path) -> None:
    code = buy("B3")["tickets"][0]["code"]
    result = cli("checkin", code[: len(code) // 2], now=DOORS_OPEN, code=6)
    assert "single quotes" in result.stderr
    assert "cinema checkin -" in result.stderr


def test_an_svg_qr_drawn_with_stroked_lines_and_no_background_is_read(tmp_path: Path) -> None:
    """The shape of the SVGs written before (segno): one stroked line per run of dark modules,
    scaled by a transform, on a transparent page."""
    from cinema_cli.adapters.qr_symbols import qr_symbol
    from cinema_cli.adapters.scan import read_qr_codes

    code = "AEHHILJQGEZDGNBVGY3TQOLBMILWEYLCPFWG63RNGIYDENRNGEYS2MRUFUYTSMBQANBTCMQB"
    rows = qr_symbol(code).get_matrix()
    moves = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                moves.append(f"M{start} {y + 0.5}h{x - start}")
            x += 1
    size = len(rows) * 10
    picture = tmp_path / "old.svg"
    picture.write_text(
        f'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="{size}" '
        f'height="{size}"><title>t</title><path transform="scale(10)" stroke="#000" '
        f'd="{"".join(moves)}"/></svg>'
    )
    assert read_qr_codes(picture) == [code]


def test_a_ticket_sold_with_an_old_base45_code_still_checks_in(tmp_path: Path) -> None:
    from cinema_cli.adapters.signing import Ed25519TicketCodes
    from cinema_cli.domain.ticket_codes import base45_encode, split_code
    from cinema_cli.services.checkin import check_in
    from ticket_support import keyring, sell

    class OldCodes(Ed25519TicketCodes):
        """Writes codes as they were written before base32."""

        def issue(self, claims: Any, unit: Any = None) -> str:
            _, message, signature = split_code(super().issue(claims, unit))
            return base45_encode(message + signature)

    storage = JsonStorage(tmp_path / "data")
    stock(storage)
    codes = OldCodes(keyring(tmp_path / "data"))
    booking = sell(storage, codes)
    old = booking.tickets[0].code
    assert not re.fullmatch(r"[A-Z2-7]+", old)
    admitted = check_in(storage, lambda: DOORS_OPEN, codes, old)
    assert admitted.ticket.id == booking.tickets[0].id
