"""Upload checks: a zip bomb disguised as .xlsx is refused fast, from its declared sizes."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from roadshow.services.errors import Invalid
from roadshow.services.uploads import check_xlsx


def _real_xlsx() -> bytes:
    book = Workbook()
    book.active.append(["organisation", "kind"])
    book.active.append(["老乡鸡集团有限公司", "enterprise"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bomb(mb: int = 300) -> bytes:
    """A 'workbook' whose sheet expands to `mb` megabytes of zeros (a few hundred kB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"0" * (1024 * 1024)
            for _ in range(mb):
                sheet.write(chunk)
    return out.getvalue()


def test_real_workbook_passes(app_ctx):
    check_xlsx(_real_xlsx())


@pytest.mark.parametrize("junk", [b"", b"not a zip at all", b"PK\x03\x04garbage", "名称,类型\n".encode("gb18030")])
def test_junk_is_refused(app_ctx, junk):
    with pytest.raises(Invalid) as err:
        check_xlsx(junk)
    assert "file" in err.value.errors


def test_zip_without_workbook_is_refused(app_ctx):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(Invalid):
        check_xlsx(out.getvalue())


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_zip_bomb_refused_without_expanding(app_ctx):
    bomb = _bomb(300)
    assert len(bomb) < 2 * 1024 * 1024
    reader = CountingReader(bomb)
    with pytest.raises(Invalid) as err:
        check_xlsx(reader)
    # Only the central directory was read, not the compressed sheet, let alone 300 MB of it inflated.
    assert reader.bytes_read < len(bomb) // 10
    assert "MB" in err.value.errors["file"][0]
