"""The seat map drawn as SVG: screen, rows, aisles, categories, wheelchair spaces, holds.

The same drawing serves ``cinema seats ID --format svg`` and the web page, which makes the
seats clickable: every seat is a ``<g class="seat" data-seat="C7" ...>``; available seats
are focusable buttons with a spoken label, so the map works by keyboard and screen reader.
The file stands alone (its own ``<style>``), so ``map.svg`` opens in any browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from cinema_cli.domain.models import format_amount

if TYPE_CHECKING:
    from cinema_cli.services.seats import SeatInfo, SeatMap

CELL = 30
SEAT = 24
MARGIN = 40
SCREEN_HEIGHT = 56
LEGEND_HEIGHT = 64

STYLE = """
.seat rect{stroke:#1b1b1b;stroke-width:1}
.c-standard rect{fill:#5b8def}.c-premium rect{fill:#d4a017}
.c-wheelchair rect{fill:#2e9e6a}.c-companion rect{fill:#9b6fd6}
.s-held rect{fill:url(#held)}.s-sold rect{fill:#8d949c}.s-blocked rect{fill:#e4e4e4;stroke:#bbb}
.s-held.mine rect{fill:#e0115f}.mine rect{stroke:#000;stroke-width:3}
.seat text{font:11px sans-serif;fill:#fff;pointer-events:none;text-anchor:middle}
.s-blocked text,.s-sold text{fill:#333}
.s-available{cursor:pointer}.s-available:focus rect{stroke:#000;stroke-width:3}
.selected rect{fill:#e0115f;stroke:#000;stroke-width:3}
.row-label,.legend,.screen-label{font:12px sans-serif;fill:#333}
.screen-label{text-anchor:middle;letter-spacing:4px}
"""

LEGEND = (
    ("c-standard s-available", "standard"),
    ("c-premium s-available", "premium"),
    ("c-wheelchair s-available", "wheelchair ♿"),
    ("c-companion s-available", "companion"),
    ("c-standard s-held", "held"),
    ("c-standard s-sold", "sold"),
    ("c-standard s-held mine", "your hold"),
)


def _label(info: SeatInfo, currency: str) -> str:
    price = format_amount(info.price.amount, info.price.currency)
    words = [info.seat.id, info.seat.category, f"{price} {currency}"]
    words.append("your hold" if info.mine else info.status)
    return ", ".join(str(word) for word in words)


def _seat(info: SeatInfo, currency: str, left: int, top: int) -> str:
    seat = info.seat
    x = left + seat.column * CELL
    y = top + seat.row_index * CELL
    classes = f"seat c-{seat.category} s-{info.status}" + (" mine" if info.mine else "")
    focus = ' tabindex="0" role="button"' if info.status == "available" else ' role="img"'
    mark = "♿" if seat.category == "wheelchair" else str(seat.number)
    price = format_amount(info.price.amount, currency)
    return (
        f'<g class="{classes}" data-seat={quoteattr(seat.id)} data-status="{info.status}" '
        f'data-category="{seat.category}" data-price={quoteattr(price)}'
        f"{focus} aria-label={quoteattr(_label(info, currency))}>"
        f"<title>{escape(_label(info, currency))}</title>"
        f'<rect x="{x}" y="{y}" width="{SEAT}" height="{SEAT}" rx="5"/>'
        f'<text x="{x + SEAT // 2}" y="{y + SEAT // 2 + 4}">{escape(mark)}</text></g>'
    )


def _legend(top: int) -> list[str]:
    parts = []
    for index, (classes, text) in enumerate(LEGEND):
        x = MARGIN + (index % 4) * 120
        y = top + (index // 4) * 28
        parts.append(
            f'<g class="seat {classes}" aria-hidden="true">'
            f'<rect x="{x}" y="{y}" width="18" height="18" rx="4"/></g>'
            f'<text class="legend" x="{x + 24}" y="{y + 14}">{escape(text)}</text>'
        )
    return parts


def seat_map_svg(seat_map: SeatMap) -> str:
    """The whole seat map as a standalone SVG document (UTF-8 text)."""
    seats = seat_map.seats
    columns = max((info.seat.column for info in seats), default=0) + 1
    rows = max((info.seat.row_index for info in seats), default=0) + 1
    grid_width = columns * CELL
    width = max(grid_width + 2 * MARGIN, 4 * 120 + 2 * MARGIN)
    left = (width - grid_width) // 2
    top = SCREEN_HEIGHT
    height = top + rows * CELL + 16 + LEGEND_HEIGHT
    currency = seat_map.showing.showing.currency
    title = seat_map.showing.movie.title if seat_map.showing.movie else seat_map.showing.showing.id
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" class="seat-map" '
        f"aria-label={quoteattr(f'Seat map: {title}, {seat_map.showing.room_name}')}>",
        f"<style>{STYLE}</style>",
        '<defs><pattern id="held" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f0ad4e"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#8a5a00" stroke-width="2"/></pattern></defs>',
        f'<path d="M {left} 26 Q {width // 2} 8 {left + grid_width} 26" fill="none" '
        'stroke="#555" stroke-width="4"/>',
        f'<text class="screen-label" x="{width // 2}" y="44">SCREEN</text>',
    ]
    labels: dict[int, str] = {info.seat.row_index: info.seat.row for info in seats}
    for row_index, label in sorted(labels.items()):
        y = top + row_index * CELL + SEAT // 2 + 4
        parts.append(f'<text class="row-label" x="{left - 22}" y="{y}">{escape(label)}</text>')
        parts.append(
            f'<text class="row-label" x="{left + grid_width + 8}" y="{y}">{escape(label)}</text>'
        )
    parts.extend(_seat(info, currency, left, top) for info in seats)
    parts.extend(_legend(top + rows * CELL + 16))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
