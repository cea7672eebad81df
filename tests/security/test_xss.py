"""Hostile text typed by users is shown as text on every page: event title, venue and description,
organisation name, contact, attendee name and title, project name and notes."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from roadshow.extensions import db
from roadshow.models import CheckIn, Project, Role, Stage, StageChange, Team, TeamKind, User
from roadshow.models.types import utcnow
from tests import factories
from tests.conftest import sign_in, sign_in_page

SCRIPT = '<script>alert("xss-1")</script>'
IMG = '"><img src=x onerror=alert("xss-2")>'
RAW = ("<script>alert(", "<img src=x onerror")


def _hostile_world():
    ev = factories.event(f"路演{SCRIPT}", venue=f"会场{IMG}", description=f"说明{SCRIPT}{IMG}")
    org = factories.organisation(f"企业{IMG}")
    inv = factories.invitation(ev, org, seats=2, contact_name=f"联系人{SCRIPT}")
    reg = factories.registration(ev, attendees=2, inv=inv, names=[f"嘉宾{SCRIPT}", f"来宾{IMG}"])
    # an invitation nobody answered yet: its /r/ page shows the form (a registered one leads to /m/)
    open_invitation = factories.invitation(ev, factories.organisation(f"未报名{SCRIPT}"), contact_name=f"联系{IMG}")
    reg.attendees[0].title = f"总经理{IMG}"
    db.session.add(CheckIn(event_id=ev.id, attendee_id=reg.attendees[0].id, scanned_at=utcnow(), device=IMG))
    project = Project(name=f"项目{SCRIPT}", organisation=org, source_event_id=ev.id, stage=Stage.lead,
                      amount_wan=Decimal("100.00"), notes=f"备注{IMG}", next_follow_up=date(2020, 1, 1),
                      industry="新能源", team=Team(name=f"专班{SCRIPT}", kind=TeamKind.team),
                      officer=User(email="xss-officer@example.com", name=IMG, role=Role.organiser,
                                   password_hash="x"))
    project.history.append(StageChange(to_stage=Stage.lead, at=utcnow(), note=f"说明{SCRIPT}"))
    db.session.add(project)
    db.session.commit()
    ids = {"event_id": ev.id, "org_id": ev.id and org.id, "organisation_id": org.id, "project_id": project.id,
           "registration_id": reg.id, "invitation": open_invitation.token, "manage": reg.manage_token,
           "code": reg.attendees[0].ticket_code, "year": 2026}
    db.session.commit()
    return ids


def _pages(app, ids):
    """Every GET route of the HTML side whose arguments we can fill, with a URL for it."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")) or rule.endpoint == "auth.logout":
            continue
        values = {}
        for arg in rule.arguments:
            if arg == "token":
                values[arg] = ids["manage"] if rule.rule.startswith("/m/") else ids["invitation"]
            elif arg in ids:
                values[arg] = ids[arg]
            else:
                break
        else:
            yield rule.endpoint, rule.rule, values


def _login(client, email):
    assert sign_in(client, email).status_code == 302


def test_no_page_runs_what_a_user_typed(app, make_user):
    from flask import url_for

    with app.app_context():
        ids = _hostile_world()
    client = app.test_client()
    _login(client, make_user("admin"))
    checked = []
    with app.test_request_context():
        urls = [(endpoint, url_for(endpoint, **values)) for endpoint, _, values in _pages(app, ids)]
    for endpoint, url in urls:
        response = client.get(url)
        body = response.get_data()
        response.close()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = body.decode("utf-8")
        for raw in RAW:
            assert raw not in html, f"{endpoint} ({url}) shows {raw!r} unescaped"
        checked.append(endpoint)
    # the pages that show the hostile fields were among those checked
    for endpoint in ("events.detail", "events.index", "organisations.index", "registrations.index",
                     "registrations.detail", "public.event", "public.manage", "public.invitation",
                     "pipeline.board", "pipeline.project", "checkin.live", "checkin.badges", "invitations.index",
                     "console.home", "admin.audit_log"):
        if endpoint in app.view_functions:
            assert endpoint in checked, f"{endpoint} was not checked"


def test_the_browser_runs_no_injected_script(app, live_server, make_user, phone):
    with app.app_context():
        ids = _hostile_world()
    email = make_user("admin")
    page = phone()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in_page(page, live_server, email)
    for path in (f"/events/{ids['event_id']}", f"/events/{ids['event_id']}/registrations/",
                 f"/m/{ids['manage']}", f"/r/{ids['invitation']}", f"/pipeline/projects/{ids['project_id']}",
                 "/pipeline/"):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        assert SCRIPT in page.content().replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
            or path.startswith("/pipeline/") or path.startswith("/r/"), path
    assert dialogs == []
    assert page.csp_errors == []
