"""The demo roadshow carries its day: the agenda with the pitched beef-soup projects, and some interest."""
from __future__ import annotations

from sqlalchemy import select

from roadshow.demo import scenario_2023 as scenario
from roadshow.extensions import db
from roadshow.models import Event
from roadshow.services import programme, reports
from roadshow.uow import unit_of_work


def test_demo_roadshow_has_its_agenda_and_interest(app, client):
    with app.app_context():
        with unit_of_work():
            scenario.load()
        with unit_of_work(write=False):
            roadshow = db.session.scalar(select(Event).where(Event.title == scenario.ROADSHOW["title"]))
            sessions = programme.sessions(roadshow)
            assert len(sessions) == len(scenario.AGENDA) == 7
            assert [p.name for p in programme.pitched_projects(roadshow)] == [name for name, *_ in scenario.PITCHED]
            grid = programme.matrix(roadshow)
            assert len(grid.interests) == 6 and len(grid.guests) == 6
            assert sum(1 for i in grid.interests if i.meeting_at) == 2
            assert reports.event_report(roadshow)["interests"] == 6
            event_id = roadshow.id
    page = client.get(f"/e/{event_id}").get_data(as_text=True)
    assert "项目路演：淮南牛肉汤产业园（一期）" in page and "路演项目：皖中肉牛标准化养殖基地" in page
