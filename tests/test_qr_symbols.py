"""The QR symbols, PNGs and SVGs cinema makes are the ones qrcode itself makes."""

from __future__ import annotations

import io
import random
import string

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathFillImage

from cinema_cli.adapters.qr_symbols import QR_BORDER, QR_PNG_SCALE, qr_png, qr_svg, qr_symbol

BASE32 = string.ascii_uppercase + "234567"
BASE45 = string.digits + string.ascii_uppercase + " $%*+-./:"


def _codes(count: int, seed: int) -> list[str]:
    """Ticket-like codes (base32, old base45) and other text, of many lengths: symbols of
    versions 1 to about 25, in the three encoding modes qrcode picks."""
    rng = random.Random(seed)
    codes = []
    for _ in range(count):
        alphabet = rng.choice([BASE32, BASE45, string.printable, "0123456789"])
        length = rng.choice([1, 7, 20, 60, 120, 165, 190, 240, 300, 600])
        codes.append("".join(rng.choice(alphabet) for _ in range(length)))
    return codes


def _reference(code: str) -> qrcode.QRCode:
    """The symbol as qrcode makes it: eight layouts, each scored by ``lost_point``."""
    symbol = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, box_size=QR_PNG_SCALE, border=QR_BORDER
    )
    symbol.add_data(code, optimize=0)
    symbol.make(fit=True)
    return symbol


@pytest.mark.parametrize("seed", range(4))
def test_the_mask_and_the_modules_are_the_ones_qrcode_chooses(seed: int) -> None:
    for code in _codes(60, seed):
        reference = _reference(code)
        assert qr_symbol(code).modules == reference.modules, code
        assert qr_symbol(code).version == reference.version


def test_every_mask_can_be_chosen() -> None:
    """The codes above do not all fall on one mask (the test would then prove little)."""
    chosen = set()
    for code in _codes(200, 99):
        reference = _reference(code)
        chosen.add(reference.best_mask_pattern())
    assert chosen == set(range(8))


@pytest.mark.parametrize("code", ["A", "code-1-Xy_9", "AEHHILJRGRSW" * 14, "é ünïcode"])
def test_the_png_and_svg_bytes_are_qrcodes(code: str) -> None:
    reference = _reference(code)
    png = io.BytesIO()
    reference.make_image(image_factory=PyPNGImage).save(png)
    svg = io.BytesIO()
    reference.make_image(image_factory=SvgPathFillImage).save(svg)
    assert qr_png(code) == png.getvalue()
    assert qr_svg(code) == svg.getvalue()


@pytest.mark.parametrize("size", [21, 25, 45, 97, 177])
def test_the_penalty_is_qrcodes_lost_point_on_any_board(size: int) -> None:
    """Random boards of every density, some with rows of finder-like patterns and long runs:
    the whole-symbol integer arithmetic scores them as ``lost_point`` does, module by module."""
    from qrcode.util import lost_point

    from cinema_cli.adapters.qr_symbols import _penalty, _row_bits

    rng = random.Random(size)
    for trial in range(40):
        density = trial / 39
        board = [[rng.random() < density for _ in range(size)] for _ in range(size)]
        if trial % 3 == 0:
            for row in board:
                for start in range(0, size - 11, 13):
                    pattern = rng.choice(["10111010000", "00001011101", "11111111111"])
                    row[start : start + 11] = [module == "1" for module in pattern]
        assert _penalty([_row_bits(row) for row in board], size) == lost_point(board)
