"""Checks on uploaded files before any parser sees them.

An .xlsx is a zip: a small file can declare entries that expand to hundreds of megabytes (a zip
bomb). `check_xlsx` reads only the zip's central directory — the declared sizes — and refuses the
file before openpyxl decompresses anything.
"""
from __future__ import annotations

import io
import zipfile
from typing import BinaryIO

from flask_babel import gettext as _

from .errors import Invalid

MAX_ENTRIES = 2_000
MAX_UNCOMPRESSED = 64 * 1024 * 1024  # all entries together, as declared
MAX_RATIO = 200  # a spreadsheet compresses well, but not a thousandfold


def check_xlsx(data: bytes | BinaryIO, field: str = "file") -> None:
    """Raise Invalid unless `data` (bytes or a seekable binary file) looks like a real, reasonably
    sized .xlsx workbook."""
    buffer = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    if not zipfile.is_zipfile(buffer):
        raise Invalid({field: [_("This is not an Excel (.xlsx) file.")]})
    try:
        with zipfile.ZipFile(buffer) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Invalid({field: [_("This is not an Excel (.xlsx) file.")]}) from None
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise Invalid({field: [_("This is not an Excel (.xlsx) file.")]})
    declared = sum(e.file_size for e in entries)
    compressed = sum(e.compress_size for e in entries) or 1
    if len(entries) > MAX_ENTRIES or declared > MAX_UNCOMPRESSED or declared / compressed > MAX_RATIO:
        raise Invalid({field: [_("The workbook expands to more than %(mb)s MB; split it into smaller files.",
                                 mb=MAX_UNCOMPRESSED // (1024 * 1024))]})
