"""Language choice: ?lang=, then the cookie, then Accept-Language; Chinese by default."""
from __future__ import annotations

from functools import cache

from babel import Locale
from flask import g, has_request_context, request

COOKIE = "lang"
# Babel's CLDR data knows Simplified Chinese of China as zh_Hans_CN (it parses "zh_CN"
# to that), so the catalogue lives in translations/zh_Hans_CN; users and settings say zh_CN.
DEFAULT = "zh_CN"
_ALIASES = {"zh": "zh_CN", "zh-cn": "zh_CN", "zh-hans": "zh_CN", "zh-hans-cn": "zh_CN",
            "en": "en", "en-us": "en", "en-gb": "en"}


def known(value: str | None) -> str | None:
    """'zh-CN', 'zh_cn', 'en-US' … → 'zh_CN' or 'en'; anything else → None."""
    if not value:
        return None
    return _ALIASES.get(value.strip().lower().replace("_", "-")[:20])


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT
    chosen = known(request.args.get("lang"))
    if chosen:
        g.lang_from_query = chosen
        return chosen
    chosen = known(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return known(best) or DEFAULT


@cache
def _parsed(name: str) -> Locale:
    return Locale.parse(name)


def request_locale() -> Locale:
    """`select_locale` as the Locale Flask-Babel wants, parsed once per name rather than once per
    request: Babel's parse scans its whole list of locales (half a millisecond, the largest cost of a
    small API answer)."""
    return _parsed(select_locale())


def remember_choice(response):
    """Keep a language picked with ?lang= for the next pages."""
    chosen = g.get("lang_from_query")
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
