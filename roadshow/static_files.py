"""Static files for slow networks: versioned URLs cached for a year, text files sent gzipped.

`url_for('static', filename=…)` adds `?v=<hash of the file>`; a request carrying the file's current hash is
answered `Cache-Control: public, max-age=31536000, immutable`, so a browser (and the door's service worker)
never asks again until the file changes and its URL with it. Without the hash, or with an old one, the answer
is revalidated every time (`no-cache` with an ETag), as Flask does by default.

CSS, JavaScript and SVG are sent gzipped to clients that accept it (Bootstrap's CSS: 232 kB → 31 kB), the
compressed bytes made once per file version and kept in memory. Pages are not compressed: they carry the CSRF
token beside reflected input, which compression would expose to a BREACH-style attack. A dynamic answer that
holds no secret and reflects nothing of the request (the door's guest list) may be: `gzipped(response)`.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from pathlib import Path

from flask import Flask, Request, Response, abort, redirect, request, send_from_directory, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from werkzeug.security import safe_join
from werkzeug.wrappers import Response as BaseResponse

ONE_YEAR = 365 * 24 * 3600
GZIP_LEVEL = 9  # static files: compressed once per version, so the smallest output
GZIP_LEVEL_PER_ANSWER = 6  # answers compressed at each request: 3.3 MB of JSON in ~35 ms (level 9: ~170 ms)
COMPRESSIBLE = {".css", ".js", ".mjs", ".svg", ".json", ".txt"}
MIN_COMPRESS = 1024  # smaller files gain less than a packet
ICON = "favicon.svg"  # base.html's <link rel="icon">; /favicon.ico redirects to it for clients that ask there
ICON_REDIRECT_SECONDS = 24 * 3600  # the redirect names a version: cached a day, not a year

_lock = threading.Lock()
# path → ((mtime_ns, size), version, gzipped bytes or None until first asked for)
_files: dict[str, tuple[tuple[int, int], str, bytes | None]] = {}


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size) if path.is_file() else None


def _entry(path: Path) -> tuple[tuple[int, int], str, bytes | None] | None:
    key = _stat_key(path)
    if key is None:
        return None
    cached = _files.get(str(path))
    if cached is not None and cached[0] == key:
        return cached
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    entry = (key, version, None)
    _files[str(path)] = entry
    return entry


def _path(app: Flask, filename: str) -> Path | None:
    joined = safe_join(str(app.static_folder), filename)
    return Path(joined) if joined else None


def version(app: Flask, filename: str) -> str | None:
    """The file's content hash (12 hex digits), or None if there is no such file."""
    path = _path(app, filename)
    entry = _entry(path) if path else None
    return entry[1] if entry else None


def accepts_gzip() -> bool:
    return "gzip" in request.accept_encodings


def _compress(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    return gzip.compress(data, compresslevel=level, mtime=0)


def gzipped(response: Response) -> Response:
    """A dynamic answer of 1 kB or more, gzipped for a client that accepts it (`Vary: Accept-Encoding`
    either way). Only for an answer with no secret beside anything the request chose (BREACH): not a page,
    nothing with a CSRF token or a reflected parameter."""
    response.vary.add("Accept-Encoding")
    if (response.direct_passthrough or response.is_streamed or "Content-Encoding" in response.headers
            or not accepts_gzip()):
        return response
    body = response.get_data()
    if len(body) >= MIN_COMPRESS:
        response.set_data(_compress(body, GZIP_LEVEL_PER_ANSWER))
        response.headers["Content-Encoding"] = "gzip"
    return response


def _gzipped(path: Path) -> bytes | None:
    with _lock:
        entry = _entry(path)
        if entry is None:
            return None
        if entry[2] is None:
            entry = (entry[0], entry[1], _compress(path.read_bytes()))
            _files[str(path)] = entry
        return entry[2]


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, never saved on a static file's answer: such a file is the same for
    everyone, so its answer neither varies by the cookie nor sets it. (Flask-Login's after-request hook reads
    the session on every request, and Flask adds `Vary: Cookie` to any answer whose session was read, which
    would keep shared caches from sharing the files.)"""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # Without a cookie the session is empty: Flask would build its signing serializer for nothing
        # (an API request with a bearer token, a first visit), a measurable part of a door scan.
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()

    @app.url_defaults
    def versioned_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            digest = version(app, values["filename"])
            if digest:
                values["v"] = digest

    def static(filename: str) -> Response:
        path = _path(app, filename)
        if path is None or _stat_key(path) is None:
            abort(404)
        current = version(app, filename)
        immutable = current is not None and request.args.get("v") == current
        compressible = path.suffix in COMPRESSIBLE and path.stat().st_size >= MIN_COMPRESS
        body = _gzipped(path) if compressible and accepts_gzip() else None
        if body is not None:
            response = Response(body, mimetype=mimetypes.guess_type(path.name)[0] or "application/octet-stream")
            response.headers["Content-Encoding"] = "gzip"
            response.set_etag(f"{current}-gzip")
            response.cache_control.no_cache = True
            response.make_conditional(request)
        else:
            response = send_from_directory(str(app.static_folder), filename)
        if compressible:
            response.vary.add("Accept-Encoding")
        if immutable:
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        return response

    app.view_functions["static"] = static

    @app.get("/favicon.ico")
    def favicon() -> BaseResponse:
        """Browsers ask for /favicon.ico before (or without) reading the page's <link rel="icon">."""
        response = redirect(url_for("static", filename=ICON))
        response.cache_control.public = True
        response.cache_control.max_age = ICON_REDIRECT_SECONDS
        return response
