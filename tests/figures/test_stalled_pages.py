"""The monthly report's stalled list a page at a time (monthly.stalled_page: sorted and counted in SQL), each page
a slice of the whole list in the report's order. In 2040, a year no other test
touches: 1,030 stalled projects, many on the same Beijing day at different hours (ties go by id, not by hour),
some just after Beijing's midnight (still the previous day in UTC)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from roadshow.extensions import db
from roadshow.models import FollowUp, FollowUpKind, Project, Stage, StageChange
from roadshow.services import monthly

MONTH = date(2040, 6, 1)  # reference day 2040-06-30
COUNT = 1030


def _order(row):  # the report's order as it always was: red first, then the longest stalled, then by id
    return (row["flag"] != "red", -row["days"], row["project_id"])


@pytest.fixture
def stalled_data(app):
    with app.app_context():
        projects = [Project(name=f"分页停滞{n:04d}", stage=Stage.signed) for n in range(COUNT)]
        db.session.add_all(projects)
        db.session.flush()
        for n, project in enumerate(projects):
            # Later projects (higher ids) get the earlier hours of a shared day; days repeat every 40 projects.
            stage = Stage.signed if n % 3 else Stage.started
            base = (date(2040, 3, 1) if stage == Stage.signed else date(2039, 6, 1)) - timedelta(days=(n % 40) * 9)
            hour = 23 - (n // 40) % 24  # Beijing hours 23 … 0: 15:00 UTC the same day … 16:00 UTC the day before
            at = datetime(base.year, base.month, base.day, hour, 30, tzinfo=UTC) - timedelta(hours=8)
            project.stage = stage
            db.session.add(StageChange(project_id=project.id, to_stage=stage, at=at))
            if n % 7 == 0:
                db.session.add(FollowUp(project_id=project.id, at=datetime(2040, 5, 1, tzinfo=UTC),
                                        kind=FollowUpKind.call, note=f"跟进{n}"))
        db.session.add(Project(name="分页未停滞", stage=Stage.signed))  # no stage change: never stalled
        db.session.commit()
    yield


def test_the_pages_are_the_whole_list_in_its_order(app_ctx, stalled_data):
    full = monthly.stalled(MONTH)
    assert len(full) == COUNT
    assert full == sorted(full, key=_order)
    assert {r["flag"] for r in full} == {"red", "yellow"}
    assert len({(r["flag"], r["days"]) for r in full}) < COUNT / 10  # ties: the order of ids decides them
    pages = [monthly.stalled_page(MONTH, n, 50) for n in range(1, 22)]
    assert [p["page"] for p in pages] == list(range(1, 22))
    assert {p["total"] for p in pages} == {COUNT} and {p["pages"] for p in pages} == {21}
    assert [len(p["items"]) for p in pages] == [50] * 20 + [30]
    assert [r for p in pages for r in p["items"]] == full
    # one row a page, and a page as large as the list
    assert monthly.stalled_page(MONTH, 1, 1)["items"] == full[:1]
    assert monthly.stalled_page(MONTH, COUNT, 1)["items"] == full[-1:]
    assert monthly.stalled_page(MONTH, 1, COUNT)["items"] == full


def test_a_page_past_the_end_is_the_last_and_before_the_start_the_first(app_ctx, stalled_data):
    last = monthly.stalled_page(MONTH, 22, 50)
    assert (last["page"], len(last["items"]), last["total"]) == (21, 30, COUNT)
    assert monthly.stalled_page(MONTH, 10**9, 50)["page"] == 21
    assert monthly.stalled_page(MONTH, 0, 50)["items"] == monthly.stalled_page(MONTH, 1, 50)["items"]


def test_no_stalled_projects_is_one_empty_page(app_ctx):
    assert monthly.stalled_page(MONTH, 3, 50) == {"items": [], "total": 0, "page": 1, "per_page": 50, "pages": 1}
