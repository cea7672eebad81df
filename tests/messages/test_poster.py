"""The shareable poster: a PNG whose QR code (decoded with zxing-cpp) opens the public page, drawn with a
CJK font (or, without one, still drawn); who may fetch it; the public page's Open Graph tags."""
from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from roadshow.models import EventStatus
from roadshow.services import poster
from tests import factories


def _decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_poster_is_a_png_whose_qr_opens_the_public_page(client, app_ctx):
    ev = factories.event("淮南牛肉汤产业项目路演会" * 3, venue="田家庵区会展中心", address="淮南市田家庵区洞山中路")
    response = client.get(f"/events/{ev.id}/poster.png")  # anonymous: it is shared in WeChat groups
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (poster.WIDTH, poster.HEIGHT)
    assert _decode(response.data) == [f"http://localhost/e/{ev.id}"]


def test_chinese_is_drawn_with_a_cjk_font(app_ctx):
    # fonts-wqy-zenhei is installed by the set-up (make chromium / make run).
    path = poster.font_file()
    assert path is not None and path.is_file()
    font = poster._font(40)
    assert font.getbbox("路演")[2] > font.getbbox("")[2]


def test_without_a_cjk_font_the_poster_is_still_drawn(client, app_ctx, app, monkeypatch, tmp_path):
    monkeypatch.setattr(poster, "SYSTEM_FONTS", (str(tmp_path / "none.ttc"),))
    monkeypatch.setitem(app.config, "POSTER_FONT", str(tmp_path / "missing.ttf"))
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    assert poster.font_file() is None
    ev = factories.event("Roadshow 2027")
    response = client.get(f"/events/{ev.id}/poster.png")
    assert response.status_code == 200
    assert _decode(response.data) == [f"http://localhost/e/{ev.id}"]


def test_a_draft_poster_is_for_organisers_only(client, app_ctx, make_user):
    from tests.conftest import sign_in

    ev = factories.event(status=EventStatus.draft)
    assert client.get(f"/events/{ev.id}/poster.png").status_code == 404
    assert client.get("/events/999999/poster.png").status_code == 404
    sign_in(client, make_user("organiser"))
    assert client.get(f"/events/{ev.id}/poster.png").status_code == 200


def test_the_public_page_carries_open_graph_tags(client, app_ctx):
    ev = factories.event("淮南牛肉汤产业项目路演会", venue="田家庵区会展中心",
                         starts_at=factories.aware(2027, 4, 18, 9))
    page = client.get(f"/e/{ev.id}").get_data(as_text=True)
    tags = dict(re.findall(r'<meta property="(og:[a-z]+)" content="([^"]*)">', page))
    assert tags["og:title"] == "淮南牛肉汤产业项目路演会"
    assert "2027-04-18 09:00" in tags["og:description"] and "田家庵区会展中心" in tags["og:description"]
    assert tags["og:image"] == f"http://localhost/events/{ev.id}/poster.png"
    assert client.get(tags["og:image"].removeprefix("http://localhost")).status_code == 200


def test_the_event_page_offers_the_poster(client, app_ctx, make_user):
    from tests.conftest import sign_in

    ev = factories.event()
    sign_in(client, make_user("organiser"))
    page = client.get(f"/events/{ev.id}").get_data(as_text=True)
    assert f'href="/events/{ev.id}/poster.png"' in page and 'id="poster-download"' in page


@pytest.mark.parametrize("title", ["<script>", "", "\n\n", "路" * 200])
def test_odd_titles_do_not_break_the_poster(app_ctx, title):
    ev = factories.event(title or " ")
    assert _decode(poster.render(ev)) == [f"http://localhost/e/{ev.id}"]
