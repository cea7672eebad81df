"""Links in mail never come from a Host header the app does not trust (issue 14, item 3).

With PUBLIC_BASE_URL unset, a cancellation sent with `Host: evil.example` promotes the next registrant on the
waiting list; the promotion mail (received by a real SMTP server) must not link to evil.example."""
from __future__ import annotations

from roadshow.models import RegistrationStatus
from tests import factories

URL = "/api/v1/public/registrations"


def _promotion_through(client, app, smtp, host: str) -> str:
    app.config["PUBLIC_BASE_URL"] = None
    ev = factories.event(capacity=1)
    first = factories.registration(ev, attendees=1)
    waiting = factories.registration(ev, attendees=1, status=RegistrationStatus.waitlisted)
    address = waiting.attendees[0].email

    r = client.delete(f"{URL}/{first.manage_token}", base_url=host)
    assert r.status_code == 200, r.data
    [message] = [m for m in smtp.wait_for(2) if address in m["To"]]
    return message.get_body(preferencelist=("plain",)).get_content() + str(
        message.get_body(preferencelist=("html",)).get_content())


def test_promotion_mail_triggered_with_an_untrusted_host_never_links_to_it(client, app, app_ctx, smtp):
    body = _promotion_through(client, app, smtp, "http://evil.example")
    assert "evil.example" not in body
    assert "http://localhost/m/" in body


def test_a_trusted_host_is_used_for_the_links(client, app, app_ctx, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["roadshow.example.gov.cn"])
    body = _promotion_through(client, app, smtp, "https://roadshow.example.gov.cn")
    assert "https://roadshow.example.gov.cn/m/" in body


def test_an_untrusted_host_is_refused_when_trusted_hosts_are_set(client, app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["roadshow.example.gov.cn"])
    ev = factories.event(capacity=1)
    first = factories.registration(ev, attendees=1)
    r = client.delete(f"{URL}/{first.manage_token}", base_url="http://evil.example")
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("application/problem+json")
    page = client.get(f"/e/{ev.id}", base_url="http://evil.example")
    assert page.status_code == 400 and "请求" in page.get_data(as_text=True)
    assert client.get(f"/e/{ev.id}", base_url="https://roadshow.example.gov.cn").status_code == 200
