"""Chinese first, English second: language choice, and no untranslated English in zh_CN."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from tests.conftest import ROOT
from tests.conftest import sign_in as _login

CATALOGUE = ROOT / "roadshow" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"

# Words that stay in Latin letters in a Chinese page: the language switch, API words, units.
ALLOWED = {"English", "Roadshow", "API", "PDF", "Excel", "CSV", "XLSX", "QR", "ICS", "Email", "GB", "Outlook"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label", "alt") and value:
                self.chunks.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs:
                self.chunks.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def english_words(html: str) -> set[str]:
    """Latin words a Chinese reader would see, minus emails, URLs and the allowed ones."""
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.chunks)
    text = re.sub(r"\S+@\S+|https?://\S+|/\S+", " ", text)
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    return {w for w in words if w not in ALLOWED}


def test_every_catalogue_entry_is_translated():
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or "fuzzy" in m.flags)]
    assert untranslated == []


def test_catalogue_covers_every_string_in_the_code():
    """A string marked for translation but missing from the catalogue would show in English."""
    from babel.messages.extract import extract_from_dir

    method_map = [("roadshow/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = {msg[2] if isinstance(msg[2], str) else msg[2][0]
             for msg in extract_from_dir(str(ROOT), method_map, keywords=keywords)
             if "/.venv/" not in str(msg[0])}
    with CATALOGUE.open("rb") as fh:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert sorted(found - known) == []


def test_pages_show_no_english_in_chinese(app, client, make_user):
    from roadshow.demo import scenario_2023 as demo
    from roadshow.extensions import db

    with app.app_context():
        demo.load()
        db.session.commit()
    pages = {"/login": client.get("/login"), "/missing": client.get("/no-such-page")}
    assert _login(client, make_user("organiser")).status_code == 302
    pages["/"] = client.get("/")
    pages["403"] = client.get("/api-not-here/../")  # normalised to /
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert re.search(r"[\u4e00-\u9fff]", html), name
        assert english_words(html) == set(), f"{name} shows English: {english_words(html)}"


def test_english_pages_are_english(client, make_user):
    _login(client, make_user("viewer"))
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Upcoming events" in html and "即将举行的活动" not in html


def test_language_precedence(client):
    def title(**kw):
        return re.search(r"<title>(.*?)</title>", client.get("/login", **kw).get_data(as_text=True)).group(1)

    client.delete_cookie("lang")
    assert "登录" in title()  # default: Chinese
    assert "Sign in" in title(headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "登录" in title(headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "Sign in" in title(query_string={"lang": "en"})  # sets the cookie
    assert "Sign in" in title(headers={"Accept-Language": "zh-CN"})  # cookie beats the header
    assert "登录" in title(query_string={"lang": "zh_CN"}, headers={"Accept-Language": "en"})  # query beats all
    assert "登录" in title(headers={"Accept-Language": "en"})
    assert "登录" in title(query_string={"lang": "xx"})  # unknown language: ignored


def test_language_switch_keeps_the_query(client):
    html = client.get("/login?next=/organisations").get_data(as_text=True)
    assert 'href="/login?next=%2Forganisations&amp;lang=en"' in html


def test_signed_in_pages_are_not_cached(client, make_user):
    _login(client, make_user("viewer"))
    assert client.get("/").headers["Cache-Control"] == "no-store"
