"""Every error under /api/v1/ is application/problem+json with the status API.md fixes."""
from __future__ import annotations

from datetime import datetime

import pytest
from flask import Blueprint
from pydantic import AwareDatetime, BaseModel
from spectree import Response

from tests.conftest import PASSWORD


def assert_problem(response, status: int):
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_400_malformed_json(client):
    r = client.post("/api/v1/auth/token", data='{"email": ', content_type="application/json")
    assert_problem(r, 400)


def test_401_without_token(client):
    assert_problem(client.get("/api/v1/users"), 401)


def test_403_wrong_role(client, auth):
    for role in ("organiser", "door", "viewer"):
        assert_problem(client.get("/api/v1/users", headers=auth(role)), 403)


def test_404_unknown_path_and_id(client, auth):
    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert_problem(client.patch("/api/v1/users/999999", json={"name": "x"}, headers=auth("admin")), 404)


def test_405_wrong_method(client):
    r = client.put("/api/v1/auth/token", json={})
    assert_problem(r, 405)
    assert "POST" in r.headers["Allow"]


def test_413_body_too_large(client, app):
    big = b'{"email": "' + b"a" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}'
    assert_problem(client.post("/api/v1/auth/token", data=big, content_type="application/json"), 413)


def test_415_wrong_content_type(client):
    r = client.post("/api/v1/auth/token", data="email=a&password=b", content_type="application/x-www-form-urlencoded")
    assert_problem(r, 415)


def test_422_lists_errors_per_field(client, auth):
    r = client.post("/api/v1/users", json={"email": "not-an-email", "password": "short", "role": "boss"},
                    headers=auth("admin"))
    body = assert_problem(r, 422)
    assert set(body["errors"]) >= {"email", "password", "role"}
    assert all(isinstance(m, list) and m for m in body["errors"].values())


def test_422_missing_body(client, auth):
    body = assert_problem(client.post("/api/v1/users", headers=auth("admin")), 422)
    assert "email" in body["errors"]


def test_409_duplicate_user_and_nothing_written(client, auth, make_user):
    email = make_user("viewer")
    admin = auth("admin")
    total = client.get("/api/v1/users", headers=admin).json["total"]
    r = client.post("/api/v1/users", json={"email": email, "password": PASSWORD, "role": "viewer"}, headers=admin)
    assert_problem(r, 409)
    assert client.get("/api/v1/users", headers=admin).json["total"] == total


def test_429_rate_limited_token_issue(limited_server, make_user):
    import requests

    email = make_user("viewer")
    url = f"{limited_server}/api/v1/auth/token"
    statuses = [requests.post(url, json={"email": email, "password": "wrong"}).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    r = requests.post(url, json={"email": email, "password": PASSWORD})
    assert r.status_code == 429
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["status"] == 429 and r.json()["detail"]
    assert r.headers.get("Retry-After")


class _When(BaseModel):
    at: AwareDatetime


def _app_with_extra_routes():
    """A fresh app with two routes that exist only for these tests."""
    from roadshow import create_app
    from roadshow.api import spec

    application = create_app({"TESTING": True})
    extra = Blueprint("api_test_extra", __name__, url_prefix="/api/v1/_test")

    @extra.get("/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    @extra.post("/when")
    @spec.validate(tags=["test"])
    def when(json: _When):
        return {"at": json.at.isoformat()}

    application.register_blueprint(extra)
    from roadshow.extensions import csrf

    csrf.exempt(extra)
    return application


def test_500_shows_no_stack_trace(auth):
    r = _app_with_extra_routes().test_client().get("/api/v1/_test/boom", headers=auth("viewer"))
    body = assert_problem(r, 500)
    assert "secret internals" not in r.get_data(as_text=True) and "RuntimeError" not in str(body)


def test_datetime_without_offset_is_422():
    client = _app_with_extra_routes().test_client()
    ok = client.post("/api/v1/_test/when", json={"at": "2023-04-18T09:00:00+08:00"})
    assert ok.status_code == 200
    assert datetime.fromisoformat(ok.json["at"]).utcoffset().total_seconds() == 8 * 3600
    body = assert_problem(client.post("/api/v1/_test/when", json={"at": "2023-04-18T09:00:00"}), 422)
    assert "at" in body["errors"]


@pytest.mark.parametrize("per_page,status", [(1, 200), (200, 200), (201, 422), (0, 422)])
def test_pagination_bounds(client, auth, per_page, status):
    r = client.get(f"/api/v1/users?per_page={per_page}", headers=auth("admin"))
    assert r.status_code == status
    if status == 200:
        assert set(r.json) == {"items", "total", "page", "per_page"} and r.json["per_page"] == per_page
    else:
        assert r.mimetype == "application/problem+json"


def test_problem_titles_follow_the_language(client):
    zh = client.get("/api/v1/users", headers={"Accept-Language": "zh-CN"}).json
    en = client.get("/api/v1/users", headers={"Accept-Language": "en"}).json
    assert zh["title"] != en["title"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["title"])


def test_huge_ids_are_404_not_500(client, auth):
    headers = auth("admin")
    for path in ("/api/v1/users/594253047266966241280", "/api/v1/events/99999999999999999999999/attendees.csv"):
        r = client.get(path, headers=headers) if "users" not in path else client.patch(path, json={}, headers=headers)
        assert_problem(r, 404)


def test_null_fields_in_a_patch_leave_values_alone(client, auth, make_user):
    admin = auth("admin")
    email = make_user("viewer", name="张三")
    user = next(u for u in client.get("/api/v1/users?per_page=200", headers=admin).json["items"] if u["email"] == email)
    r = client.patch(f"/api/v1/users/{user['id']}", json={"role": None, "name": None, "active": 0}, headers=admin)
    assert r.status_code == 200 and r.json["role"] == "viewer" and r.json["name"] == "张三" and not r.json["active"]


def test_values_the_database_cannot_store_are_422(client, auth):
    admin = auth("admin")
    for path in ("/api/v1/audit?entity_type=a%00b", "/api/v1/audit?action=%00"):
        r = client.get(path, headers=admin)
        assert r.status_code in (200, 422), path  # SQLite stores NUL, PostgreSQL refuses it: never a 500
        if r.status_code == 422:
            assert_problem(r, 422)
    assert_problem(client.get("/api/v1/audit?entity_id=2147483648", headers=admin), 422)


class _Shape(BaseModel):
    count: int


@pytest.mark.parametrize("settings,validated", [
    ({"TESTING": True}, True),  # the suite checks every answer of every view against its model
    ({"PRODUCTION": True, "PUBLIC_BASE_URL": "http://localhost"}, False),
    ({"PRODUCTION": True, "PUBLIC_BASE_URL": "http://localhost", "API_VALIDATE_RESPONSES": True}, True),
    ({"TESTING": True, "API_VALIDATE_RESPONSES": False}, False),
])
def test_answers_are_checked_against_their_model_except_in_production(settings, validated):
    """`API_VALIDATE_RESPONSES` (roadshow/api/__init__.py): an answer that does not match its declared model is
    a 500 where answers are checked, and goes out as the view built it in production; requests are validated
    everywhere."""
    from roadshow import create_app
    from roadshow.api import spec

    # No in-process job ticker: outside TESTING it would start with the first request and, for the rest of the
    # run, sweep the tests' database from this process (other tests' mail sent here, without a server).
    application = create_app({**settings, "JOBS_TICKER": False})
    extra = Blueprint("api_test_shapes", __name__, url_prefix="/api/v1/_test")

    @extra.post("/shape")
    @spec.validate(resp=Response(HTTP_200=_Shape), tags=["test"])
    def shape(json: _Shape):
        return {"count": "many"} if json.count > 1 else {"count": json.count}

    application.register_blueprint(extra)
    from roadshow.extensions import csrf

    csrf.exempt(extra)
    client = application.test_client()
    assert client.post("/api/v1/_test/shape", json={"count": 1}).json == {"count": 1}
    assert_problem(client.post("/api/v1/_test/shape", json={"count": "x"}), 422)
    wrong = client.post("/api/v1/_test/shape", json={"count": 2})
    if validated:
        assert wrong.status_code == 500
    else:
        assert wrong.status_code == 200 and wrong.json == {"count": "many"}
