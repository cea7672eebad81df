"""The .ics attachment of a mail, delivered through a real SMTP server (aiosmtpd) and read back."""
from __future__ import annotations

from roadshow.extensions import db
from roadshow.services import calendar, mail
from tests import factories
from tests.calendar.ics import parse, text, times
from tests.calendar.test_files import CHINESE_300, HOSTILE_TITLE


def calendar_part(message):
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return message, parts[0]


def test_invitation_mail_carries_the_event(app_ctx, smtp):
    event = factories.event(HOSTILE_TITLE, starts_at=factories.aware(2023, 4, 18, 9), hours=3,
                            description=CHINESE_300, venue="田家庵区招商中心", address="洞山中路 1 号")
    mail.queue("zhang@example.com", "邀请函：淮南牛肉汤产业项目路演会", "诚挚邀请您参加。\n\nYou are invited.",
               kind="invitation", attachments=[calendar.attachment(event)])
    db.session.commit()
    message, part = calendar_part(smtp.wait_for(1)[0])
    assert message["To"] == "zhang@example.com"
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "event.ics"
    raw = part.get_payload(decode=True)
    parsed = parse(raw)
    assert str(parsed.ical["METHOD"]) == parsed.vobj.method.value == "PUBLISH"
    pair = parsed.only()
    assert text(pair, "summary") == (HOSTILE_TITLE, HOSTILE_TITLE)
    assert text(pair, "description") == (CHINESE_300, CHINESE_300)
    assert text(pair, "location") == ("田家庵区招商中心，洞山中路 1 号",) * 2
    ((start, end), (vstart, vend)) = times(pair)
    assert (start, end) == (vstart, vend)
    assert (start.isoformat(), end.isoformat()) == ("2023-04-18T01:00:00+00:00", "2023-04-18T04:00:00+00:00")
    # The same event as the file on the site: one UID everywhere.
    assert str(pair[0]["UID"]) == calendar.uid(event) == pair[1].uid.value


def test_confirmation_mail_carries_the_registrants_copy(app_ctx, smtp):
    event = factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2023, 4, 18, 9), hours=3)
    registration = factories.registration(event)
    mail.queue("guest@example.com", "报名确认", "您的报名已确认。", kind="confirmation",
               attachments=[calendar.registrant_attachment(registration)], registration_id=registration.id)
    db.session.commit()
    _, part = calendar_part(smtp.wait_for(1)[0])
    pair = parse(part.get_payload(decode=True)).only()
    ical_text, vobj_text = text(pair, "description")
    assert ical_text == vobj_text and f"/m/{registration.manage_token}/ticket" in ical_text
    assert str(pair[0]["UID"]) == calendar.uid(event)
