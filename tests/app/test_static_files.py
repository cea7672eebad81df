"""Static files for slow networks (roadshow/static_files.py): versioned URLs cached for a year, CSS and
JavaScript gzipped for clients that accept it, everything else as Flask serves it."""
from __future__ import annotations

import gzip
import re

from flask import url_for

from roadshow.web.checkin import DOOR_SHELL
from tests import factories as f
from tests.conftest import sign_in

CSS = "vendor/bootstrap/bootstrap.min.css"


def versioned(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_static_urls_carry_the_files_hash(app, client):
    url = versioned(app, CSS)
    assert re.fullmatch(r"/static/vendor/bootstrap/bootstrap\.min\.css\?v=[0-9a-f]{12}", url)
    assert versioned(app, "js/door.js").split("?v=")[1] != url.split("?v=")[1]
    assert "?v=" in versioned(app, "js/door.js")
    html = client.get("/login").get_data(as_text=True)
    assert url.replace("&", "&amp;") in html
    assert versioned(app, "no/such/file.css") == "/static/no/such/file.css"  # nothing to hash: no version


def test_versioned_file_is_cached_for_a_year_and_gzipped(app, client):
    url = versioned(app, CSS)
    with open(f"{app.static_folder}/{CSS}", "rb") as fh:
        original = fh.read()
    r = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert r.status_code == 200 and r.mimetype == "text/css"
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert gzip.decompress(r.data) == original
    assert len(r.data) < len(original) / 5
    assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": r.headers["ETag"]}).status_code == 304

    identity = client.get(url)  # a client that does not accept gzip gets the file as it is
    assert identity.headers.get("Content-Encoding") is None
    assert identity.data == original
    assert identity.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_unversioned_or_stale_urls_are_revalidated(app, client):
    for url in ("/static/js/door.js", "/static/js/door.js?v=000000000000"):
        r = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache"
        assert r.headers["Content-Encoding"] == "gzip" and r.headers["ETag"]


def test_small_and_binary_files_are_not_compressed(app, client):
    r = client.get(versioned(app, "css/app.css"), headers={"Accept-Encoding": "gzip"})  # 236 bytes
    assert r.status_code == 200 and r.headers.get("Content-Encoding") is None
    assert "immutable" in r.headers["Cache-Control"]
    r = client.get(versioned(app, "vendor/bootstrap/LICENSE"), headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers.get("Content-Encoding") is None


def test_missing_and_outside_files_are_404(client):
    for url in ("/static/nope.js", "/static/../app.py", "/static/js", "/static/%2e%2e/app.py"):
        assert client.get(url, headers={"Accept-Encoding": "gzip"}).status_code == 404


def test_door_page_loads_only_what_the_service_worker_precaches(app, client, make_user):
    """The service worker precaches DOOR_SHELL: every stylesheet and script the door page loads is in it,
    at the same versioned URL, and the typed-code form waits for the page's script (disabled until ready)."""
    with app.app_context():
        event_id = f.event("淮南牛肉汤产业项目路演会").id
    sign_in(client, make_user("door"))
    html = client.get(f"/door/{event_id}").get_data(as_text=True)
    tags = r'<(?:link rel="stylesheet"|script[^>]*) (?:href|src)="([^"]+)"'
    loaded = {u.replace("&amp;", "&") for u in re.findall(tags, html)}
    assert loaded and all("?v=" in u for u in loaded)
    script = client.get("/door/sw.js").get_data(as_text=True)
    shell = set(re.findall(r'"(/static/[^"]+)"', re.search(r"const SHELL = (\[.*?\]);", script).group(1)))
    assert loaded <= shell
    assert shell == {versioned(app, name) for name in DOOR_SHELL}
    assert re.search(r'<input id="manual-code"[^>]* disabled', html)
    assert re.search(r'<button[^>]*id="manual-submit"[^>]* disabled', html)


def test_favicon_is_the_apps_icon(app, client):
    """/favicon.ico, which browsers ask for on every first page load, redirects to the icon the pages link."""
    icon = versioned(app, "favicon.svg")
    assert "?v=" in icon
    r = client.get("/favicon.ico")
    assert r.status_code == 302 and r.headers["Location"] == icon
    assert "public" in r.headers["Cache-Control"] and "max-age=86400" in r.headers["Cache-Control"]
    svg = client.get(icon)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<svg") and "immutable" in svg.headers["Cache-Control"]
    html = client.get("/login").get_data(as_text=True)
    assert f'<link rel="icon" type="image/svg+xml" href="{icon.replace("&", "&amp;")}">' in html


def test_static_files_neither_vary_by_nor_set_the_session_cookie(app, client, make_user):
    """A static file is the same for everyone: its answer has no `Vary: Cookie` (Flask-Login's after-request
    hook reads the session on every request, which would add it and keep shared caches from sharing it) and
    sets no cookie, signed in or not; pages still vary by the session."""
    url = versioned(app, CSS)
    for signed_in in (False, True):
        if signed_in:
            assert sign_in(client, make_user("organiser")).status_code == 302
        for headers in ({}, {"Accept-Encoding": "gzip"}):
            r = client.get(url, headers=headers)
            assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]
            assert "Cookie" not in r.headers.get("Vary", "") and "Set-Cookie" not in r.headers
        small = client.get(versioned(app, "favicon.svg"))
        assert "Cookie" not in small.headers.get("Vary", "") and "Set-Cookie" not in small.headers
    page = client.get("/")
    assert page.status_code == 200 and "Cookie" in page.headers["Vary"]
