"""A shareable poster of an event (a PNG for WeChat groups): title, time, venue, the bureau's name and a QR
code of the public registration page (`urls.event_page`).

Chinese text needs a CJK font. The first that exists of `POSTER_FONT` (a setting), a font vendored in
`static/vendor/fonts/`, and the Debian packages' fonts (`fonts-wqy-zenhei`, which `make run` and
`make chromium` install, `fonts-noto-cjk`) is used; without any, the poster is still drawn with Pillow's
own font (Latin only: Chinese shows as boxes) and a warning is logged once, so the page never fails.
"""
from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

import qrcode
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from .. import urls
from ..models import Event
from .events import in_zone

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 1080, 1440
MARGIN = 72
BLUE = (13, 71, 161)
INK = (33, 37, 41)
GREY = (90, 98, 106)
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


def font_candidates() -> list[Path]:
    configured = current_app.config.get("POSTER_FONT")
    vendored = Path(current_app.static_folder or "static") / "vendor" / "fonts"
    found = [Path(configured)] if configured else []
    if vendored.is_dir():
        found += sorted(p for p in vendored.iterdir() if p.suffix.lower() in (".ttf", ".otf", ".ttc"))
    return found + [Path(p) for p in SYSTEM_FONTS]


@lru_cache(maxsize=8)
def _font_file(candidates: tuple[Path, ...]) -> Path | None:
    for path in candidates:
        if path.is_file():
            return path
    log.warning("no CJK font found for posters (tried %s); Chinese text will not show",
                ", ".join(map(str, candidates)))
    return None


def font_file() -> Path | None:
    """The CJK font posters are drawn with, or None (Pillow's own font)."""
    return _font_file(tuple(font_candidates()))


def _font(size: int) -> FontType:
    path = font_file()
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            log.warning("poster font %s cannot be read", path)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: FontType, width: int, max_lines: int) -> list[str]:
    """Lines of `text` no wider than `width`, broken at any character (Chinese has no spaces); the last
    line ends with … when the text does not fit in `max_lines`."""
    lines: list[str] = []
    for paragraph in " ".join(text.split()).split("\n"):
        line = ""
        for char in paragraph:
            if draw.textlength(line + char, font=font) > width and line:
                lines.append(line)
                line = char.lstrip()
            else:
                line += char
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and draw.textlength(lines[-1] + "…", font=font) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return lines


def _qr(data: str, size: int) -> Image.Image:
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    symbol.add_data(data)
    symbol.make(fit=True)
    matrix = symbol.get_matrix()
    box = max(size // len(matrix), 1)
    image = Image.new("L", (len(matrix) * box, len(matrix) * box), 255)
    pixels = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels.rectangle((x * box, y * box, x * box + box - 1, y * box + box - 1), fill=0)
    return image


def bureau_name() -> str:
    return current_app.config.get("BUREAU_NAME") or _("District Investment Promotion Bureau")


def render(event: Event) -> bytes:
    """The poster as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    # The bureau's band at the top.
    draw.rectangle((0, 0, WIDTH, 170), fill=BLUE)
    band = _font(44)
    for i, line in enumerate(_wrap(draw, bureau_name(), band, inner, 2)):
        draw.text((MARGIN, 48 + i * 54), line, font=band, fill=(255, 255, 255))
    y = 230
    title_font = _font(68)
    for line in _wrap(draw, event.title, title_font, inner, 4):
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += 88
    y += 24
    draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=(222, 226, 230), width=3)
    y += 36
    detail = _font(40)
    starts, ends = in_zone(event, event.starts_at), in_zone(event, event.ends_at)
    assert starts is not None and ends is not None
    when = f"{starts:%Y-%m-%d %H:%M} – {ends:%H:%M}" if starts.date() == ends.date() \
        else f"{starts:%Y-%m-%d %H:%M} – {ends:%Y-%m-%d %H:%M}"
    rows = [(_("Time"), when)]
    place = "，".join(p for p in (event.venue, event.address) if p)
    if place:
        rows.append((_("Place"), place))
    for label, value in rows:
        for line in _wrap(draw, f"{label}：{value}", detail, inner, 3):
            draw.text((MARGIN, y), line, font=detail, fill=INK)
            y += 56
        y += 8
    # The QR code of the public page, centred in what is left.
    qr_size = min(520, HEIGHT - y - 190)
    code = _qr(urls.event_page(event.id), qr_size)
    top = y + max((HEIGHT - y - 150 - code.height) // 2, 20)
    image.paste(code, ((WIDTH - code.width) // 2, top))
    caption = _font(38)
    text = _("Scan the code to see the event and register")
    draw.text((WIDTH // 2, top + code.height + 28), text, font=caption, fill=GREY, anchor="ma")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
