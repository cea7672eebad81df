"""QR images of ticket codes, PNG and SVG, from the `qrcode` library.

The PNG is written here from the symbol's module matrix (8-bit greyscale, zlib from the standard
library) so the app needs no imaging library. The symbol encodes exactly the code string; a
26-character base32 code fits QR version 2 in alphanumeric mode at level M (25 × 25 modules), small
enough to scan fast from a phone screen.
"""
from __future__ import annotations

import struct
import zlib

import qrcode
import qrcode.image.svg

# Bump when the drawing changes, so cached images (ETag) are replaced.
RENDER_VERSION = "1"


def _symbol(data: str) -> qrcode.QRCode:
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    symbol.add_data(data)
    symbol.make(fit=True)
    return symbol


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png(data: str, box: int = 10) -> bytes:
    """A black-on-white PNG of the QR symbol, `box` pixels per module, quiet zone included."""
    matrix = _symbol(data).get_matrix()
    rows = []
    for matrix_row in matrix:
        line = b"".join((b"\x00" if dark else b"\xff") * box for dark in matrix_row)
        rows.extend([b"\x00" + line] * box)  # filter type 0 (None) per scanline
    size = len(matrix) * box
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b""))


def svg(data: str) -> bytes:
    """An SVG of the QR symbol (one path on a white background), scalable for print."""
    image = _symbol(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode").encode()
