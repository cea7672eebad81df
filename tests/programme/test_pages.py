"""The programme's pages without a browser: the console agenda form, the public agenda, the manage page's
interest forms and the organisers' matrix (Chinese, errors beside the field, nothing half-written)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AgendaSession, Event, Interest, Project
from tests.app.test_i18n import english_words
from tests.conftest import sign_in


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _organiser(client, make_user):
    assert sign_in(client, make_user("organiser")).status_code == 302


def _add(client, day, **extra):
    page = client.get(f"/events/{day['event']}/agenda").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "starts_at": "2031-04-18T09:30", "ends_at": "2031-04-18T10:00",
            "title": "项目路演：牛肉汤预制菜", "speaker": "张总", "organisation_id": "",
            "project_id": str(day["project"]), **extra}
    return client.post(f"/events/{day['event']}/agenda", data=data)


def test_console_agenda_and_public_pages(client, make_user, day, app):
    _organiser(client, make_user)
    r = _add(client, day)
    assert r.status_code == 302
    page = client.get(f"/events/{day['event']}/agenda").get_data(as_text=True)
    assert "项目路演：牛肉汤预制菜" in page and "牛肉汤预制菜中央厨房" in page and "议程" in page
    # Outside the event: refused beside the field, nothing written.
    r = _add(client, day, starts_at="2031-04-18T08:00", title="太早的议程")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "议程须在活动时间之内" in html and "invalid-feedback" in html
    r = _add(client, day, ends_at="2031-04-18T09:00", title="倒着的议程")
    assert r.status_code == 422 and "结束时间须晚于开始时间" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(AgendaSession.id))) == 1
    # The public event page shows the agenda with the pitched project, in Chinese.
    public = client.get(f"/e/{day['event']}").get_data(as_text=True)
    assert 'id="agenda"' in public and "09:30–10:00" in public and "路演项目：牛肉汤预制菜中央厨房" in public
    manage = client.get(f"/m/{day['token']}").get_data(as_text=True)
    assert 'id="agenda"' in manage and 'id="interests"' in manage
    assert not english_words(client.get(f"/events/{day['event']}/agenda").get_data(as_text=True)) - {"Roadshow"}


def test_manage_page_marks_and_withdraws_interest(client, make_user, day, app):
    _organiser(client, make_user)
    _add(client, day)
    guest = app.test_client()
    page = guest.get(f"/m/{day['token']}").get_data(as_text=True)
    r = guest.post(f"/m/{day['token']}/interests", data={
        "csrf_token": _csrf(page), "attendee_id": str(day["attendees"][0]), "project_id": str(day["project"]),
        "meeting": "y", "note": "想约实地考察"})
    assert r.status_code == 302
    page = guest.get(f"/m/{day['token']}").get_data(as_text=True)
    assert "感谢" in page and "想约实地考察" in page and "已申请洽谈" in page
    # Twice: refused with a message, still one.
    guest.post(f"/m/{day['token']}/interests", data={
        "csrf_token": _csrf(page), "attendee_id": str(day["attendees"][0]), "project_id": str(day["project"])})
    assert "已登记过" in guest.get(f"/m/{day['token']}").get_data(as_text=True)
    with app.app_context():
        interest = db.session.scalar(select(Interest))
        assert interest.meeting is True and interest.note == "想约实地考察"
        interest_id = interest.id
    # The organiser's matrix shows it; a lead is made once from it.
    matrix = client.get(f"/events/{day['event']}/interests").get_data(as_text=True)
    assert 'id="interest-matrix"' in matrix and "李投资" in matrix and "牛肉汤预制菜中央厨房" in matrix
    for _ in range(2):
        r = client.post(f"/events/{day['event']}/interests/{interest_id}/lead", data={"csrf_token": _csrf(matrix)})
        assert r.status_code == 302
    with app.app_context():
        lead = db.session.scalar(select(Project).where(Project.source_event_id == day["event"]))
        assert lead.related_project_id == day["project"]
        assert db.session.scalar(select(func.count(Project.id)).where(Project.source_event_id == day["event"])) == 1
    page = guest.get(f"/m/{day['token']}").get_data(as_text=True)
    r = guest.post(f"/m/{day['token']}/interests/{interest_id}/withdraw",
                   data={"withdraw-csrf_token": _csrf(page)})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Interest.id))) == 0
        assert db.session.get(Event, day["event"]) is not None


def test_viewer_reads_the_matrix_door_does_not(client, make_user, day, app):
    assert sign_in(client, make_user("viewer")).status_code == 302
    assert client.get(f"/events/{day['event']}/interests").status_code == 200
    assert client.get(f"/events/{day['event']}/agenda").status_code == 200
    page = client.get(f"/events/{day['event']}/agenda").get_data(as_text=True)
    assert 'id="session-form"' not in page
    door = app.test_client()
    assert sign_in(door, make_user("door")).status_code == 302
    assert door.get(f"/events/{day['event']}/interests").status_code == 403
    assert door.get(f"/events/{day['event']}/agenda").status_code == 403


def test_console_edits_and_removes_a_session(client, make_user, day, app):
    from roadshow.models import Invitation
    from tests import factories

    _organiser(client, make_user)
    _add(client, day)
    with app.app_context():
        session_id = db.session.scalar(select(AgendaSession.id))
        inv = factories.invitation(db.session.get(Event, day["event"]))
        token = db.session.get(Invitation, inv.id).token
    url = f"/events/{day['event']}/agenda/{session_id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="2031-04-18T09:30"' in form and "项目路演：牛肉汤预制菜" in form
    r = client.post(url, data={"csrf_token": _csrf(form), "starts_at": "2031-04-18T10:00",
                               "ends_at": "2031-04-18T12:30", "title": "改期的路演", "project_id": ""})
    assert r.status_code == 422 and "议程须在活动时间之内" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": _csrf(form), "starts_at": "2031-04-18T10:00",
                               "ends_at": "2031-04-18T10:30", "title": "改期的路演", "project_id": ""})
    assert r.status_code == 302
    invitation_page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "10:00–10:30" in invitation_page and "改期的路演" in invitation_page
    with app.app_context():
        item = db.session.get(AgendaSession, session_id)
        assert item.title == "改期的路演" and item.project_id is None
    agenda = client.get(f"/events/{day['event']}/agenda").get_data(as_text=True)
    r = client.post(f"/events/{day['event']}/agenda/{session_id}/delete", data={"delete-csrf_token": _csrf(agenda)})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(AgendaSession, session_id) is None


def test_the_guest_pages_in_english(client, make_user, day, app):
    _organiser(client, make_user)
    _add(client, day)
    guest = app.test_client()
    page = guest.get(f"/m/{day['token']}?lang=en").get_data(as_text=True)
    assert "Agenda" in page and "Pitched project: 牛肉汤预制菜中央厨房" in page
    assert "Projects you are interested in" in page and "I would like a one-to-one meeting" in page
    assert "议程" not in page.replace("项目路演：牛肉汤预制菜", "")  # the organisers' session title is data
    assert "对接意向" not in page and "有意向" not in page
