"""The events console through the test client: list, form, event page, publish, cancel, roles."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from roadshow.extensions import db
from roadshow.models import Event, EventStatus, OrgKind, RegistrationStatus
from roadshow.models.types import utcnow
from tests import factories
from tests.app.test_i18n import english_words
from tests.conftest import PASSWORD


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def login(client, email):
    token = _csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302


@pytest.fixture
def organiser(client, make_user):
    login(client, make_user("organiser"))


def _form(**fields):
    data = {"title": "淮南牛肉汤产业项目路演会", "starts_at": "2023-04-18T09:00", "ends_at": "2023-04-18T12:00",
            "timezone": "Asia/Shanghai", "venue": "田家庵区招商服务中心一楼路演厅", "address": "安徽省淮南市田家庵区",
            "description": "第一行\n第二行", "capacity": "120", "registration_mode": "invite",
            "industries": ["绿色食品", "现代服务业"]}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_create_reads_times_in_the_chosen_zone_and_publishes(client, organiser, industries, app_ctx):
    page = client.get("/events/new").get_data(as_text=True)
    assert re.search(r'<option selected value="Asia/Shanghai">北京时间</option>', page)
    assert "绿色食品" in page and 'type="checkbox"' in page
    assert english_words(page) == set(), english_words(page)
    r = client.post("/events/new", data={**_form(), "publish": "1", "csrf_token": _csrf(page)})
    assert r.status_code == 302
    event = db.session.query(Event).one()
    assert r.headers["Location"] == f"/events/{event.id}"
    assert event.starts_at == datetime(2023, 4, 18, 1, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2023, 4, 18, 4, 0, tzinfo=UTC)
    assert event.status is EventStatus.published and event.capacity == 120
    assert event.industries == ["绿色食品", "现代服务业"]
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "活动已发布。" in html and "2023-04-18 09:00 – 12:00" in html
    assert english_words(html) == set(), english_words(html)

    # Another zone: 09:00 in Tokyo is 00:00 UTC.
    r = client.post("/events/new", data={**_form(title="东京推介会", timezone="Asia/Tokyo", industries=None),
                                         "save": "1", "csrf_token": _csrf(page)})
    tokyo = db.session.query(Event).filter_by(title="东京推介会").one()
    assert tokyo.starts_at == datetime(2023, 4, 18, 0, 0, tzinfo=UTC)
    assert tokyo.status is EventStatus.draft and tokyo.timezone == "Asia/Tokyo"


def test_form_errors_are_shown_beside_the_fields_in_chinese(client, organiser, industries, app_ctx):
    token = _csrf(client.get("/events/new").get_data(as_text=True))
    r = client.post("/events/new", data={**_form(ends_at="2023-04-18T08:00", capacity="-3", title=""),
                                         "csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "请填写活动名称。" in html and "请填写不小于 0 的参会人数" in html
    assert db.session.query(Event).count() == 0
    # The end-before-start rule comes from the service, beside the end field.
    r = client.post("/events/new", data={**_form(ends_at="2023-04-18T08:00"), "csrf_token": token})
    html = r.get_data(as_text=True)
    assert re.search(r'id="ends_at"[^>]*class="[^"]*is-invalid|class="[^"]*is-invalid[^"]*"[^>]*id="ends_at"', html)
    assert "结束时间必须晚于开始时间。" in html
    r = client.post("/events/new", data={**_form(timezone="Mars/Olympus"), "csrf_token": token})
    assert "请选择有效的时区。" in r.get_data(as_text=True)
    r = client.post("/events/new", data={**_form(industries=["煤炭"]), "csrf_token": token})
    assert "不在本区产业目录中：煤炭。" in r.get_data(as_text=True)
    r = client.post("/events/new", data={**_form(starts_at="明天"), "csrf_token": token})
    assert r.status_code == 200 and db.session.query(Event).count() == 0
    assert client.post("/events/new", data=_form()).status_code == 400  # no CSRF token


def test_edit_shows_times_in_the_event_zone_and_saves(client, organiser, industries, app_ctx):
    ev = factories.event("东京推介会", starts_at=datetime(2023, 4, 18, 0, 0, tzinfo=UTC), hours=3,
                         timezone="Asia/Tokyo", status=EventStatus.draft, industries=["绿色食品"])
    page = client.get(f"/events/{ev.id}/edit").get_data(as_text=True)
    assert 'value="2023-04-18T09:00"' in page and 'value="2023-04-18T12:00"' in page
    assert '<option selected value="Asia/Tokyo">' in page
    assert re.search(r'checked[^>]*value="绿色食品"|value="绿色食品"[^>]*checked', page)
    r = client.post(f"/events/{ev.id}/edit", data={**_form(title="东京推介会（改期）", timezone="Asia/Tokyo",
                                                           starts_at="2023-04-19T09:00", ends_at="2023-04-19T12:00"),
                                                   "save": "1", "csrf_token": _csrf(page)})
    assert r.status_code == 302
    db.session.expire_all()
    ev = db.session.get(Event, ev.id)
    assert ev.title == "东京推介会（改期）" and ev.starts_at == datetime(2023, 4, 19, 0, 0, tzinfo=UTC)
    assert ev.status is EventStatus.draft and ev.sequence == 1


def test_list_upcoming_first_then_past_with_badges(client, organiser, app_ctx):
    now = utcnow()
    factories.event("去年的路演", starts_at=now - timedelta(days=300))
    factories.event("下月的推介会", starts_at=now + timedelta(days=30), status=EventStatus.draft)
    factories.event("下周的推介会", starts_at=now + timedelta(days=7))
    factories.event("上周取消的活动", starts_at=now - timedelta(days=7), status=EventStatus.cancelled)
    html = client.get("/events/").get_data(as_text=True)
    order = [t for t in re.findall(r'<div class="fw-semibold text-primary">([^<]+)</div>', html)]
    assert order == ["下周的推介会", "下月的推介会", "上周取消的活动", "去年的路演"]
    assert html.index('id="upcoming"') < html.index('id="past"')
    assert "草稿" in html and "已取消" in html and "已结束" in html
    assert english_words(html) == set(), english_words(html)
    html = client.get("/events/?status=draft").get_data(as_text=True)
    assert "下月的推介会" in html and "下周的推介会" not in html


def test_event_page_counts_tabs_and_stats_json(client, organiser, app_ctx):
    ev = factories.event("淮南牛肉汤产业项目路演会", capacity=120)
    factories.invitation(ev)
    factories.invitation(ev)
    bank = factories.organisation("徽商银行股份有限公司淮南分行", kind=OrgKind.bank)
    factories.registration(ev, attendees=3)
    factories.registration(ev, attendees=2, org=bank)
    factories.registration(ev, attendees=4, status=RegistrationStatus.waitlisted)
    html = client.get(f"/events/{ev.id}").get_data(as_text=True)
    assert re.search(r'data-stat="invited">2<', html) and re.search(r'data-stat="registered">5<', html)
    assert re.search(r'data-stat="waitlisted">4<', html) and re.search(r'data-stat="checked_in">0<', html)
    assert re.search(r'data-stat="capacity">120<', html)
    bank_row = re.search(r'<tr data-kind="bank">.*?</tr>', html, re.S).group(0)
    assert "银行" in bank_row and re.search(r'data-kind-stat="registered">2<', bank_row)
    assert re.search(r'src="/static/js/events\.js\?v=[0-9a-f]{12}"', html)  # versioned: roadshow/static_files.py
    assert f'data-stats-url="/events/{ev.id}/stats.json"' in html
    assert english_words(html) == set(), english_words(html)
    from flask import current_app

    for endpoint, name in (("invitations.index", "invitations"), ("registrations.index", "registrations")):
        installed = endpoint in current_app.view_functions
        assert (f'id="tab-{name}"' in html) is installed
    r = client.get(f"/events/{ev.id}/stats.json")
    assert r.status_code == 200 and r.json["registered"] == 5 and r.json["by_kind"]["bank"]["registered"] == 2
    assert r.headers["Cache-Control"] == "no-store"
    assert client.get("/events/999999").status_code == 404


def test_publish_and_cancel_with_confirmation(client, organiser, app_ctx):
    ev = factories.event(status=EventStatus.draft)
    factories.registration(ev, attendees=2)
    html = client.get(f"/events/{ev.id}").get_data(as_text=True)
    assert 'id="publish-event"' in html
    assert client.post(f"/events/{ev.id}/publish").status_code == 400  # CSRF
    r = client.post(f"/events/{ev.id}/publish", data={"csrf_token": _csrf(html)}, follow_redirects=True)
    assert "活动已发布。" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, ev.id).status is EventStatus.published

    page = client.get(f"/events/{ev.id}/cancel")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "确定取消这场活动吗？" in html and "2 人" in html
    assert english_words(html) == set(), english_words(html)
    db.session.expire_all()
    assert db.session.get(Event, ev.id).status is EventStatus.published  # asking changes nothing
    r = client.post(f"/events/{ev.id}/cancel", data={"csrf_token": _csrf(html)}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "活动已取消" in html and 'id="cancel-event"' not in html and 'id="edit-event"' not in html
    db.session.expire_all()
    assert db.session.get(Event, ev.id).status is EventStatus.cancelled
    r = client.get(f"/events/{ev.id}/edit", follow_redirects=True)
    assert "这场活动已取消，不能再修改。" in r.get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "door"])
def test_roles_on_pages(client, make_user, app_ctx, role):
    ev = factories.event()
    login(client, make_user(role))
    home = client.get("/").get_data(as_text=True)
    if role == "viewer":
        assert client.get("/events/").status_code == 200
        html = client.get(f"/events/{ev.id}").get_data(as_text=True)
        assert 'id="live-counts"' in html and 'id="event-actions"' not in html
        assert f'href="/events/{ev.id}"' in home and 'id="nav-events"' in home
    else:
        assert client.get("/events/").status_code == 403
        assert client.get(f"/events/{ev.id}").status_code == 403
        assert f'href="/events/{ev.id}"' not in home and 'id="nav-events"' not in home
    assert client.get(f"/events/{ev.id}/stats.json").status_code == 200  # both may read stats
    assert client.get("/events/new").status_code == 403
    assert client.get(f"/events/{ev.id}/edit").status_code == 403
    assert client.get(f"/events/{ev.id}/cancel").status_code == 403


def test_signed_out_goes_to_login(client, app_ctx):
    ev = factories.event()
    for path in ("/events/", f"/events/{ev.id}", f"/events/{ev.id}/stats.json", "/events/new"):
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path


def test_event_page_in_english(client, organiser, app_ctx):
    ev = factories.event("Site visit", timezone="Asia/Tokyo", capacity=None)
    html = client.get(f"/events/{ev.id}?lang=en").get_data(as_text=True)
    assert "Registered" in html and "Waiting list" in html and "By kind of organisation" in html
    assert "No limit" in html and "（Tokyo）" in html and "已报名" not in html
