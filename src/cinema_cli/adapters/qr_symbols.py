"""QR symbols for ticket codes, and their PNG and SVG bytes, the same as qrcode makes them.

qrcode (pure Python) encodes the data and lays out the symbol. Choosing the mask is the
costly part: qrcode lays the symbol out eight times, once per mask, and scores each with
:func:`qrcode.util.lost_point`, one module at a time. :class:`_FastMaskQRCode` lays it out
once, derives the seven other layouts with integer operations on whole rows and scores each
with integer operations on the whole symbol at once; it picks the same mask (the penalty rules
below are the ones ``lost_point`` applies, checked against it in ``tests/test_qr_symbols.py``),
and qrcode then draws the chosen symbol itself.

The PNG is packed here from the module matrix (one ``int.to_bytes`` per row) and handed to
pypng; the SVG is written here, byte for byte the document of qrcode's
``SvgPathFillImage`` (which would import lxml and build one ``Decimal`` per coordinate).
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from cinema_cli.import_hiding import unimportable

QR_PNG_SCALE = 10
"""Pixels per QR module in the PNG (a ~450 px image for a 190-character code)."""
QR_BORDER = 4
"""Quiet zone, in modules, that scanners need around the symbol."""

_FINDER_LIKE = ("10111010000", "00001011101")
"""Rule 3: a 1:1:3:1:1 pattern with four light modules on one side costs 40 (overlaps count)."""
_GAP = 11
"""Light modules put after each line of a board (:func:`_board`): longer than any pattern, so
no window that is counted can reach from one line into the next."""
_MASK_PERIOD_ROWS = 12
"""Every mask pattern repeats after 12 rows (``i // 2 % 2`` and ``i * j % 6``)..."""
_MASK_PERIOD_COLUMNS = 6
"""...and after 6 columns (``j % 3``, ``j // 3 % 2`` and ``i * j % 6``)."""


def _import_qrcode_without_pillow() -> None:
    """Import qrcode without the Pillow module drawers its package imports for old callers.

    ``qrcode.image.styles.moduledrawers`` imports them inside ``try/except ImportError``,
    which loads ``PIL.Image``, ``PIL.ImageDraw`` and ``PIL.ImageFont`` (about 10 ms) though
    nothing here draws with them: the PNG is packed by pypng, the SVG and the PDF drawn from
    the module matrix (the bytes are the same either way). That one module is made
    unimportable while qrcode is imported.
    """
    import sys

    if "qrcode" in sys.modules:
        return
    with unimportable("qrcode.image.styles.moduledrawers.pil"):
        import qrcode.main  # noqa: F401


def _board(lines: list[str]) -> int:
    """Lines of modules ("1" dark) as one integer, each line followed by :data:`_GAP` light
    modules; the first line's first module is the highest bit. A window of ``w`` modules
    that starts at a module is tested for every start at once: shifting the board left by
    ``k`` brings the window's ``k``-th module onto the bit of its start."""
    gap = "0" * _GAP
    return int(gap.join(lines) + gap, 2)


@lru_cache(maxsize=8)
def _starts(size: int) -> tuple[int, int, int, int]:
    """For a board of ``size`` lines of ``size`` modules: the start bits of the windows of 5
    and of 11 modules that lie within one line, of the 2x2 blocks, and the line stride."""

    def starts(width: int, lines: int) -> int:
        line = "1" * (size - width + 1) + "0" * (width - 1 + _GAP)
        return int(line * lines + "0" * ((size - lines) * (size + _GAP)), 2)

    return starts(5, size), starts(11, size), starts(2, size - 1), size + _GAP


def _penalty(rows: list[int], size: int) -> int:
    """``qrcode.util.lost_point`` of a test layout given as one integer per row (the leftmost
    module in the highest bit): the four penalty rules of ISO/IEC 18004 as qrcode counts them,
    each computed for the whole symbol at once with integer operations."""
    width = f"0{size}b"
    lines = [format(row, width) for row in rows]
    by_row = _board(lines)
    by_column = _board(["".join(column) for column in zip(*lines, strict=True)])
    fives, elevens, blocks, stride = _starts(size)
    points = 0
    for board in (by_row, by_column):
        # Rule 1: a run of n >= 5 modules of one colour costs n - 2: it holds n - 4 windows
        # of five equal modules, plus 2 for the run (counted at its first window).
        same = ~(board ^ (board << 1))  # a module equals the next one
        five = same & (same << 1) & (same << 2) & (same << 3) & fives
        points += five.bit_count() + 2 * (five & ~(five >> 1)).bit_count()
        # Rule 3: each window of 11 that shows one of the two finder-like patterns costs 40.
        for pattern in _FINDER_LIKE:
            found = elevens
            for k, module in enumerate(pattern):
                found &= board << k if module == "1" else ~(board << k)
            points += 40 * found.bit_count()
    # Rule 2: each 2x2 block of one colour costs 3 (blocks may overlap).
    right = ~(by_row ^ (by_row << 1))
    below = ~(by_row ^ (by_row << stride))
    points += 3 * (right & below & (below << 1) & blocks).bit_count()
    # Rule 4: 10 for every full 5 % that the share of dark modules is away from half.
    percent = float(by_row.bit_count()) / (size**2)
    return points + int(abs(percent * 100 - 50) / 5) * 10


def _mask_rows(pattern: int, size: int) -> list[int]:
    """Where mask ``pattern`` flips a module, one integer per row (as :func:`_penalty`)."""
    from qrcode.util import mask_func

    flips = mask_func(pattern)
    period = [
        "".join("1" if flips(r, c) else "0" for c in range(_MASK_PERIOD_COLUMNS))
        for r in range(_MASK_PERIOD_ROWS)
    ]
    repeat = -(-size // _MASK_PERIOD_COLUMNS)
    return [int((period[r % _MASK_PERIOD_ROWS] * repeat)[:size], 2) for r in range(size)]


def _row_bits(row: list[Any]) -> int:
    return int("".join("1" if module else "0" for module in row), 2)


@lru_cache(maxsize=1)
def _fast_mask_class() -> type[Any]:
    """qrcode's ``QRCode`` whose ``best_mask_pattern`` lays the symbol out once, not eight
    times (made on first use: qrcode is imported only by commands that draw a QR)."""
    _import_qrcode_without_pillow()
    import qrcode

    class _FastMaskQRCode(qrcode.QRCode):  # type: ignore[misc]  # qrcode has no type hints
        _data_cells: list[list[bool]] | None = None

        def map_data(self, data: Any, mask_pattern: int) -> None:
            # Before the data goes in, the empty (None) modules are the data modules.
            if self._data_cells is None:
                template: list[list[bool | None]] = self.modules
                self._data_cells = [[module is None for module in row] for row in template]
            super().map_data(data, mask_pattern)

        def best_mask_pattern(self) -> int:
            # The layout of mask 0 (test=True: format and version bits left light, as
            # qrcode scores them); every other mask differs only on the data modules, where
            # mask k's modules are mask 0's flipped where exactly one of the two masks flips.
            self._data_cells = None
            self.makeImpl(True, 0)
            size: int = self.modules_count
            layout: list[list[bool]] = self.modules
            first = [_row_bits(row) for row in layout]
            cells: list[list[bool]] = self._data_cells or []  # set by map_data just now
            data = [_row_bits(row) for row in cells]
            zero = _mask_rows(0, size)
            best_points = best = 0
            for pattern in range(8):
                other = _mask_rows(pattern, size) if pattern else zero
                rows = [
                    row ^ (flips & (a ^ b))
                    for row, flips, a, b in zip(first, data, zero, other, strict=True)
                ]
                points = _penalty(rows, size)
                if pattern == 0 or points < best_points:
                    best_points, best = points, pattern
            return best

    return _FastMaskQRCode


@lru_cache(maxsize=64)
def qr_symbol(code: str) -> Any:
    """The QR symbol (a fitted ``qrcode.QRCode``) for a ticket code.

    Error correction M: 15 % of the symbol may be damaged (a scuffed print, a cracked phone
    screen). A code made of upper-case letters and digits is stored in alphanumeric mode.
    The PNG, the SVG and the PDF of a ticket share one symbol.
    """
    _import_qrcode_without_pillow()
    from qrcode.constants import ERROR_CORRECT_M

    symbol = _fast_mask_class()(
        error_correction=ERROR_CORRECT_M, box_size=QR_PNG_SCALE, border=QR_BORDER
    )
    symbol.add_data(code, optimize=0)
    symbol.make(fit=True)
    return symbol


def qr_matrix(code: str) -> list[list[bool]]:
    """The symbol's modules, quiet zone included (``True`` is dark)."""
    matrix: list[list[bool]] = qr_symbol(code).get_matrix()
    return matrix


def qr_png(code: str) -> bytes:
    """The QR as a 1-bit greyscale PNG, the bytes of qrcode's ``PyPNGImage``.

    The rows are packed here (one ``int.to_bytes`` per module row) instead of pixel by
    pixel in pure Python by pypng.
    """
    _import_qrcode_without_pillow()
    from qrcode.compat.png import PngWriter

    matrix = qr_matrix(code)
    side = len(matrix) * QR_PNG_SCALE
    padding = -side % 8
    rows: list[bytes] = []
    for modules in matrix:
        bits = "".join("0" * QR_PNG_SCALE if dark else "1" * QR_PNG_SCALE for dark in modules)
        packed = int(bits + "0" * padding, 2).to_bytes((side + padding) // 8, "big")
        rows.extend([packed] * QR_PNG_SCALE)
    buffer = io.BytesIO()
    PngWriter(side, side, greyscale=True, bitdepth=1).write_packed(buffer, rows)
    return buffer.getvalue()


def qr_svg(code: str) -> bytes:
    """The QR as SVG: one path of dark squares on a white background, with the quiet zone
    (decoders such as zbar read nothing on a transparent background).

    The bytes of qrcode's ``SvgPathFillImage`` at ``box_size=10``, where one module is one
    user unit and 1 mm: a square per dark module, row by row, in whole numbers.
    """
    modules: list[list[bool]] = qr_symbol(code).modules  # no quiet zone
    side = len(modules) + 2 * QR_BORDER
    squares = "".join(
        f"M{x},{y}H{x + 1}V{y + 1}H{x}z"
        for y, row in enumerate(modules, start=QR_BORDER)
        for x, dark in enumerate(row, start=QR_BORDER)
        if dark
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<svg width="{side}mm" height="{side}mm" version="1.1" viewBox="0 0 {side} {side}" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<rect fill="white" x="0" y="0" width="100%" height="100%"/>'
        f'<path d="{squares}" id="qr-path" fill="#000000" fill-opacity="1" '
        'fill-rule="nonzero" stroke="none"/></svg>'
    ).encode()
