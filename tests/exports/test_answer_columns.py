"""The attendee exports carry one column per registration question, formula-safe, in CSV and XLSX."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from roadshow.extensions import db
from roadshow.models import Answer, Question, QuestionKind
from tests import factories


@pytest.fixture
def answered_event(app_ctx):
    ev = factories.event("淮南牛肉汤产业项目路演会")
    asked = [Question(event_id=ev.id, position=1, label="关注产业", kind=QuestionKind.multi,
                      options=["牛肉汤预制菜", "冷链物流", "电商直播"], required=True),
             Question(event_id=ev.id, position=2, label="投资意向", kind=QuestionKind.choice,
                      options=["有明确投资意向", "了解情况"]),
             Question(event_id=ev.id, position=3, label="融资需求（万元）", kind=QuestionKind.number),
             Question(event_id=ev.id, position=4, label="是否参加考察", kind=QuestionKind.yes_no),
             Question(event_id=ev.id, position=5, label="=备注", kind=QuestionKind.text)]
    db.session.add_all(asked)
    db.session.flush()
    first = factories.registration(ev, attendees=2, names=["束从轩", "王晓明"])
    second = factories.registration(ev, attendees=1, names=["胡晓婷"])
    db.session.add_all([
        Answer(registration_id=first.id, question_id=asked[0].id, value=["牛肉汤预制菜", "冷链物流"]),
        Answer(registration_id=first.id, question_id=asked[1].id, value="有明确投资意向"),
        Answer(registration_id=first.id, question_id=asked[2].id, value="3000.5"),
        Answer(registration_id=first.id, question_id=asked[3].id, value=True),
        Answer(registration_id=first.id, question_id=asked[4].id, value="=HYPERLINK(\"http://evil.example\")"),
        Answer(registration_id=second.id, question_id=asked[0].id, value=["电商直播"]),
        Answer(registration_id=second.id, question_id=asked[3].id, value=False),
    ])
    event_id = ev.id
    db.session.commit()
    return event_id


HEADERS = ["关注产业", "投资意向", "融资需求（万元）", "是否参加考察", "'=备注"]


def test_csv_has_a_column_per_question_with_every_attendee_carrying_its_registrations_answers(
        client, auth, answered_event):
    r = client.get(f"/api/v1/events/{answered_event}/attendees.csv", headers=auth("organiser"))
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"), newline="")))
    assert rows[0][-5:] == HEADERS
    by_name = {row[3]: row[-5:] for row in rows[1:]}
    assert by_name["束从轩"] == ["牛肉汤预制菜、冷链物流", "有明确投资意向", "3000.5", "是",
                              "'=HYPERLINK(\"http://evil.example\")"]
    assert by_name["王晓明"] == by_name["束从轩"]  # the registration's answers, on each of its attendees
    assert by_name["胡晓婷"] == ["电商直播", "", "", "否", ""]


def test_xlsx_has_the_same_columns_as_text_never_formulas(client, auth, answered_event):
    r = client.get(f"/api/v1/events/{answered_event}/attendees.xlsx", headers=auth("organiser"))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.get_data())).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0][-5:]] == ["关注产业", "投资意向", "融资需求（万元）", "是否参加考察", "=备注"]
    assert all(c.data_type == "s" for c in rows[0])
    first = next(row for row in rows[1:] if row[3].value == "束从轩")
    assert [c.value for c in first[-5:]] == ["牛肉汤预制菜、冷链物流", "有明确投资意向", "3000.5", "是",
                                             "=HYPERLINK(\"http://evil.example\")"]
    assert first[-1].data_type == "s"  # a string cell, not a formula


def test_english_headers_keep_the_organisers_labels(client, auth, answered_event):
    r = client.get(f"/api/v1/events/{answered_event}/attendees.csv?lang=en", headers=auth("organiser"))
    rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "Organisation" and rows[0][-5:] == HEADERS
    assert {row[3]: row[-2] for row in rows[1:]}["胡晓婷"] == "No"
