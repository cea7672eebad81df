"""Settings from the environment (API.md "Configuration").

Nothing secret lives in the code: without ``SECRET_KEY`` a random key is generated
once into the instance folder and reused from then on.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Config


class RoadshowConfig(Config):
    """Flask's config, where the remember-me cookie is sent like the session cookie: unless set on their own,
    `REMEMBER_COOKIE_SECURE`, `_HTTPONLY` and `_SAMESITE` are the `SESSION_COOKIE_…` values of the moment
    (Flask-Login reads them with `get` on every response)."""

    FOLLOWING = {f"REMEMBER_COOKIE_{flag}": f"SESSION_COOKIE_{flag}" for flag in ("SECURE", "HTTPONLY", "SAMESITE")}

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.FOLLOWING and key not in self:
            return super().get(self.FOLLOWING[key], default)
        return super().get(key, default)


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _hosts(value: str | None) -> list[str] | None:
    """`TRUSTED_HOSTS=roadshow.example.gov.cn, .tja.gov.cn` → Flask's list (a leading dot: every subdomain)."""
    hosts = [h.strip().lower() for h in (value or "").split(",") if h.strip()]
    return hosts or None


def _optional_bool(value: str | None) -> bool | None:
    return None if value is None or value.strip() == "" else _bool(value, False)


def database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'roadshow.db'}"
    # Accept the URLs hosting providers hand out and route them to psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(url: str) -> dict:
    """Per database: SQLite waits for the writer lock instead of failing at once; PostgreSQL's pooled
    connections are checked before use only when they may have died (roadshow/pool.py, installed by
    create_app; not `pool_pre_ping`, which pinged on every checkout). Statement parameters never reach an
    error message or the log (they carry password hashes and people's phone numbers)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    return {"hide_parameters": True}


def load(instance_path: str) -> dict:
    ipath = Path(instance_path)
    ipath.mkdir(parents=True, exist_ok=True)
    env = os.environ.get
    max_upload_mb = int(env("MAX_UPLOAD_MB") or 5)
    url = database_url(ipath)
    return {
        "SECRET_KEY": _secret_key(ipath),
        "SQLALCHEMY_DATABASE_URI": url,
        "PUBLIC_BASE_URL": (env("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        # Flask's own setting: requests for any other host are refused with 400 (roadshow/hosts.py).
        "TRUSTED_HOSTS": _hosts(env("TRUSTED_HOSTS")),
        # None: production is recognised by a start under gunicorn (roadshow/hosts.py, is_production).
        "PRODUCTION": _optional_bool(env("PRODUCTION")),
        # None: the API checks its answers against their models everywhere but in production (roadshow/api).
        "API_VALIDATE_RESPONSES": _optional_bool(env("API_VALIDATE_RESPONSES")),
        "MAIL_SERVER": env("MAIL_SERVER") or None,
        "MAIL_PORT": int(env("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _bool(env("MAIL_USE_SSL"), False),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER") or "roadshow@localhost",
        # Mail retries (services/mail.py): back-off from BASE doubling up to MAX seconds, for RETRY_FOR hours;
        # a claim by a worker that died is taken over after CLAIM seconds.
        "MAIL_RETRY_BASE_SECONDS": float(env("MAIL_RETRY_BASE_SECONDS") or 30),
        "MAIL_RETRY_MAX_SECONDS": float(env("MAIL_RETRY_MAX_SECONDS") or 900),
        "MAIL_RETRY_FOR_HOURS": float(env("MAIL_RETRY_FOR_HOURS") or 120),
        "MAIL_CLAIM_SECONDS": float(env("MAIL_CLAIM_SECONDS") or 300),
        # A delivery run (mail, SMS: services/outbox.py) sends for at most this long, then starts the next.
        "MAIL_DELIVERY_RUN_SECONDS": float(env("MAIL_DELIVERY_RUN_SECONDS") or 25),
        # Background work (roadshow/jobs.py): redis://… runs jobs on Celery; unset, in this process.
        "JOBS_BROKER_URL": env("JOBS_BROKER_URL") or None,
        "JOBS_QUEUE": env("JOBS_QUEUE") or "roadshow",
        "JOBS_KEY_PREFIX": env("JOBS_KEY_PREFIX") or None,
        "JOBS_EVERY_SECONDS": float(env("JOBS_EVERY_SECONDS")) if env("JOBS_EVERY_SECONDS") else None,
        "JOBS_TICKER": _optional_bool(env("JOBS_TICKER")),

        # An HTTP SMS gateway (services/sms.py): POST JSON {"phone", "text"}; unset, SMS are written to the log.
        "SMS_GATEWAY_URL": env("SMS_GATEWAY_URL") or None,
        "SMS_GATEWAY_TOKEN": env("SMS_GATEWAY_TOKEN") or None,
        # The organiser's name on posters (services/poster.py); unset, a translated generic name.
        "BUREAU_NAME": env("BUREAU_NAME") or None,
        # A font file with Chinese glyphs for posters; unset, a vendored or a Debian font (services/poster.py).
        "POSTER_FONT": env("POSTER_FONT") or None,
        "RATELIMIT_ENABLED": _bool(env("RATELIMIT_ENABLED"), True),
        "RATELIMIT_PUBLIC": env("RATELIMIT_PUBLIC") or "30 per minute",
        "RATELIMIT_AUTH": env("RATELIMIT_AUTH") or "10 per minute",
        "RATELIMIT_TOKEN_GUESS": env("RATELIMIT_TOKEN_GUESS") or "20 per minute",
        # Shared by every worker of this machine (roadshow/ratelimit_storage.py); redis://… for several.
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or f"sqlite:///{ipath / 'ratelimits.db'}",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": env("RATELIMIT_KEY_PREFIX") or "roadshow",
        # How many reverse proxies in front of the app may set X-Forwarded-For/-Proto/-Host.
        # 0 (the default) ignores those headers: a client could otherwise pick its own address
        # and walk around the rate limits.
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES") or 0),
        "MAX_UPLOAD_MB": max_upload_mb,
        # JSON bodies and uploads share Werkzeug's limit; both answer 413 before reading.
        "MAX_CONTENT_LENGTH": max_upload_mb * 1024 * 1024,
        "API_TOKEN_TTL_HOURS": int(env("API_TOKEN_TTL_HOURS") or 24 * 7),
        # Bearer tokens are checked without a query (services/tokens.py): each process reloads the revoked
        # tokens and the active users this often, so a revocation counts everywhere within that many seconds.
        "TOKEN_REVOCATION_SECONDS": float(env("TOKEN_REVOCATION_SECONDS") or 5),
        # PostgreSQL: a pooled connection idle longer than this is pinged before use (roadshow/pool.py).
        "DB_PING_IDLE_SECONDS": float(env("DB_PING_IDLE_SECONDS") or 10),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), False),
        # The remember-me cookie's flags follow the session cookie's (RoadshowConfig).
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(env("REMEMBER_COOKIE_DAYS") or 14)),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_CN", "en"],
        "PRIVACY_POLICY_VERSION": env("PRIVACY_POLICY_VERSION") or "2026-12",
        "WTF_CSRF_TIME_LIMIT": None,
    }
