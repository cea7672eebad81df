"""Production (a start under gunicorn, or PRODUCTION=true) refuses to start without PUBLIC_BASE_URL, with one
line saying why; given the setting it starts (issue 14, item 3)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from flask import Flask

from roadshow.config import load
from roadshow.hosts import ConfigurationError
from roadshow.urls import check_production
from tests.conftest import ROOT, TEST_TMP, free_port, server_env


def test_gunicorn_without_public_base_url_stops_with_one_line():
    env = server_env()
    env.pop("PUBLIC_BASE_URL", None)
    env.pop("PRODUCTION", None)
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{free_port()}", "app:app"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if "PUBLIC_BASE_URL" in line]
    assert lines == ["Roadshow refuses to start: PUBLIC_BASE_URL is not set (production needs it, e.g. "
                     "PUBLIC_BASE_URL=https://roadshow.example.gov.cn; links in mail are built from it)"]
    assert "Traceback" not in done.stderr


def _check(monkeypatch, env: dict, **config) -> None:
    for name in ("SERVER_SOFTWARE", "PRODUCTION", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = Flask(__name__)
    app.config.update(load(str(TEST_TMP / "instance")), **config)
    check_production(app)


def test_production_is_a_gunicorn_start_or_the_explicit_setting(monkeypatch):
    gunicorn = {"SERVER_SOFTWARE": "gunicorn/27.0.1"}
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        _check(monkeypatch, gunicorn)
    _check(monkeypatch, {**gunicorn, "PUBLIC_BASE_URL": "https://roadshow.example.gov.cn"})
    _check(monkeypatch, {**gunicorn, "PRODUCTION": "false"})  # said explicitly
    _check(monkeypatch, gunicorn, TESTING=True)
    _check(monkeypatch, {})  # `flask run`, the CLI
    with pytest.raises(ConfigurationError):
        _check(monkeypatch, {"PRODUCTION": "true"})
