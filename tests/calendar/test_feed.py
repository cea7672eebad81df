"""GET /calendar.ics: published and cancelled events, industry filter, ETag/Last-Modified and 304."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event as sa_event

from roadshow.extensions import db
from roadshow.models import EventStatus
from roadshow.services import calendar
from tests import factories
from tests.calendar.ics import parse


@contextmanager
def statements():
    """Every SQL statement the block sends to the database (transaction control left out)."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}:
            seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listen)


def titles(parsed) -> dict[str, str]:
    ical = {str(e["SUMMARY"]): str(e["STATUS"]) for e in parsed.ical_events()}
    vobj = {e.summary.value: e.status.value for e in parsed.vobj_events()}
    assert ical == vobj
    return ical


def test_feed_lists_published_and_cancelled_never_drafts(app_ctx, client):
    factories.event("已发布的路演")
    factories.event("已取消的路演", status=EventStatus.cancelled)
    factories.event("草稿路演", status=EventStatus.draft)
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["ETag"].startswith('W/"') and response.headers["Last-Modified"]
    parsed = parse(response.data)
    assert titles(parsed) == {"已发布的路演": "CONFIRMED", "已取消的路演": "CANCELLED"}
    assert str(parsed.ical["METHOD"]) == "PUBLISH"
    assert "招商活动" in str(parsed.ical["X-WR-CALNAME"])


def test_industry_filter(app_ctx, client):
    factories.event("绿色食品路演", industries=["绿色食品", "生命健康"])
    factories.event("新能源路演", industries=["新能源"])
    factories.event("汽车路演", industries=["新能源汽车及零部件"])
    factories.event("无行业路演")
    factories.event("取消的绿色食品路演", industries=["绿色食品"], status=EventStatus.cancelled)
    parsed = parse(client.get("/calendar.ics", query_string={"industry": "绿色食品"}).data)
    assert titles(parsed) == {"绿色食品路演": "CONFIRMED", "取消的绿色食品路演": "CANCELLED"}
    assert "绿色食品" in str(parsed.ical["X-WR-CALNAME"])
    parsed = parse(client.get("/calendar.ics", query_string={"industry": "新能源"}).data)
    assert titles(parsed) == {"新能源路演": "CONFIRMED"}  # not "新能源汽车及零部件", not a substring match
    assert len(parse(client.get("/calendar.ics").data).ical_events()) == 5


def test_unknown_industry_gives_an_empty_valid_calendar(app_ctx, client):
    factories.event("绿色食品路演", industries=["绿色食品"])
    for industry in ("没有这个行业", "绿色", '"; DROP TABLE events; --', "%", "x" * 500):
        response = client.get("/calendar.ics", query_string={"industry": industry})
        assert response.status_code == 200
        parsed = parse(response.data)  # both parsers accept it
        assert parsed.ical_events() == [] and parsed.vobj_events() == []
        assert str(parsed.ical["METHOD"]) == "PUBLISH"
        assert response.headers["ETag"]
    # A calendar with nothing in it at all is still valid.
    db.session.execute(db.text("DELETE FROM events"))
    db.session.commit()
    parsed = parse(client.get("/calendar.ics").data)
    assert parsed.ical_events() == []


def test_304_for_if_none_match_and_if_modified_since_without_building(app, app_ctx, client):
    factories.event("路演一", description="说明" * 50)
    factories.event("路演二", status=EventStatus.cancelled)
    first = client.get("/calendar.ics")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]

    with statements() as seen:
        again = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=300"
    # One aggregate and nothing else: the events are neither loaded nor turned into a calendar.
    assert len(seen) == 1, seen
    assert "count(" in seen[0].lower() and "max(" in seen[0].lower()

    with statements() as seen:
        since = client.get("/calendar.ics", headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304 and len(seen) == 1

    with statements() as seen:
        full = client.get("/calendar.ics")
    assert full.status_code == 200 and len(seen) >= 2  # the aggregate, then the events

    assert client.get("/calendar.ics", headers={"If-None-Match": 'W/"something-else"'}).status_code == 200
    assert client.get("/calendar.ics", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
                      ).status_code == 200


def test_etag_changes_when_an_event_in_the_feed_changes(app_ctx, client):
    event = factories.event("路演")
    other = factories.event("另一场路演", industries=["新能源"])
    etags = [client.get("/calendar.ics").headers["ETag"]]

    event.status = EventStatus.cancelled
    calendar.bump_sequence_if_needed(event, {"status"})
    db.session.commit()
    response = client.get("/calendar.ics", headers={"If-None-Match": etags[-1]})
    assert response.status_code == 200  # the cancellation is news
    assert titles(parse(response.data))["路演"] == "CANCELLED"
    etags.append(response.headers["ETag"])
    assert client.get("/calendar.ics", headers={"If-None-Match": etags[-1]}).status_code == 304

    event.venue = "新会场"
    calendar.bump_sequence_if_needed(event, {"venue"})
    db.session.commit()
    etags.append(client.get("/calendar.ics").headers["ETag"])

    factories.event("新发布的路演")
    etags.append(client.get("/calendar.ics").headers["ETag"])
    assert len(set(etags)) == len(etags)

    # A filtered feed has its own validator, untouched by changes outside it.
    filtered = client.get("/calendar.ics", query_string={"industry": "新能源"}).headers["ETag"]
    assert filtered not in etags
    factories.event("又一场路演")
    assert client.get("/calendar.ics", query_string={"industry": "新能源"},
                      headers={"If-None-Match": filtered}).status_code == 304
    other.title = "新能源专场"
    calendar.bump_sequence_if_needed(other, {"title"})
    db.session.commit()
    assert client.get("/calendar.ics", query_string={"industry": "新能源"},
                      headers={"If-None-Match": filtered}).status_code == 200


def test_etag_differs_per_host(app, app_ctx, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["a.example", "b.example"])
    factories.event("路演")
    a = client.get("/calendar.ics", base_url="http://a.example").headers["ETag"]
    b = client.get("/calendar.ics", base_url="http://b.example").headers["ETag"]
    assert a != b  # the files name their host in every URL
