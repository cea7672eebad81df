"""Pure-Python helpers for the tests: decode a PNG to greyscale pixels, read QR codes from it with
zxing-cpp, and turn it into a one-frame .y4m video for chromium's fake camera."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, greyscale pixels) of an 8-bit greyscale, grey+alpha, RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0, "only 8-bit, non-interlaced"
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    grey = bytearray()
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            upleft = previous[i - channels] if i >= channels else 0
            row[i] = (row[i] + (0, left, up, (left + up) // 2, _paeth(left, up, upleft))[kind]) & 0xFF
        previous = row
        if channels == 1:
            grey += row
        elif channels == 2:
            grey += row[0::2]
        else:
            grey += bytes((row[i] * 299 + row[i + 1] * 587 + row[i + 2] * 114) // 1000
                          for i in range(0, stride, channels))
    return width, height, bytes(grey)


def read_qr(png: bytes) -> list[str]:
    import zxingcpp

    width, height, pixels = decode_png(png)
    view = memoryview(pixels).cast("B", (height, width))
    return [b.text for b in zxingcpp.read_barcodes(view, formats=zxingcpp.BarcodeFormat.QRCode)]


def png_to_y4m(png: bytes, path: Path, width: int = 640, height: int = 480) -> Path:
    """One C420jpeg frame: the PNG centred on white (nearest neighbour), small enough to lie wholly
    inside qr-scanner's default scan region, the central two thirds of the shorter side."""
    w, h, pixels = decode_png(png)
    scale = min(width, height) * 0.55 / max(w, h)
    sw, sh = int(w * scale), int(h * scale)
    x0, y0 = (width - sw) // 2, (height - sh) // 2
    y_plane = bytearray(b"\xff" * (width * height))
    for y in range(sh):
        src = int(y / scale) * w
        row = (y0 + y) * width + x0
        for x in range(sw):
            y_plane[row + x] = pixels[src + int(x / scale)]
    chroma = b"\x80" * ((width // 2) * (height // 2))
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + bytes(y_plane) + chroma + chroma)
    return path
