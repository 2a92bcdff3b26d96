"""Read ticket codes from QR code pictures (the optional ``cinema-cli[scan]`` extra:
zxing-cpp decodes, Pillow opens PNG/JPEG files; SVG QR codes are drawn by
:mod:`cinema_cli.adapters.svg_picture`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cinema_cli.domain.errors import InvalidInput, MissingExtra
from cinema_cli.domain.limits import IMAGE_BYTES, IMAGE_PIXELS

if TYPE_CHECKING:
    from PIL import Image

INSTALL_HINT = "pip install 'cinema-cli[scan]'  (or pipx inject cinema-cli zxing-cpp pillow)"
FORMATS = "PNG, JPEG (any picture Pillow opens) or an SVG QR code like the ones cinema writes"


def read_qr_codes(image: Path) -> list[str]:
    """The texts of every QR code found in ``image`` (PNG, JPEG, SVG...), in reading order."""
    try:
        import zxingcpp
        from PIL import Image  # noqa: F401  (checked here: both are needed below)
    except ImportError:
        raise MissingExtra(
            "--image needs the QR decoder (zxing-cpp and Pillow), which is not installed",
            hint=INSTALL_HINT,
        ) from None

    _check_size(image)
    picture = _svg(image) if _is_svg(image) else _picture(image)
    found = zxingcpp.read_barcodes(picture)
    return [
        str(result.text)
        for result in found
        if result.valid and result.text and result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def _check_size(image: Path) -> None:
    """A regular file of at most :data:`IMAGE_BYTES` (checked before anything is read)."""
    import stat

    try:
        status = image.stat()
    except FileNotFoundError:
        raise InvalidInput(f"--image: {image} does not exist", field="image") from None
    except OSError as error:
        raise InvalidInput(
            f"--image: cannot read {image} ({error.strerror})", field="image"
        ) from None
    if not stat.S_ISREG(status.st_mode):
        raise InvalidInput(f"--image: {image} is not a regular file", field="image")
    if status.st_size > IMAGE_BYTES:
        raise InvalidInput(
            f"--image: {image} is larger than {IMAGE_BYTES:,} bytes, the limit for a picture",
            field="image",
            limit=IMAGE_BYTES,
        )


def _too_many_pixels(image: Path, size: str = "") -> InvalidInput:
    return InvalidInput(
        f"--image: {image} has more pixels{size} than the limit of {IMAGE_PIXELS:,}; "
        "give a smaller picture of the QR code",
        field="image",
        limit=IMAGE_PIXELS,
    )


def _is_svg(image: Path) -> bool:
    if image.suffix.lower() == ".svg":
        return True
    try:
        with image.open("rb") as handle:
            start = handle.read(512).lstrip()
    except OSError:
        return False
    return start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start)


def _picture(image: Path) -> Image.Image:
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, past its own limit; ours is lower and checked first,
            # from the header alone, before a pixel is decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(image) as opened:
                width, height = opened.size
                if width * height > IMAGE_PIXELS:
                    raise _too_many_pixels(image, f" ({width}x{height})")
                return opened.convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(image) from None
    except FileNotFoundError:
        raise InvalidInput(f"--image: {image} does not exist", field="image") from None
    except (UnidentifiedImageError, OSError) as error:
        raise InvalidInput(
            f"--image: {image} is not a readable image ({error}); give a {FORMATS}",
            field="image",
        ) from None


def _svg(image: Path) -> Image.Image:
    from cinema_cli.adapters.svg_picture import SvgUnsupported, render_svg

    try:
        return render_svg(image)
    except FileNotFoundError:
        raise InvalidInput(f"--image: {image} does not exist", field="image") from None
    except OSError as error:
        raise InvalidInput(
            f"--image: cannot read {image} ({error.strerror})", field="image"
        ) from None
    except (SvgUnsupported, ValueError, ArithmeticError) as error:
        raise InvalidInput(
            f"--image: cannot draw the SVG {image} (only the squares and lines of QR codes; "
            f"not {error}); give a {FORMATS}",
            field="image",
        ) from None
