"""The console and the API read the same input the same way: one service look-up, one parser
(issue 13, item 4). Each test drives both sides with the same values."""
from __future__ import annotations

import pytest

from roadshow.extensions import db
from roadshow.services import audit
from tests import factories
from tests.privacy.test_privacy import _login


@pytest.mark.parametrize("query", ["stage=won", "event_id=abc", "event_id=0", "overdue=maybe",
                                   "q=" + "x" * 201, "industry=" + "x" * 51])
def test_pipeline_filters_are_refused_alike(app, client, auth, make_user, app_ctx, query):
    """Board, console export, API list and API export: a malformed filter is a 422 everywhere (it was a 404
    on the board, silently dropped by the exports — a "filtered" file of every project — and a 422 in the API)."""
    api = auth("organiser")
    _login(client, make_user("organiser"))
    board = client.get(f"/pipeline/?{query}")
    assert board.status_code == 422
    assert client.get(f"/pipeline/export/projects.csv?{query}").status_code == 422
    assert client.get(f"/api/v1/projects?{query}", headers=api).status_code == 422
    assert client.get(f"/api/v1/projects.csv?{query}", headers=api).status_code == 422


def test_pipeline_filters_apply_alike(app, client, auth, make_user, industries, app_ctx):
    from roadshow.services import pipeline

    org = factories.organisation("老乡鸡集团有限公司")
    pipeline.create_project({"name": "中央厨房", "organisation_id": org.id, "industry": "绿色食品"}, actor=None,
                            stage="negotiating")
    pipeline.create_project({"name": "智能产线", "organisation_id": org.id}, actor=None)
    db.session.commit()
    api = auth("organiser")
    _login(client, make_user("organiser"))
    listed = client.get("/api/v1/projects?stage=negotiating", headers=api).json["items"]
    assert [p["name"] for p in listed] == ["中央厨房"]
    rows = client.get("/api/v1/projects.csv?stage=negotiating", headers=api).get_data(as_text=True).splitlines()
    assert len(rows) == 2 and "中央厨房" in rows[1]
    console = client.get("/pipeline/export/projects.csv?stage=negotiating").get_data(as_text=True).splitlines()
    assert console == rows
    board = client.get("/pipeline/?stage=negotiating").get_data(as_text=True)
    assert "中央厨房" in board and "智能产线" not in board


def test_audit_filters_are_the_same_on_page_and_api(app, client, auth, make_user, app_ctx):
    audit.record(None, "registration.create", "registration", 5, {"seats": {"from": None, "to": 1}})
    audit.record(None, "registration.cancel", "registration", 6, None)
    audit.record(None, "organisation.update", "organisation", 5, None)
    db.session.commit()
    api = auth("admin")
    _login(client, make_user("admin"))
    for query, expected in (("action=registration.", {"registration.create", "registration.cancel"}),
                            ("entity_type=registration&entity_id=5", {"registration.create"}),
                            ("actor=system&entity_id=5", {"registration.create", "organisation.update"})):
        items = client.get(f"/api/v1/audit?{query}", headers=api).json["items"]
        assert {i["action"] for i in items} == expected, query
        page = client.get(f"/admin/audit?{query}").get_data(as_text=True)
        for action in {"registration.create", "registration.cancel", "organisation.update"}:
            assert (action in page) == (action in expected), (query, action)


def test_one_event_look_up(app, client, auth, make_user, app_ctx):
    """An unknown event answers 404 on every page and endpoint that takes one, with the same message."""
    api = auth("admin")
    _login(client, make_user("admin"))
    for path in ("/events/999999", "/events/999999/registrations/", "/events/999999/invitations/",
                 "/events/999999/checkins", "/door/999999", "/events/999999/export/attendees.csv",
                 "/pipeline/events/999999/leads"):
        r = client.get(path)
        assert r.status_code == 404, path
    for path in ("/api/v1/events/999999", "/api/v1/events/999999/registrations",
                 "/api/v1/events/999999/invitations", "/api/v1/events/999999/checkins",
                 "/api/v1/events/999999/attendees.csv", "/api/v1/reports/events/999999"):
        assert client.get(path, headers=api).status_code == 404, path


def test_manage_token_look_up_is_one_rule(app, client, app_ctx):
    """Manage page, API, ticket page and .ics: the same registration for its token, 404 for anything else."""
    reg = factories.registration(factories.event("淮南招商推介会"))
    db.session.commit()
    token = reg.manage_token
    for path in (f"/m/{token}", f"/api/v1/public/registrations/{token}", f"/m/{token}/ticket",
                 f"/m/{token}/event.ics"):
        assert client.get(path).status_code == 200, path
    for bad in (token + "x", token[:-1], "x" * 65, "x" * 300):
        for path in (f"/m/{bad}", f"/api/v1/public/registrations/{bad}", f"/m/{bad}/ticket",
                     f"/m/{bad}/event.ics"):
            assert client.get(path).status_code == 404, path
