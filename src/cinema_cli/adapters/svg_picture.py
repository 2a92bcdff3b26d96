"""Draw the plain SVGs that QR generators write into a Pillow image, so that a QR decoder can
read them: ``<rect>`` and ``<path>`` made of straight lines (filled or stroked), in ``<g>``
groups with ``translate``/``scale``/``matrix`` transforms, on a white page.

That covers the SVG QR codes cinema writes (qrcode: one path of squares on a white rect) and
those it wrote before (segno: stroked horizontal lines, transparent background). Curves,
circles, text, images and styles sheets are refused with :class:`SvgUnsupported`, naming
what could not be drawn. A full SVG renderer (cairosvg needs the cairo C library) would be a
heavy dependency for one option of one command.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from PIL import Image

TARGET_PIXELS = 1000
"""Size of the longer side of the drawing: about 20 pixels per module of a ticket QR."""
IGNORED = {"title", "desc", "metadata", "defs"}
_NUMBER = r"[-+]?(?:\d*\.\d+|\d+\.?)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"[A-Za-z]|{_NUMBER}")
_TRANSFORM = re.compile(r"(matrix|translate|scale)\s*\(([^)]*)\)")

Matrix = tuple[float, float, float, float, float, float]
"""An affine transform ``(a, b, c, d, e, f)``: x' = a x + c y + e, y' = b x + d y + f."""
Point = tuple[float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class SvgUnsupported(ValueError):
    """The SVG holds something this small renderer does not draw."""


def render_svg(path: Path) -> Image.Image:
    """The SVG at ``path`` as a greyscale image (black on white)."""
    from PIL import Image, ImageDraw

    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise SvgUnsupported(f"malformed XML: {error}") from None
    if _local(root.tag) != "svg":
        raise SvgUnsupported(f"a <{_local(root.tag)}> document")
    x0, y0, width, height = _view_box(root)
    scale = TARGET_PIXELS / max(width, height)
    picture = Image.new("L", (math.ceil(width * scale), math.ceil(height * scale)), 255)
    pen = ImageDraw.Draw(picture)
    page: Matrix = (scale, 0.0, 0.0, scale, -x0 * scale, -y0 * scale)
    for polygon, grey in _shapes(root, page, {"fill": "black"}, (width, height)):
        if len(polygon) >= 3:
            pen.polygon(polygon, fill=grey)
    return picture


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _length(text: str | None, whole: float = 0.0) -> float:
    if text is None:
        raise SvgUnsupported("a shape without a size")
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) * whole / 100
    match = re.fullmatch(rf"({_NUMBER})\s*(px|mm|pt|cm|in)?", text)
    if match is None:
        raise SvgUnsupported(f"the length {text!r}")
    return float(match.group(1))


def _view_box(root: ElementTree.Element) -> tuple[float, float, float, float]:
    box = root.get("viewBox")
    if box:
        numbers = [float(n) for n in re.findall(_NUMBER, box)]
        if len(numbers) == 4 and numbers[2] > 0 and numbers[3] > 0:
            return numbers[0], numbers[1], numbers[2], numbers[3]
    width, height = _length(root.get("width")), _length(root.get("height"))
    if width <= 0 or height <= 0:
        raise SvgUnsupported("a picture without a size")
    return 0.0, 0.0, width, height


def _compose(outer: Matrix, inner: Matrix) -> Matrix:
    a, b, c, d, e, f = outer
    p, q, r, s, t, u = inner
    return (a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s, a * t + c * u + e,
            b * t + d * u + f)  # fmt: skip


def _transform(text: str | None) -> Matrix:
    matrix = IDENTITY
    if not text:
        return matrix
    for name, arguments in _TRANSFORM.findall(text):
        n = [float(value) for value in re.findall(_NUMBER, arguments)]
        if name == "matrix" and len(n) == 6:
            step: Matrix = (n[0], n[1], n[2], n[3], n[4], n[5])
        elif name == "translate" and len(n) in (1, 2):
            step = (1.0, 0.0, 0.0, 1.0, n[0], n[1] if len(n) == 2 else 0.0)
        elif name == "scale" and len(n) in (1, 2):
            step = (n[0], 0.0, 0.0, n[1] if len(n) == 2 else n[0], 0.0, 0.0)
        else:
            raise SvgUnsupported(f"the transform {name}({arguments})")
        matrix = _compose(matrix, step)
    if _TRANSFORM.sub("", text).strip(" ,"):
        raise SvgUnsupported(f"the transform {text!r}")
    return matrix


def _apply(matrix: Matrix, point: Point) -> Point:
    a, b, c, d, e, f = matrix
    x, y = point
    return a * x + c * y + e, b * x + d * y + f


def _grey(colour: str | None) -> int | None:
    """Grey level of a paint (``None``: not painted). Anything not clearly light is dark."""
    if colour is None or colour.strip() in ("none", "transparent"):
        return None
    colour = colour.strip().lower()
    named = {"white": "#ffffff", "black": "#000000"}
    colour = named.get(colour, colour)
    if re.fullmatch(r"#[0-9a-f]{3}", colour):
        colour = "#" + "".join(char * 2 for char in colour[1:])
    if re.fullmatch(r"#[0-9a-f]{6}", colour):
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return round(0.299 * red + 0.587 * green + 0.114 * blue)
    return 0


def _paint(element: ElementTree.Element, inherited: dict[str, str]) -> dict[str, str]:
    paint = dict(inherited)
    for key in ("fill", "stroke", "stroke-width", "fill-opacity"):
        if element.get(key) is not None:
            paint[key] = str(element.get(key))
    for declaration in (element.get("style") or "").split(";"):
        key, _, value = declaration.partition(":")
        if key.strip() in ("fill", "stroke", "stroke-width"):
            paint[key.strip()] = value.strip()
    return paint


def _shapes(
    element: ElementTree.Element,
    matrix: Matrix,
    inherited: dict[str, str],
    size: tuple[float, float],
) -> Iterator[tuple[list[Point], int]]:
    """Every polygon to fill, in document order, with its grey level."""
    for child in element:
        kind = _local(child.tag) if isinstance(child.tag, str) else "comment"
        if kind in IGNORED or kind == "comment":
            continue
        here = _compose(matrix, _transform(child.get("transform")))
        paint = _paint(child, inherited)
        if kind in ("g", "svg"):
            yield from _shapes(child, here, paint, size)
        elif kind == "rect":
            yield from _rect(child, here, paint, size)
        elif kind == "path":
            yield from _path(child.get("d") or "", here, paint)
        else:
            raise SvgUnsupported(f"<{kind}> elements")


def _rect(
    element: ElementTree.Element, matrix: Matrix, paint: dict[str, str], size: tuple[float, float]
) -> Iterator[tuple[list[Point], int]]:
    grey = _grey(paint.get("fill"))
    if grey is None or paint.get("fill-opacity", "1").strip() in ("0", "0.0"):
        return
    x = _length(element.get("x", "0"), size[0])
    y = _length(element.get("y", "0"), size[1])
    width = _length(element.get("width"), size[0])
    height = _length(element.get("height"), size[1])
    corners = [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
    yield [_apply(matrix, corner) for corner in corners], grey


def _subpaths(d: str) -> list[list[Point]]:
    """The straight-line subpaths of a path's ``d`` (M, L, H, V, Z, absolute or relative)."""
    tokens = _TOKEN.findall(d)
    result: list[list[Point]] = []
    current: list[Point] = []
    x = y = 0.0
    command = ""
    index = 0
    while index < len(tokens):
        if tokens[index].isalpha():
            command = tokens[index]
            index += 1
            if command in "Zz":
                if current:
                    result.append(current)
                    x, y = current[0]
                current = []
                continue
        if command not in "MmLlHhVv" or not command:
            raise SvgUnsupported(f"the path command {command or tokens[index]!r} (curves)")
        relative = command.islower()
        take = 1 if command in "HhVv" else 2
        values = [float(value) for value in tokens[index : index + take]]
        if len(values) < take or any(token.isalpha() for token in tokens[index : index + take]):
            raise SvgUnsupported("a path with missing numbers")
        index += take
        if command in "Hh":
            x = values[0] + (x if relative else 0.0)
        elif command in "Vv":
            y = values[0] + (y if relative else 0.0)
        else:
            x = values[0] + (x if relative else 0.0)
            y = values[1] + (y if relative else 0.0)
        if command in "Mm":
            if len(current) > 1:
                result.append(current)
            current = [(x, y)]
            command = "l" if relative else "L"  # further pairs after M are lines
        else:
            current.append((x, y))
    if len(current) > 1:
        result.append(current)
    return result


def _path(d: str, matrix: Matrix, paint: dict[str, str]) -> Iterator[tuple[list[Point], int]]:
    subpaths = _subpaths(d)
    fill = _grey(paint.get("fill"))
    if fill is not None:
        for points in subpaths:
            yield [_apply(matrix, point) for point in points], fill
    stroke = _grey(paint.get("stroke"))
    if stroke is None:
        return
    half = _length(paint.get("stroke-width", "1")) / 2
    for points in subpaths:
        for (x1, y1), (x2, y2) in pairwise(points):
            length = math.hypot(x2 - x1, y2 - y1)
            if length == 0:
                continue
            nx, ny = (y1 - y2) / length * half, (x2 - x1) / length * half
            band = [(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)]
            yield [_apply(matrix, corner) for corner in band], stroke
