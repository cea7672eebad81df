"""One rule per value on every path (issue 13): the public registration (API and form), invitations
and organisations accept, normalise and refuse phones, web addresses, industries and names alike."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Attendee, Contact, Organisation, OrgKind, Registration, RegistrationMode
from roadshow.services import values
from tests import factories
from tests.registration.test_pages import form_data

URL = "/api/v1/public/registrations"


def settle():
    from roadshow.services import mail

    mail.deliverer.wait()
    db.session.rollback()


@pytest.fixture
def open_event(industries, app_ctx):
    return factories.event(registration_mode=RegistrationMode.open)


def register(client, event_id, organisation=None, **attendee):
    person = {"name": "王小明", "phone": "13800138000"} | attendee
    body = {"event_id": event_id, "consent": True, "attendees": [person],
            "organisation": {"name": "上海鲜到家网络科技有限公司", "kind": "ecommerce"} | (organisation or {})}
    return client.post(URL, json=body)


def nothing_written():
    settle()
    return (db.session.scalar(select(func.count()).select_from(Registration)) == 0
            and db.session.scalar(select(func.count()).select_from(Organisation)) == 0)


@pytest.mark.parametrize("website", ["javascript:alert(1)", "data:text/html,x", "ftp://example.com"])
def test_public_registration_refuses_a_website_that_is_not_http(client, open_event, website):
    r = register(client, open_event.id, {"website": website})
    assert r.status_code == 422, r.json
    assert list(r.json["errors"]) == ["organisation.website"]
    assert r.json["errors"]["organisation.website"][0].startswith("请输入以 http:// 或 https:// 开头的网址")
    assert nothing_written()


def test_public_registration_takes_a_bare_domain_as_https(client, open_event):
    r = register(client, open_event.id, {"website": "www.example.com", "industry": "绿色食品"})
    assert r.status_code == 201, r.json
    settle()
    org = db.session.scalar(select(Organisation))
    assert (org.website, org.industry) == ("https://www.example.com", "绿色食品")


def test_an_invited_registrant_is_refused_a_javascript_website_too(client, app_ctx):
    inv = factories.invitation(factories.event(), factories.organisation("老乡鸡集团有限公司"))
    r = client.post(URL, json={"invitation": inv.token, "consent": True,
                               "attendees": [{"name": "束从轩", "phone": "13800138000"}],
                               "organisation": {"name": "老乡鸡集团有限公司", "website": "javascript:alert(1)"}})
    assert r.status_code == 422 and list(r.json["errors"]) == ["organisation.website"]
    settle()
    assert db.session.scalar(select(Registration)) is None


def test_industry_outside_the_list_is_refused_on_the_public_path_as_by_the_organisations_api(
        client, auth, open_event):
    r = register(client, open_event.id, {"industry": "挖矿"})
    assert r.status_code == 422, r.json
    assert r.json["errors"] == {"organisation.industry": ["请从本区产业目录中选择行业。"]}
    assert nothing_written()
    h = auth("organiser")
    patched = client.patch(f"/api/v1/organisations/{factories.organisation().id}", json={"industry": "挖矿"},
                           headers=h)
    assert patched.status_code == 422
    assert patched.json["errors"]["industry"] == r.json["errors"]["organisation.industry"]


def test_the_invitations_api_refuses_the_same_website_and_industry(client, auth, open_event):
    r = client.post(f"/api/v1/events/{open_event.id}/invitations", headers=auth("organiser"),
                    json={"organisation": {"name": "新公司", "kind": "enterprise", "website": "javascript:alert(1)",
                                           "industry": "挖矿"},
                          "contact_name": "张经理", "phone": "13800138000"})
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]) == {"organisation.website", "organisation.industry"}
    assert nothing_written()


def test_phone_with_86_prefix_is_accepted_and_stored_normalised_for_an_attendee(client, open_event):
    r = register(client, open_event.id, phone="8613800138000")
    assert r.status_code == 201, r.json
    settle()
    assert db.session.scalar(select(Attendee.phone)) == "13800138000"


def test_phone_with_86_prefix_on_the_public_form(client, open_event):
    html = client.get(f"/e/{open_event.id}").get_data(as_text=True)
    r = client.post(f"/e/{open_event.id}", data=form_data(html, [{"name": "刘一", "phone": "8613800138000"}],
                                                          organisation="桉树资本管理有限公司", kind="fund"))
    assert r.status_code == 302
    settle()
    assert db.session.scalar(select(Attendee.phone)) == "13800138000"


def test_phone_with_86_prefix_for_a_contact_is_stored_normalised(client, auth, open_event):
    h = auth("organiser")
    r = client.post(f"/api/v1/events/{open_event.id}/invitations", headers=h,
                    json={"organisation": {"name": "老乡鸡集团有限公司", "kind": "enterprise"},
                          "contact_name": "束从轩", "phone": "8613800138000"})
    assert r.status_code == 201, r.json
    assert r.json["phone"] == "13800138000"
    r = client.post("/api/v1/organisations", headers=h,
                    json={"name": "桉树资本管理有限公司", "kind": "fund",
                          "contacts": [{"name": "林经理", "phone": "86 138 0013 8001"}]})
    assert r.status_code == 201, r.json
    assert r.json["contacts"][0]["phone"] == "13800138001"
    settle()
    assert sorted(db.session.scalars(select(Contact.phone))) == ["13800138000", "13800138001"]


def test_a_landline_is_accepted_for_an_attendee_as_for_a_contact(client, open_event):
    r = register(client, open_event.id, phone="0554-6661234")
    assert r.status_code == 201, r.json
    settle()
    assert db.session.scalar(select(Attendee.phone)) == "0554-6661234"


@pytest.mark.parametrize("field", ["name", "title"])
def test_api_attendee_name_and_title_have_the_services_limit(client, open_event, field):
    r = register(client, open_event.id, **{field: "甲" * 150})
    assert r.status_code == 422, r.json
    assert any(key.endswith(field) for key in r.json["errors"])
    assert nothing_written()
    assert register(client, open_event.id, **{field: "甲" * values.PERSON_NAME_MAX}).status_code == 201


def test_the_api_document_takes_its_limits_and_kinds_from_the_services(client):
    doc = client.get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    attendee = schemas["registrations.RegistrationIn.AttendeeIn"]["properties"]
    assert attendee["name"]["maxLength"] == values.PERSON_NAME_MAX == 100
    assert attendee["title"]["anyOf"][0]["maxLength"] == values.TITLE_MAX == 100
    kinds = [schemas[name]["properties"]["kind"] for name in ("organisations.OrganisationIn",
                                                               "invitations.InvitationIn.OrganisationRef")]
    kinds.append(schemas["registrations.RegistrationIn.OrganisationIn"]["properties"]["kind"]["anyOf"][0])
    assert [kind["enum"] for kind in kinds] == [[k.value for k in OrgKind]] * 3
