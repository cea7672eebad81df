"""In the browser: a guest on a phone marks interest in a pitched project on the manage page (and asks for
a meeting); an organiser on a desktop sees it in the interest matrix, schedules the meeting (the guest's
mail is queued) and turns the interest into a lead."""
from __future__ import annotations

import os

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AgendaSession, Event, Interest, OutboxMessage, Project
from tests.conftest import sign_in_page
from tests.programme.test_api import T

SHOTS = os.environ.get("ROADSHOW_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"programme-{name}.png"), full_page=True)


def _agenda(app, day):
    with app.app_context():
        from datetime import datetime

        event = db.session.get(Event, day["event"])
        for start, end, title, project in (("09:00", "09:20", "开幕致辞", None),
                                           ("09:30", "10:00", "项目路演：牛肉汤预制菜", day["project"])):
            db.session.add(AgendaSession(event_id=event.id, starts_at=datetime.fromisoformat(T.format(start)),
                                         ends_at=datetime.fromisoformat(T.format(end)), title=title,
                                         speaker="张总", project_id=project))
        db.session.commit()


def test_guest_marks_interest_on_a_phone(app, live_server, phone, day):
    _agenda(app, day)
    page = phone("zh-CN")
    page.goto(f"{live_server}/m/{day['token']}")
    agenda = page.locator("#agenda")
    assert "议程" in agenda.inner_text() and "09:30–10:00" in agenda.inner_text()
    assert "路演项目：牛肉汤预制菜中央厨房" in agenda.inner_text()
    section = page.locator("#interests")
    assert "对接意向" in section.inner_text()
    project = section.locator(f".interest-project[data-project-id='{day['project']}']")
    mark = project.locator(f".mark-interest[data-attendee-id='{day['attendees'][0]}']")
    mark.locator("summary").click()
    mark.locator("input[name=meeting]").check()
    mark.locator("textarea[name=note]").fill("想了解冷链配送方案")
    _shot(page, "manage-mark")
    mark.locator("button.send-interest").click()
    page.wait_for_selector(".alert-success")
    assert "主办方会看到您的意向" in page.inner_text(".alert-success")
    marked = page.locator(f"#interests .interest-marked[data-attendee-id='{day['attendees'][0]}']")
    assert "有意向" in marked.inner_text() and "已申请洽谈" in marked.inner_text()
    assert "想了解冷链配送方案" in marked.inner_text()
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "manage-marked")
    with app.app_context():
        interest = db.session.scalar(select(Interest))
        assert (interest.attendee_id, interest.project_id, interest.meeting) == (day["attendees"][0], day["project"],
                                                                                 True)
    # Withdraw it again.
    marked.locator("button.withdraw-interest").click()
    page.wait_for_selector(".alert-info")
    assert page.locator("#interests .interest-marked").count() == 0
    with app.app_context():
        assert db.session.scalar(select(Interest)) is None


def test_organiser_schedules_a_meeting_from_the_matrix(app, live_server, browser, make_user, day, client):
    _agenda(app, day)
    assert client.post(f"/api/v1/public/registrations/{day['token']}/interests", json={
        "attendee_id": day["attendees"][1], "project_id": day["project"], "meeting": True}).status_code == 201
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in_page(page, live_server, make_user("organiser"))
        page.goto(f"{live_server}/events/{day['event']}")
        # The agenda tab: a session added through the console form, pitching the other project.
        page.click("#tab-agenda")
        form = page.locator("#session-form")
        form.locator("input[name=starts_at]").fill("2031-04-18T10:30")
        form.locator("input[name=ends_at]").fill("2031-04-18T11:00")
        form.locator("input[name=title]").fill("项目路演：牛肉汤文旅街区")
        form.locator("input[name=speaker]").fill("文旅局 刘科长")
        form.locator("select[name=project_id]").select_option(str(day["other"]))
        form.locator("#add-session").click()
        page.wait_for_selector(".alert-success")
        rows = page.locator("#sessions tbody tr")
        assert rows.count() == 3 and "牛肉汤文旅街区" in rows.nth(2).inner_text()
        assert "04-18 10:30–11:00" in rows.nth(2).inner_text()
        _shot(page, "agenda")
        page.click("#programme-tabs a[href$='/interests']")
        matrix = page.locator("#interest-matrix")
        row = matrix.locator(f"tr[data-attendee-id='{day['attendees'][1]}']")
        assert "周经理" in row.inner_text() and "淮南产业投资基金有限公司" in row.inner_text()
        assert "✓" in row.locator(f"td[data-project-id='{day['project']}']").inner_text()
        assert "牛肉汤预制菜中央厨房" in matrix.locator("thead").inner_text()
        assert "牛肉汤文旅街区" in matrix.locator("thead").inner_text()  # pitched now, no interest yet
        card = page.locator(".interest").first
        card.locator("input[type=datetime-local]").fill("2031-04-18T11:00")
        card.locator("input[name$=meeting_place]").fill("会展中心二楼洽谈室")
        card.locator("button.schedule-meeting").click()
        page.wait_for_selector(".alert-success")
        assert "洽谈已安排" in page.inner_text(".alert-success")
        assert "2031-04-18 11:00" in page.locator(".interest .meeting-scheduled").inner_text()
        _shot(page, "matrix")
        with app.app_context():  # the server's outbox (its SMTP is not this test's; test_meeting_mail.py sends)
            queued = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "meeting"))
            assert queued.to == day["emails"][1]
            assert [a["filename"] for a in queued.attachments] == ["meeting.ics"]
        page.locator(".interest button.make-lead").click()
        page.wait_for_selector(".alert-success")
        assert "线索已生成" in page.inner_text(".alert-success")
        assert page.locator(".interest a.lead-link").count() == 1
        with app.app_context():
            lead = db.session.scalar(select(Project).where(Project.source_event_id == day["event"]))
            assert lead.related_project_id == day["project"] and lead.attendee_id == day["attendees"][1]
    finally:
        context.close()
