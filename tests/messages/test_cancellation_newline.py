"""An event title with a line break used to make the cancellation mail undeliverable (BadHeaderError):
the registrants were never told. End to end, through the API and a real SMTP server."""
from __future__ import annotations

from roadshow.extensions import db
from roadshow.models import MailStatus, OutboxMessage
from roadshow.services import mail
from tests import factories


def test_cancelling_an_event_with_a_multi_line_title_still_tells_the_registrant(client, auth, app_ctx, smtp):
    ev = factories.event("淮南牛肉汤\n产业项目路演会\r\nRoadshow")
    reg = factories.registration(ev, attendees=1)
    address = reg.attendees[0].email

    r = client.post(f"/api/v1/events/{ev.id}/cancel", headers=auth("organiser"))
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    [message] = smtp.wait_for(1)
    mail.deliverer.wait()

    assert message["To"] == address
    subject = str(message["Subject"]).strip()  # a long header is folded on the wire, unfolded here
    assert "\n" not in subject and "\r" not in subject
    title = "淮南牛肉汤 产业项目路演会 Roadshow"
    assert subject == f"活动已取消：{title} / Event cancelled: {title}"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "产业项目路演会" in text and "has been cancelled" in text
    db.session.commit()
    stored = db.session.query(OutboxMessage).one()
    assert stored.status is MailStatus.sent and stored.last_error is None and "\n" not in stored.subject
