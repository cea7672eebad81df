"""Shared fixtures: a real database (SQLite file, or the PostgreSQL of DATABASE_URL),
built by the migrations; a real server process for browser and concurrency tests."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
TEST_TMP = Path(os.environ.get("ROADSHOW_TEST_TMP") or f"/tmp/roadshow-tests-{os.getpid()}")
TEST_TMP.mkdir(parents=True, exist_ok=True)
# Set before the app is imported: the instance folder holds the generated secret key.
os.environ["INSTANCE_PATH"] = str(TEST_TMP / "instance")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TEST_TMP / 'roadshow.db'}")
os.environ["RATELIMIT_ENABLED"] = "false"
os.environ.pop("MAIL_SERVER", None)

DATABASE_URL = os.environ["DATABASE_URL"]
IS_POSTGRES = DATABASE_URL.startswith("postgres")

PASSWORD = "correct-horse-battery"
# Every response a test client returned during the current test; closed when the test ends.
_RESPONSES: list = []


def pytest_report_header(config):
    return f"database: {'PostgreSQL' if IS_POSTGRES else 'SQLite'} ({re.sub(r'//[^@]*@', '//', DATABASE_URL)})"


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    """The markers of pyproject.toml, in one place: `browser` on every test that drives chromium (it uses the
    `browser` fixture, directly or through `phone` or another fixture built on it), and the skip of the
    `postgres` ones on SQLite (`@pytest.mark.postgres` or `@pytest.mark.postgres("why")`)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        needs = item.get_closest_marker("postgres")
        if needs is not None and not IS_POSTGRES:
            why = needs.args[0] if needs.args else "needs PostgreSQL"
            item.add_marker(pytest.mark.skip(reason=f"{why} (set DATABASE_URL to a PostgreSQL database)"))


def _client_class():
    from flask import g, has_app_context
    from flask.testing import FlaskClient

    from roadshow.extensions import db

    class CommittedStateClient(FlaskClient):
        """A request made while the test holds an app context (fixture `app_ctx`) shares that context's
        session and `g`. Start each request as it would start in production: end the test's transaction
        (on SQLite (WAL) an open read pins a snapshot, so the request would not see rows committed since,
        e.g. a user made by `make_user`) and clear `g` (Flask-Login caches the signed-in user there).
        Its responses are closed when the test ends, as a server closes each response it sent: a
        download (`send_file`) holds its file open until then. So is the request body: Werkzeug's client
        spools a large upload to a temporary file, and closes it with the response only when it followed
        redirects."""

        def open(self, *args, **kwargs):
            if has_app_context():
                db.session.commit()
                for name in list(g):
                    g.pop(name)
            response = super().open(*args, **kwargs)
            if response.request is not None and response.request.input_stream is not None:
                response.call_on_close(response.request.input_stream.close)
            _RESPONSES.append(response)
            return response

    return CommittedStateClient


@pytest.fixture(scope="session")
def app():
    from flask_migrate import upgrade

    from roadshow import create_app
    from roadshow.extensions import db

    application = create_app({"TESTING": True})
    application.test_client_class = _client_class()
    with application.app_context():
        # Start from nothing, then let the migrations build the schema (they are under test too).
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        # Every test starts from empty tables, also the first: rows the migrations seed (the default
        # industry list) are tested by the migration tests, not relied on by the others.
        _empty_tables(application)
    yield application


def _empty_tables(app) -> None:
    from roadshow.extensions import db
    from roadshow.services import tokens

    # Ids start again from 1 (RESTART IDENTITY): the tokens' cache must not hold the last test's users.
    tokens.cache_of(app).expire()
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if IS_POSTGRES:
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                for name in tables:
                    conn.exec_driver_sql(f"DELETE FROM {name}")


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    _empty_tables(app)


@pytest.fixture(autouse=True)
def _dispose_throwaway_apps(monkeypatch):
    """Apps a test makes for itself (extra routes, another database) get their engines disposed at its end,
    so their pooled connections are closed, not left to the garbage collector (a ResourceWarning, which
    `filterwarnings = error` turns into a failure of whichever test is running then)."""
    import roadshow
    from roadshow.extensions import db

    made = []
    real = roadshow.create_app

    def tracking(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(roadshow, "create_app", tracking)
    yield
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _close_responses():
    yield
    while _RESPONSES:
        _RESPONSES.pop().close()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign in through the HTML form, with its CSRF token; returns the POST's response (302 on success)."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def sign_in_page(page, live_server: str, email: str, password: str = PASSWORD) -> None:
    """Sign a browser page (Playwright) in through the login form of the server at `live_server`, and wait
    for the console's home page. (`sign_in` is the test client's.)"""
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server}/")


@pytest.fixture
def make_user(app):
    """make_user("organiser") → the user's email; password is PASSWORD."""
    from roadshow.extensions import db
    from roadshow.services.users import create_user

    counter = iter(range(1, 10_000))

    def make(role: str, email: str | None = None, name: str = "") -> str:
        email = email or f"{role}{next(counter)}@example.com"
        with app.app_context():
            create_user(email, PASSWORD, role, name=name)
            db.session.commit()
        return email

    return make


@pytest.fixture
def token_for(client, make_user):
    """token_for("viewer") → a bearer token of a fresh user with that role."""

    def issue(role: str) -> str:
        email = make_user(role)
        response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert response.status_code == 201, response.data
        return response.json["token"]

    return issue


@pytest.fixture
def auth(token_for):
    """auth("admin") → headers with a bearer token for that role."""
    return lambda role: {"Authorization": f"Bearer {token_for(role)}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": DATABASE_URL, "INSTANCE_PATH": os.environ["INSTANCE_PATH"],
                "RATELIMIT_ENABLED": "false", "PYTHONUNBUFFERED": "1",
                # no in-process periodic jobs in servers on the shared test database (roadshow/jobs.py)
                "JOBS_TICKER": "false"})
    env.update(extra)
    return env


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            requests.get(url, timeout=2, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer in {timeout}s")


def start_gunicorn(port: int, workers: int = 2, threads: int = 4, **env) -> subprocess.Popen:
    """The production command of the README, on this test database (production needs PUBLIC_BASE_URL)."""
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    with open(TEST_TMP / f"gunicorn-{port}.log", "ab") as log:  # the server has its own copy of the file
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
             "-b", f"127.0.0.1:{port}", "app:app"],
            cwd=ROOT, env=server_env(**env), stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
        )
    wait_for(f"http://127.0.0.1:{port}/login", proc)
    return proc


def stop(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server (tests/mailbox.py) the app sends to: `smtp.wait_for(n)`, `smtp.messages`,
    `smtp.to(address)`, `smtp.port` (for a server process: MAIL_PORT)."""
    from roadshow.services import mail
    from tests.mailbox import send_to, serve

    with serve() as mailbox:
        send_to(app, monkeypatch, mailbox.port)
        yield mailbox
        mail.deliverer.wait()  # nothing is still being sent when the server stops


@pytest.fixture
def industries(app):
    """The district's industry list (that of the demo scenario), in its order; idempotent. The list the
    migration seeds is emptied before every test, like every table."""
    from sqlalchemy import select

    from roadshow.demo.scenario_2023 import INDUSTRIES
    from roadshow.extensions import db
    from roadshow.models import Industry

    with app.app_context():
        present = set(db.session.scalars(select(Industry.name)))
        for position, name in enumerate(INDUSTRIES):
            if name not in present:
                db.session.add(Industry(name=name, position=position))
        db.session.commit()
    return list(INDUSTRIES)


@pytest.fixture(scope="session")
def live_server(app):
    """A real gunicorn serving the test database: base URL."""
    port = free_port()
    proc = start_gunicorn(port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


@pytest.fixture
def phone(browser):
    """A phone-sized browser context; new_page(locale) opens a page whose browser speaks that language."""
    contexts = []

    def new_page(locale: str = "zh-CN"):
        context = browser.new_context(locale=locale, **PHONE)
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text))
        return page

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def limited_server(app):
    """A real gunicorn with rate limits on (3 per minute on sign-in and token issue, 5 on public
    registration, 5 missed personal links), one worker so the in-memory counters are shared."""
    port = free_port()
    proc = start_gunicorn(port, workers=1, RATELIMIT_ENABLED="true", RATELIMIT_AUTH="3 per minute",
                          RATELIMIT_PUBLIC="5 per minute", RATELIMIT_TOKEN_GUESS="5 per minute",
                          RATELIMIT_STORAGE_URI="memory://")
    yield f"http://127.0.0.1:{port}"
    stop(proc)
