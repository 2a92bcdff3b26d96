"""Text in any script on the e-ticket PDF, always inside the width it is given.

The PDF's built-in fonts (Helvetica) draw Windows-1252 only: enough for "Zoë Çelik", not for
"山田", "Αλέξης" or "Жанна". A line that Helvetica can draw is drawn with it as before (no font
file to read). Any other line is drawn with Open Sans (Latin, Greek, Cyrillic; TrueType files
shipped by the ``ttf-opensans`` package and embedded as a subset) and, for the characters
Open Sans lacks, with reportlab's CID fonts for Japanese, Chinese and Korean, which need no
file at all (PDF viewers bring those glyphs).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

BUILT_IN = {False: "Helvetica", True: "Helvetica-Bold"}
OPEN_SANS = {False: "OpenSans-Regular", True: "OpenSans-Bold"}
CJK_FONTS = (
    # (Python codec whose character set the font covers, reportlab CID font)
    ("cp932", "HeiseiKakuGo-W5"),  # Japanese: kana and JIS kanji
    ("gbk", "STSong-Light"),  # simplified Chinese
    ("big5hkscs", "MSung-Light"),  # traditional Chinese
    ("cp949", "HYGothic-Medium"),  # Korean
)
MISSING = "?"
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Run:
    """Characters drawn with one font."""

    font: str
    text: str


def _open_sans_path(name: str) -> Path:
    """The TrueType file inside the ``ttf_opensans`` package, found without importing it
    (its ``__init__`` loads Pillow)."""
    spec = importlib.util.find_spec("ttf_opensans")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the ttf-opensans package is missing; reinstall cinema-cli")
    return Path(next(iter(spec.submodule_search_locations))) / "ttf" / f"{name}.ttf"


@cache
def _open_sans(bold: bool) -> frozenset[int]:
    """Register Open Sans once per process; returns the code points it covers."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = OPEN_SANS[bold]
    font = TTFont(name, _open_sans_path(name))
    pdfmetrics.registerFont(font)
    return frozenset(font.face.charToGlyph)


@cache
def _cjk_font(char: str) -> str | None:
    """The CID font that draws ``char``, registered on first use; ``None`` if none does."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    for codec, name in CJK_FONTS:
        try:
            char.encode(codec)
        except UnicodeEncodeError:
            continue
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(name))
        return name
    return None


def runs(text: str, bold: bool = False) -> list[Run]:
    """``text`` cut into runs of characters that one font draws."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        pass
    else:
        return [Run(BUILT_IN[bold], text)] if text else []
    covered = _open_sans(bold)
    result: list[Run] = []
    for char in text:
        font: str | None = OPEN_SANS[bold]
        if ord(char) not in covered:
            font = _cjk_font(char)
        if font is None:
            font, char = OPEN_SANS[bold], MISSING
        if result and result[-1].font == font:
            result[-1] = Run(font, result[-1].text + char)
        else:
            result.append(Run(font, char))
    return result


def width_of(parts: list[Run], size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(sum(stringWidth(part.text, part.font, size) for part in parts))


def fit(text: str, size: float, max_width: float, bold: bool = False) -> list[Run]:
    """The runs of ``text``, cut short with an ellipsis if they would be wider than
    ``max_width``."""
    parts = runs(text, bold)
    if width_of(parts, size) <= max_width:
        return parts
    kept = text
    while kept:
        kept = kept[:-1].rstrip()
        parts = runs(kept + ELLIPSIS, bold)
        if width_of(parts, size) <= max_width:
            return parts
    return []


def draw(
    pdf: Canvas,
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    max_width: float,
    bold: bool = False,
    align: str = "left",
) -> None:
    """Draw ``text`` at ``y`` starting at ``x`` (``align="centre"``: centred on ``x``;
    ``"right"``: ending at ``x``), never wider than ``max_width``."""
    parts = fit(text, size, max_width, bold)
    width = width_of(parts, size)
    if align == "centre":
        x -= width / 2
    elif align == "right":
        x -= width
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for part in parts:
        pdf.setFont(part.font, size)
        pdf.drawString(x, y, part.text)
        x += stringWidth(part.text, part.font, size)
