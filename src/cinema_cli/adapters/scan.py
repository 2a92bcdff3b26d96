"""Read ticket codes from QR code pictures (the optional ``cinema-cli[scan]`` extra:
zxing-cpp decodes, Pillow opens PNG/JPEG files)."""

from __future__ import annotations

from pathlib import Path

from cinema_cli.domain.errors import InvalidInput, MissingExtra

INSTALL_HINT = "pip install 'cinema-cli[scan]'  (or pipx inject cinema-cli zxing-cpp pillow)"


def read_qr_codes(image: Path) -> list[str]:
    """The texts of every QR code found in ``image`` (PNG, JPEG...), in reading order."""
    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise MissingExtra(
            "--image needs the QR decoder (zxing-cpp and Pillow), which is not installed",
            hint=INSTALL_HINT,
        ) from None

    try:
        with Image.open(image) as opened:
            picture = opened.convert("L")
    except FileNotFoundError:
        raise InvalidInput(f"--image: {image} does not exist", field="image") from None
    except (UnidentifiedImageError, OSError) as error:
        raise InvalidInput(
            f"--image: {image} is not a readable image ({error})", field="image"
        ) from None
    found = zxingcpp.read_barcodes(picture)
    return [
        str(result.text)
        for result in found
        if result.valid and result.text and result.format == zxingcpp.BarcodeFormat.QRCode
    ]
