"""API.md "Organisations": create, list, search, filter, patch; 409 with existing_id; 422 shapes; roles."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, Organisation
from tests import factories

URL = "/api/v1/organisations"
TENCENT = "91440300708461136T"
BAIDU = "91110108551385082Q"


def create(client, headers, **fields):
    body = {"name": "老乡鸡集团有限公司", "kind": "enterprise"} | fields
    return client.post(URL, json=body, headers=headers)


def test_create_returns_the_organisation_with_every_field(client, auth, industries, app):
    h = auth("organiser")
    r = create(client, h, credit_code=TENCENT.lower(), province="安徽省", city="合肥市", industry="绿色食品",
               website="https://www.example.com/about",
               contacts=[{"name": "束经理", "title": "投资发展部经理", "phone": "13905510001",
                          "email": "Invest@Example.com"}])
    assert r.status_code == 201, r.json
    org = r.json
    assert org["id"] > 0
    assert {k: org[k] for k in ("name", "kind", "credit_code", "province", "city", "industry", "website")} == {
        "name": "老乡鸡集团有限公司", "kind": "enterprise", "credit_code": TENCENT, "province": "安徽省",
        "city": "合肥市", "industry": "绿色食品", "website": "https://www.example.com/about"}
    assert org["contacts"] == [{"id": org["contacts"][0]["id"], "name": "束经理", "title": "投资发展部经理",
                                "phone": "13905510001", "email": "invest@example.com"}]
    assert client.get(f"{URL}/{org['id']}", headers=h).json == org
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"organisation.create", "contact.create"} <= actions


def test_minimal_create_and_bare_host_website(client, auth):
    r = create(client, auth("admin"), name="  桉树资本管理有限公司 ", kind="fund", website="www.example.com")
    assert r.status_code == 201
    assert r.json["name"] == "桉树资本管理有限公司"
    assert r.json["credit_code"] is None and r.json["contacts"] == []
    assert r.json["website"] == "https://www.example.com"


def test_duplicate_credit_code_is_409_with_existing_id(client, auth):
    h = auth("organiser")
    first = create(client, h, credit_code=TENCENT).json
    r = create(client, h, name="另一家公司", credit_code=TENCENT.lower())
    assert r.status_code == 409
    assert r.mimetype == "application/problem+json"
    assert r.json["existing_id"] == first["id"] and r.json["status"] == 409
    # and on PATCH of another organisation
    other = create(client, h, name="百度", credit_code=BAIDU).json
    r = client.patch(f"{URL}/{other['id']}", json={"credit_code": TENCENT}, headers=h)
    assert r.status_code == 409 and r.json["existing_id"] == first["id"]
    # organisations without a code never collide
    assert create(client, h, name="无代码一").status_code == 201
    assert create(client, h, name="无代码二").status_code == 201


def test_the_database_refuses_a_duplicate_code_too(app_ctx):
    from sqlalchemy.exc import IntegrityError

    factories.organisation("甲", credit_code=TENCENT)
    db.session.add(Organisation(name="乙", kind="enterprise", credit_code=TENCENT))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("body,field", [
    ({"credit_code": "91440300708461136U"}, "credit_code"),
    ({"credit_code": "123"}, "credit_code"),
    ({"industry": "挖矿"}, "industry"),
    ({"website": "ftp://example.com"}, "website"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"kind": "pirate"}, "kind"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"contacts": [{"name": "张", "email": "not-an-email"}]}, "contacts.0.email"),
    ({"contacts": [{"name": "张", "phone": "call me"}]}, "contacts.0.phone"),
    ({"contacts": [{"name": "张"}, {"email": "a@example.com"}]}, "contacts.1.name"),
])
def test_invalid_input_is_422_with_field_errors(client, auth, industries, body, field):
    r = create(client, auth("organiser"), **body)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json"
    assert set(r.json) >= {"type", "title", "status", "detail", "errors"}
    assert field in r.json["errors"] and all(isinstance(m, str) for m in r.json["errors"][field])
    assert client.get(URL, headers=auth("organiser")).json["total"] == 0  # nothing half-written


def test_all_errors_are_reported_at_once(client, auth, industries):
    r = create(client, auth("organiser"), credit_code="91440300708461136U", industry="挖矿", website="ftp://x")
    assert set(r.json["errors"]) == {"credit_code", "industry", "website"}


def test_422_messages_follow_the_language(client, auth):
    h = auth("organiser")
    zh = create(client, h | {"Accept-Language": "zh-CN"}, credit_code="91440300708461136U").json
    en = create(client, h | {"Accept-Language": "en"}, credit_code="91440300708461136U").json
    assert "统一社会信用代码" in zh["errors"]["credit_code"][0]
    assert "unified social credit code" in en["errors"]["credit_code"][0]


def test_list_search_and_filter(client, auth):
    h = auth("organiser")
    for name, kind in [("老乡鸡集团有限公司", "enterprise"), ("淮南市牛肉汤食品有限公司", "enterprise"),
                       ("西部优势资本投资有限公司", "fund"), ("徽商银行股份有限公司淮南分行", "bank"),
                       ("Huainan Beef Soup Trading Co.", "ecommerce"), ("100%_真实 公司", "other")]:
        assert create(client, h, name=name, kind=kind).status_code == 201

    everything = client.get(URL, headers=h).json
    assert everything["total"] == 6 and everything["page"] == 1 and everything["per_page"] == 50
    assert everything["items"][0]["name"] == "100%_真实 公司"  # newest first

    def names(**params):
        r = client.get(URL, query_string=params, headers=h)
        assert r.status_code == 200
        return sorted(o["name"] for o in r.json["items"])

    assert names(q="淮南") == ["徽商银行股份有限公司淮南分行", "淮南市牛肉汤食品有限公司"]  # Chinese substring
    assert names(q="牛肉汤") == ["淮南市牛肉汤食品有限公司"]
    assert names(q="beef soup") == ["Huainan Beef Soup Trading Co."]  # Latin: any case
    assert names(q="HUAINAN") == ["Huainan Beef Soup Trading Co."]
    assert names(kind="fund") == ["西部优势资本投资有限公司"]
    assert names(q="有限公司", kind="enterprise") == ["淮南市牛肉汤食品有限公司", "老乡鸡集团有限公司"]
    assert names(q="%") == ["100%_真实 公司"]  # LIKE wildcards are plain characters
    assert names(q="_") == ["100%_真实 公司"]
    assert names(q="不存在") == []
    assert client.get(URL, query_string={"kind": "pirate"}, headers=h).status_code == 422


def test_search_by_credit_code(client, auth):
    h = auth("organiser")
    create(client, h, credit_code=TENCENT)
    create(client, h, name="百度", credit_code=BAIDU)
    r = client.get(URL, query_string={"q": "914403"}, headers=h).json
    assert [o["credit_code"] for o in r["items"]] == [TENCENT]


def test_pagination(client, auth, app_ctx):
    for i in range(7):
        factories.organisation(f"分页测试{i}号公司")
    h = auth("viewer")
    pages = [client.get(URL, query_string={"page": p, "per_page": 3}, headers=h).json for p in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    assert all(p["total"] == 7 and p["per_page"] == 3 for p in pages)
    seen = [o["id"] for p in pages for o in p["items"]]
    assert len(set(seen)) == 7
    assert client.get(URL, query_string={"per_page": 201}, headers=h).status_code == 422
    assert client.get(URL, query_string={"page": 0}, headers=h).status_code == 422


def test_patch_is_partial(client, auth, industries, app):
    h = auth("organiser")
    org = create(client, h, credit_code=TENCENT, city="合肥市", industry="绿色食品").json
    r = client.patch(f"{URL}/{org['id']}", json={"city": "淮南市", "website": "http://example.com"}, headers=h)
    assert r.status_code == 200
    assert r.json["city"] == "淮南市" and r.json["website"] == "http://example.com"
    assert r.json["credit_code"] == TENCENT and r.json["industry"] == "绿色食品" and r.json["name"] == org["name"]
    # clearing an optional field
    r = client.patch(f"{URL}/{org['id']}", json={"credit_code": None, "industry": ""}, headers=h)
    assert r.status_code == 200 and r.json["credit_code"] is None and r.json["industry"] is None
    # lower case on patch too
    r = client.patch(f"{URL}/{org['id']}", json={"credit_code": BAIDU.lower()}, headers=h)
    assert r.json["credit_code"] == BAIDU
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organisation.update")
                                     .order_by(AuditEntry.id)).all()
        assert entries[0].changes["city"] == {"from": "合肥市", "to": "淮南市"}
        assert entries[-1].changes["credit_code"] == {"from": None, "to": BAIDU}


def test_patch_errors(client, auth):
    h = auth("organiser")
    org = create(client, h, credit_code=TENCENT).json
    r = client.patch(f"{URL}/{org['id']}", json={"credit_code": "91440300708461136U"}, headers=h)
    assert r.status_code == 422 and "credit_code" in r.json["errors"]
    assert client.get(f"{URL}/{org['id']}", headers=h).json["credit_code"] == TENCENT
    assert client.patch(f"{URL}/{org['id']}", json={"name": None}, headers=h).status_code == 422
    assert client.patch(f"{URL}/9999", json={"city": "x"}, headers=h).status_code == 404
    assert client.get(f"{URL}/9999", headers=h).status_code == 404
    # patching an organisation with its own code is not a conflict
    assert client.patch(f"{URL}/{org['id']}", json={"credit_code": TENCENT.lower()}, headers=h).status_code == 200


def test_patch_contacts_replaces_the_list(client, auth, app):
    h = auth("organiser")
    org = create(client, h, contacts=[{"name": "甲", "phone": "13800000001"},
                                      {"name": "乙", "email": "yi@example.com"}]).json
    first, second = org["contacts"]
    r = client.patch(f"{URL}/{org['id']}", json={"contacts": [
        {"id": first["id"], "name": "甲", "phone": "+86 138 0000 0009", "title": "总经理"},
        {"name": "丙", "email": "bing@example.com"}]}, headers=h)
    assert r.status_code == 200, r.json
    contacts = r.json["contacts"]
    assert [c["name"] for c in contacts] == ["甲", "丙"]
    # stored normalised, as every mobile number is (services/values.py)
    assert contacts[0]["id"] == first["id"] and contacts[0]["phone"] == "13800000009"
    # a contact of another organisation cannot be taken over
    other = create(client, h, name="别家", contacts=[{"name": "丁"}]).json
    r = client.patch(f"{URL}/{org['id']}", json={"contacts": [{"id": other["contacts"][0]["id"], "name": "丁"}]},
                     headers=h)
    assert r.status_code == 422 and "contacts.0.id" in r.json["errors"]
    with app.app_context():
        actions = [a for a in db.session.scalars(select(AuditEntry.action)) if a.startswith("contact.")]
        assert actions.count("contact.delete") == 1 and "contact.update" in actions


def test_an_invited_contact_cannot_be_removed(client, auth, app):
    h = auth("organiser")
    with app.app_context():
        ev = factories.event()
        inv = factories.invitation(ev, contact_name="张经理")
        org_id, contact_id = inv.organisation_id, inv.contact_id
    r = client.patch(f"{URL}/{org_id}", json={"contacts": []}, headers=h)
    assert r.status_code == 422 and "张经理" in r.json["errors"]["contacts"][0]
    assert [c["id"] for c in client.get(f"{URL}/{org_id}", headers=h).json["contacts"]] == [contact_id]


def test_industries_list(client, auth, industries):
    r = client.get("/api/v1/industries", headers=auth("viewer"))
    assert r.status_code == 200
    assert [i["name"] for i in r.json["items"]] == industries
    assert r.json["total"] == len(industries)
    assert client.get("/api/v1/industries", headers=auth("door")).status_code == 403


@pytest.mark.parametrize("role,read,write", [("admin", 200, 201), ("organiser", 200, 201), ("viewer", 200, 403),
                                             ("door", 403, 403)])
def test_roles(client, auth, app, role, read, write):
    with app.app_context():
        org_id = factories.organisation("已有单位").id
    h = auth(role)
    assert client.get(URL, headers=h).status_code == read
    assert client.get(f"{URL}/{org_id}", headers=h).status_code == read
    assert create(client, h, name=f"{role}新建").status_code == write
    r = client.patch(f"{URL}/{org_id}", json={"city": "合肥市"}, headers=h)
    assert r.status_code == (200 if write == 201 else 403)
    if write == 403:
        assert r.mimetype == "application/problem+json"
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1


def test_no_token_is_401(client):
    assert client.get(URL).status_code == 401
    assert client.post(URL, json={"name": "x", "kind": "other"}).status_code == 401


def test_viewer_sees_contacts_without_phone_or_email(client, auth):
    org = create(client, auth("organiser"), contacts=[{"name": "束经理", "phone": "13905510001",
                                                       "email": "a@example.com"}]).json
    seen = client.get(f"{URL}/{org['id']}", headers=auth("viewer")).json["contacts"]
    assert seen == [{"id": org["contacts"][0]["id"], "name": "束经理", "title": None, "phone": None, "email": None}]


def test_wrong_content_type_and_malformed_json(client, auth):
    h = auth("organiser")
    form = "application/x-www-form-urlencoded"
    assert client.post(URL, data="name=x", headers=h, content_type=form).status_code == 415
    assert client.post(URL, data="{", headers=h, content_type="application/json").status_code == 400


def test_chinese_round_trips(client, auth):
    name = "淮南市田家庵区电子商务产业园运营有限公司（“牛肉汤”）"
    r = create(client, auth("organiser"), name=name, kind="ecommerce")
    assert r.json["name"] == name
    assert name.encode() in r.data  # not \u-escaped


def test_filter_by_industry(client, auth, industries):
    h = auth("organiser")
    create(client, h, name="食品甲", industry="绿色食品")
    create(client, h, name="信息乙", industry="新一代信息技术")
    create(client, h, name="无行业丙")
    r = client.get(URL, query_string={"industry": "绿色食品"}, headers=h).json
    assert [o["name"] for o in r["items"]] == ["食品甲"] and r["total"] == 1
