"""`make run`, as the README promises: it sets itself up, serves the app on SQLite in the instance
folder, in Chinese, with the demo data loaded (demo organiser can sign in)."""
from __future__ import annotations

import os
import re
import subprocess
import time

import requests

from tests.conftest import ROOT, free_port, stop, wait_for

DEMO_EMAIL = "organiser@example.com"
DEMO_PASSWORD = "roadshow-organiser"


def _log_tail(path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def test_make_run_serves_sqlite_with_demo_data_in_chinese(tmp_path):
    port = free_port()
    instance = tmp_path / "instance"
    instance.mkdir()
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # `make run` must serve SQLite whatever the suite runs on
    env.pop("RATELIMIT_ENABLED", None)  # as a developer would run it
    env.update({"PORT": str(port), "INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"})
    log = tmp_path / "make-run.log"
    base = f"http://127.0.0.1:{port}"

    with open(log, "wb") as out:
        proc = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        try:
            wait_for(f"{base}/", proc, timeout=120)
        except RuntimeError as exc:
            raise AssertionError(f"make run: {exc}\n{_log_tail(log)}") from None

        # The database is the SQLite file of the instance folder, built by the migrations.
        assert (instance / "roadshow.db").is_file(), _log_tail(log)

        r = requests.get(f"{base}/", allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.text
        assert re.match(rf"^({re.escape(base)})?/login(\?|$)", r.headers["Location"]), r.headers["Location"]

        with requests.Session() as s:
            login = s.get(f"{base}/login", timeout=10)
            assert login.status_code == 200
            assert '<html lang="zh-CN">' in login.text
            assert "登录" in login.text and "邮箱" in login.text and "密码" in login.text
            match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.text)
            assert match, "no csrf_token in the login form"

            home = s.post(f"{base}/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD,
                                                 "csrf_token": match.group(1)}, timeout=10)
            assert home.status_code == 200, home.text
            assert home.url == f"{base}/", f"not signed in: ended on {home.url}"
            assert "淮南牛肉汤产业项目路演会" in home.text
            assert "招商局 王主任" in home.text  # the demo organiser's name in the top bar
            assert 'id="pipeline"' in home.text
    finally:
        stop(proc)
    assert proc.poll() is not None, "make run is still running after stop()"
    # The whole process group went: the server (make's child) no longer answers either.
    for _ in range(50):
        try:
            requests.get(f"{base}/login", timeout=1)
        except requests.ConnectionError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the server started by make run still answers after stop()")
