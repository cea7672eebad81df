"""GET /events/<id>.ics: one event, right in its own time zone, text round-tripping exactly."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from roadshow.extensions import db
from roadshow.models import EventStatus
from roadshow.services import calendar
from tests import factories
from tests.calendar.ics import parse, text, times

UTC = UTC
HOSTILE_TITLE = '路演; 第一场, 含反斜杠 \\ 和换行\n第二行 "quoted" <b>'
# 300 Chinese characters (900 octets): the description has to be folded many times.
CHINESE_300 = ("淮南牛肉汤产业项目路演会邀请农业龙头企业电商企业基金公司银行与孵化器共商合作，" * 10)[:300]


def roadshow(**fields):
    fields.setdefault("title", "淮南牛肉汤产业项目路演会")
    fields.setdefault("venue", "田家庵区招商中心")
    fields.setdefault("address", "安徽省淮南市田家庵区洞山中路 1 号")
    return factories.event(starts_at=factories.aware(2023, 4, 18, 9), hours=3, **fields)


def test_roadshow_is_0900_to_1200_beijing_time(app_ctx, client):
    event = roadshow(description="路演说明")
    response = client.get(f"/events/{event.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="roadshow-event-{event.id}.ics"'
    assert response.headers["Cache-Control"] == "public, no-cache"
    etag = response.headers["ETag"]
    assert client.get(f"/events/{event.id}.ics", headers={"If-None-Match": etag}).status_code == 304
    parsed = parse(response.data)
    assert str(parsed.ical["METHOD"]) == "PUBLISH" and parsed.vobj.method.value == "PUBLISH"
    pair = parsed.only()
    ical, vobj = pair
    expected = (datetime(2023, 4, 18, 1, tzinfo=UTC), datetime(2023, 4, 18, 4, tzinfo=UTC))
    assert times(pair) == (expected, expected)
    # Written in the event's own zone, with its VTIMEZONE, not in UTC.
    assert ical["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert vobj.dtstart.value.tzinfo.utcoffset(vobj.dtstart.value).total_seconds() == 8 * 3600
    assert (vobj.dtstart.value.hour, vobj.dtend.value.hour) == (9, 12)
    assert b"DTSTART;TZID=Asia/Shanghai:20230418T090000\r\n" in response.data
    assert [str(tz["TZID"]) for tz in parsed.ical.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert vobj.summary.value == "淮南牛肉汤产业项目路演会"
    assert text(pair, "location") == ("田家庵区招商中心，安徽省淮南市田家庵区洞山中路 1 号",) * 2
    assert text(pair, "url") == (f"http://localhost/e/{event.id}",) * 2
    assert str(ical["ORGANIZER"]) == vobj.organizer.value == "mailto:roadshow@localhost"
    assert int(ical["SEQUENCE"]) == int(vobj.sequence.value) == 0
    assert ical.decoded("DTSTAMP").tzinfo is not None and vobj.dtstamp.value.tzinfo is not None
    assert str(ical["STATUS"]) == vobj.status.value == "CONFIRMED"


def test_europe_berlin_summer_and_winter_time(app_ctx, client):
    berlin = ZoneInfo("Europe/Berlin")
    summer = factories.event("Roadshow Berlin (Sommerzeit)", timezone="Europe/Berlin",
                             starts_at=datetime(2023, 4, 18, 9, tzinfo=berlin), hours=3)
    winter = factories.event("Roadshow Berlin (Winterzeit)", timezone="Europe/Berlin",
                             starts_at=datetime(2023, 12, 5, 9, tzinfo=berlin), hours=3)
    # The night DST starts: 01:00 CET + 3 hours = 05:00 CEST.
    switch = factories.event("Roadshow Berlin (Umstellung)", timezone="Europe/Berlin",
                             starts_at=datetime(2024, 3, 31, 0, tzinfo=UTC), hours=3)
    expect = {summer.id: (datetime(2023, 4, 18, 7, tzinfo=UTC), datetime(2023, 4, 18, 10, tzinfo=UTC)),
              winter.id: (datetime(2023, 12, 5, 8, tzinfo=UTC), datetime(2023, 12, 5, 11, tzinfo=UTC)),
              switch.id: (datetime(2024, 3, 31, 0, tzinfo=UTC), datetime(2024, 3, 31, 3, tzinfo=UTC))}
    local = {summer.id: (b"20230418T090000", b"20230418T120000"),
             winter.id: (b"20231205T090000", b"20231205T120000"),
             switch.id: (b"20240331T010000", b"20240331T050000")}
    for event_id, span in expect.items():
        response = client.get(f"/events/{event_id}.ics")
        parsed = parse(response.data)
        assert times(parsed.only()) == (span, span), event_id
        assert b"DTSTART;TZID=Europe/Berlin:" + local[event_id][0] in response.data
        assert b"DTEND;TZID=Europe/Berlin:" + local[event_id][1] in response.data
        assert [str(tz["TZID"]) for tz in parsed.ical.walk("VTIMEZONE")] == ["Europe/Berlin"]
    # All three in one file (the feed), next to a Beijing event: each zone once, every time right.
    beijing = roadshow()
    expect[beijing.id] = (datetime(2023, 4, 18, 1, tzinfo=UTC), datetime(2023, 4, 18, 4, tzinfo=UTC))
    parsed = parse(client.get("/calendar.ics").data)
    assert sorted(str(tz["TZID"]) for tz in parsed.ical.walk("VTIMEZONE")) == ["Asia/Shanghai", "Europe/Berlin"]
    for uid, pair in parsed.by_uid().items():
        event_id = int(uid.split("-")[1])
        assert times(pair) == (expect[event_id], expect[event_id]), uid


def test_hostile_title_and_long_chinese_description_round_trip(app_ctx, client):
    event = roadshow(title=HOSTILE_TITLE, description=CHINESE_300, venue="会场; A, B \\ C",
                     address="地址\n第二行")
    assert len(CHINESE_300) == 300
    response = client.get(f"/events/{event.id}.ics")
    parsed = parse(response.data)  # lines ≤ 75 octets, CRLF, no split character
    pair = parsed.only()
    assert text(pair, "summary") == (HOSTILE_TITLE, HOSTILE_TITLE)
    assert text(pair, "description") == (CHINESE_300, CHINESE_300)
    assert text(pair, "location") == ("会场; A, B \\ C，地址\n第二行",) * 2
    raw = response.data.decode("utf-8")
    assert "SUMMARY:路演\\; 第一场\\, 含反斜杠 \\\\ 和换行\\n第二行" in raw
    description_lines = raw.split("DESCRIPTION:", 1)[1].split("\r\n")
    assert len([line for line in description_lines if line.startswith(" ")]) >= 10  # folded, not one long line


def test_drafts_and_unknown_events_are_404(app_ctx, client):
    draft = roadshow(status=EventStatus.draft)
    assert client.get(f"/events/{draft.id}.ics").status_code == 404
    assert client.get("/events/999999.ics").status_code == 404
    assert client.get(f"/events/{draft.id}/calendar").status_code == 404


def test_cancelled_event_file_says_cancelled(app_ctx, client):
    event = roadshow(status=EventStatus.cancelled)
    pair = parse(client.get(f"/events/{event.id}.ics").data).only()
    assert text(pair, "status") == ("CANCELLED", "CANCELLED")


def test_uid_is_the_same_in_every_file_from_every_host(app, app_ctx, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["a.example", "b.example", "127.0.0.1"])
    event = roadshow()
    registration = factories.registration(event)
    uids = set()
    urls = set()
    for host in ("http://a.example", "https://b.example:8443", "http://127.0.0.1:5000"):
        for path in (f"/events/{event.id}.ics", "/calendar.ics", f"/m/{registration.manage_token}/event.ics"):
            ical, vobj = parse(client.get(path, base_url=host).data).only()
            uids |= {str(ical["UID"]), vobj.uid.value}
            urls.add(vobj.url.value)
    assert len(uids) == 1
    assert uids.pop().endswith("@roadshow")
    # The link to the public page follows the (trusted) host the file was fetched from (unless PUBLIC_BASE_URL
    # is set).
    assert urls == {f"http://a.example/e/{event.id}", f"https://b.example:8443/e/{event.id}",
                    f"http://127.0.0.1:5000/e/{event.id}"}


def test_public_base_url_wins_over_the_host(app, app_ctx, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://roadshow.tja.gov.cn")
    event = roadshow()
    ical, vobj = parse(client.get(f"/events/{event.id}.ics", base_url="http://10.0.0.5").data).only()
    assert vobj.url.value == f"https://roadshow.tja.gov.cn/e/{event.id}"


def test_event_edited_in_place_keeps_its_uid(app_ctx, client):
    event = roadshow()
    response = client.get(f"/events/{event.id}.ics")
    first = parse(response.data).only()[0]["UID"]
    event.title = "改名后的路演"
    event.starts_at = factories.aware(2023, 4, 19, 9)
    event.ends_at = factories.aware(2023, 4, 19, 12)
    calendar.bump_sequence_if_needed(event, {"title", "starts_at", "ends_at"})
    db.session.commit()
    again = client.get(f"/events/{event.id}.ics", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 200  # the old copy is stale
    assert parse(again.data).only()[0]["UID"] == first


def test_other_zones_and_a_broken_zone_name(app_ctx, client):
    for zone, expected_hour in (("UTC", 1), ("America/New_York", 1), ("Not/AZone", 1)):
        event = factories.event(f"路演 {zone}", timezone=zone, starts_at=factories.aware(2023, 4, 18, 9), hours=3)
        response = client.get(f"/events/{event.id}.ics")
        assert response.status_code == 200, zone
        (start, end), (vstart, vend) = times(parse(response.data).only())
        assert start == vstart and end == vend and start.hour == expected_hour, zone
