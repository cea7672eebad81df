"""The console pages through the test client: list, search, filter, pages, forms with errors beside
the fields in the user's language, contacts, and who may see what."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Contact, Organisation, OrgKind
from tests import factories
from tests.app.test_i18n import english_words
from tests.organisations.conftest import csrf_token

TENCENT = "91440300708461136T"


def field_errors(html: str, field_id: str) -> list[str]:
    """The messages shown beside the input or select with this id (the invalid-feedback right after it);
    the field is marked is-invalid exactly when there are some."""
    start = re.search(rf'<(input|select)[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    assert start, f"no field {field_id}"
    end = html.index("</select>", start.end()) + len("</select>") if start.group(1) == "select" else start.end()
    feedback = re.match(r'(?:\s*<div class="invalid-feedback">.*?</div>)*', html[end:], re.S).group(0)
    messages = [unescape(m) for m in re.findall(r'<div class="invalid-feedback">(.*?)</div>', feedback)]
    assert ("is-invalid" in start.group(0)) == bool(messages), start.group(0)
    return messages


def post_form(client, path, **fields):
    data = {"name": "", "kind": "enterprise", "credit_code": "", "province": "", "city": "", "industry": "",
            "website": "", "csrf_token": csrf_token(client, path)} | fields
    return client.post(path, data=data)


def test_create_with_errors_beside_the_fields_in_chinese(client, login, industries, app):
    login("organiser")
    r = post_form(client, "/organisations/new", name="", credit_code="91440300708461136U", website="ftp://x")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert field_errors(html, "name") == ["请填写单位名称。"]
    # every field is checked at once, by the form's validators (the services' own cleaners)
    assert field_errors(html, "credit_code") == ["统一社会信用代码无效（请核对 18 位字符）。"]
    r = post_form(client, "/organisations/new", name="老乡鸡集团有限公司", credit_code="91440300708461136U",
                  website="ftp://x", industry="挖矿")
    html = r.get_data(as_text=True)
    assert field_errors(html, "credit_code") == ["统一社会信用代码无效（请核对 18 位字符）。"]
    assert field_errors(html, "website")[0].startswith("请输入以 http:// 或 https:// 开头的网址")
    assert field_errors(html, "industry") == ["请从本区产业目录中选择行业。"]
    assert field_errors(html, "name") == []
    assert 'value="老乡鸡集团有限公司"' in html  # what the user typed is kept
    with app.app_context():
        assert db.session.scalar(select(Organisation)) is None

    r = post_form(client, "/organisations/new", name="老乡鸡集团有限公司", kind="enterprise",
                  credit_code=TENCENT.lower(), province="安徽省", city="合肥市", industry="绿色食品",
                  website="https://www.example.com")
    assert r.status_code == 302 and r.headers["Location"].endswith("/organisations/")
    listing = client.get("/organisations/").get_data(as_text=True)
    assert "已创建单位 老乡鸡集团有限公司。" in listing
    assert "老乡鸡集团有限公司" in listing and TENCENT in listing
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        assert (org.credit_code, org.industry, org.kind) == (TENCENT, "绿色食品", OrgKind.enterprise)


def test_errors_in_english_for_english_users(client, login):
    login("organiser")
    client.get("/organisations/?lang=en")
    html = post_form(client, "/organisations/new", name="X Co.", credit_code="123").get_data(as_text=True)
    assert field_errors(html, "credit_code") == ["A unified social credit code has 18 characters; this one has 3."]


def test_duplicate_code_on_the_form_links_to_the_existing_one(client, login, app):
    with app.app_context():
        existing = factories.organisation("先登记的单位", credit_code=TENCENT).id
    login("organiser")
    html = post_form(client, "/organisations/new", name="重复单位", credit_code=TENCENT).get_data(as_text=True)
    assert field_errors(html, "credit_code") == ["该统一社会信用代码的单位已存在。"]
    assert f'href="/organisations/{existing}/edit"' in html


def test_list_search_filter_and_pages(client, login, app):
    with app.app_context():
        for i in range(23):
            factories.organisation(f"淮南第{i:02d}号食品有限公司")
        factories.organisation("西部优势资本投资有限公司", kind=OrgKind.fund)
        factories.organisation("Huainan Beef Soup Trading Co.", kind=OrgKind.ecommerce)
    login("organiser")
    html = client.get("/organisations/").get_data(as_text=True)
    assert "共 25 家单位。" in html and "第 1 / 2 页" in html
    assert html.count('class="list-group-item"') == 20
    html = client.get("/organisations/?page=2").get_data(as_text=True)
    assert html.count('class="list-group-item"') == 5 and "第 2 / 2 页" in html

    html = client.get("/organisations/", query_string={"q": "优势资本"}).get_data(as_text=True)
    assert "共有 1 家单位符合条件。" in html and "西部优势资本投资有限公司" in html
    assert 'value="优势资本"' in html  # the search box keeps the query
    html = client.get("/organisations/", query_string={"q": "beef"}).get_data(as_text=True)
    assert "Huainan Beef Soup Trading Co." in html
    html = client.get("/organisations/", query_string={"kind": "fund"}).get_data(as_text=True)
    assert "西部优势资本投资有限公司" in html and "淮南第00号" not in html
    assert '<option value="fund" selected>' in html
    html = client.get("/organisations/", query_string={"q": "淮南第0", "page": 1}).get_data(as_text=True)
    assert "共有 10 家单位符合条件。" in html and "分页" not in html
    html = client.get("/organisations/", query_string={"q": "没有这家"}).get_data(as_text=True)
    assert 'id="no-organisations"' in html and "没有符合搜索条件的单位。" in html
    # nonsense parameters are ignored, not errors
    assert client.get("/organisations/?kind=pirate&page=abc").status_code == 200
    next_link = re.search(r'id="next-page"', client.get("/organisations/?q=淮南").get_data(as_text=True))
    assert next_link


def test_edit_fields_and_contacts(client, login, app):
    with app.app_context():
        org = factories.organisation("束氏食品有限公司", credit_code=TENCENT, city="合肥市")
        org_id = org.id
    login("organiser")
    path = f"/organisations/{org_id}/edit"
    html = client.get(path).get_data(as_text=True)
    assert 'value="束氏食品有限公司"' in html and 'id="contacts-0-name"' in html and 'id="contacts-1-name"' not in html
    # add a contact through the empty card, change the city
    r = post_form(client, path, name="束氏食品有限公司", kind="enterprise", credit_code=TENCENT, city="淮南市",
                  **{"contacts-0-id": "", "contacts-0-name": "束经理", "contacts-0-title": "总经理",
                     "contacts-0-phone": "13905510001", "contacts-0-email": "shu@example.com"})
    assert r.status_code == 302
    html = client.get(path).get_data(as_text=True)
    assert "已保存对 束氏食品有限公司 的修改。" in html
    assert 'value="束经理"' in html and 'id="contacts-1-name"' in html  # saved, and a new empty card
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert (contact.name, contact.phone, contact.email) == ("束经理", "13905510001", "shu@example.com")
        assert db.session.get(Organisation, org_id).city == "淮南市"
        contact_id = contact.id

    # a bad email on the contact card: the error sits beside that field
    r = post_form(client, path, name="束氏食品有限公司", kind="enterprise", credit_code=TENCENT,
                  **{"contacts-0-id": str(contact_id), "contacts-0-name": "束经理", "contacts-0-email": "坏邮箱",
                     "contacts-1-id": "", "contacts-1-name": "", "contacts-1-email": ""})
    html = r.get_data(as_text=True)
    assert field_errors(html, "contacts-0-email") == ["邮箱地址格式不正确。"]
    assert field_errors(html, "contacts-1-email") == []

    # remove the contact
    r = post_form(client, path, name="束氏食品有限公司", kind="enterprise", credit_code=TENCENT,
                  **{"contacts-0-id": str(contact_id), "contacts-0-name": "束经理", "contacts-0-remove": "y"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Contact)) is None


def test_an_invited_contact_cannot_be_removed_on_the_page(client, login, app):
    with app.app_context():
        inv = factories.invitation(factories.event(), contact_name="张经理")
        org_id, contact_id, name = inv.organisation_id, inv.contact_id, inv.organisation.name
    login("organiser")
    r = post_form(client, f"/organisations/{org_id}/edit", name=name, kind="enterprise",
                  **{"contacts-0-id": str(contact_id), "contacts-0-name": "张经理", "contacts-0-remove": "y"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "张经理 已被邀请参加活动，不能删除。" in html
    with app.app_context():
        assert db.session.get(Contact, contact_id) is not None


def test_edit_unknown_organisation_is_404(client, login):
    login("organiser")
    assert client.get("/organisations/999/edit").status_code == 404


@pytest.mark.parametrize("role,list_status,form_status,sees_nav", [
    ("admin", 200, 200, True), ("organiser", 200, 200, True), ("viewer", 200, 403, True), ("door", 403, 403, False)])
def test_roles_on_pages(client, login, app, role, list_status, form_status, sees_nav):
    with app.app_context():
        org_id = factories.organisation("角色测试单位").id
    login(role)
    listing = client.get("/organisations/")
    assert listing.status_code == list_status
    assert client.get("/organisations/new").status_code == form_status
    assert client.get(f"/organisations/{org_id}/edit").status_code == form_status
    home = client.get("/").get_data(as_text=True)
    assert ('id="nav-organisations"' in home) is sees_nav
    if role == "viewer":
        html = listing.get_data(as_text=True)
        assert "角色测试单位" in html and "/edit" not in html and 'id="new-organisation"' not in html
        token = csrf_token(client, "/")
        r = client.post("/organisations/new", data={"name": "偷偷新建", "kind": "other", "csrf_token": token})
        assert r.status_code == 403


def test_signed_out_goes_to_login(client):
    r = client.get("/organisations/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_form_needs_csrf(client, login):
    login("organiser")
    assert client.post("/organisations/new", data={"name": "无令牌", "kind": "other"}).status_code == 400


def test_pages_show_no_english_in_chinese(client, login, app):
    from roadshow.demo import scenario_2023 as demo

    with app.app_context():
        demo.load()
        db.session.commit()
        org_id = db.session.scalar(select(Organisation.id).where(Organisation.name == "老乡鸡集团有限公司"))
    login("organiser")
    pages = {
        "list": client.get("/organisations/"),
        "search": client.get("/organisations/?q=淮南&kind=bank"),
        "empty": client.get("/organisations/?q=没有"),
        "new": client.get("/organisations/new"),
        "edit": client.get(f"/organisations/{org_id}/edit"),
        "errors": post_form(client, "/organisations/new", name="", credit_code="9144", website="x y"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        # credit codes are data, not words; nor are the schemes in the web-address hint ("以 http:// 或 …")
        html = re.sub(r"[0-9A-Z]{18}|value=\"[^\"]*\"|https?://(?!\S)", "", html)
        assert english_words(html) == set(), f"{name} shows English: {english_words(html)}"


def test_filter_by_industry_on_the_page(client, login, app, industries):
    with app.app_context():
        factories.organisation("绿色食品甲公司", industry="绿色食品")
        factories.organisation("信息技术乙公司", industry="新一代信息技术")
    login("viewer")
    html = client.get("/organisations/", query_string={"industry": "绿色食品"}).get_data(as_text=True)
    assert "绿色食品甲公司" in html and "信息技术乙公司" not in html
    assert '<option value="绿色食品" selected>' in html
    # an industry that is not on the list is ignored
    html = client.get("/organisations/", query_string={"industry": "挖矿"}).get_data(as_text=True)
    assert "绿色食品甲公司" in html and "信息技术乙公司" in html


def test_english_pages_are_english(client, login):
    login("organiser")
    html = client.get("/organisations/?lang=en").get_data(as_text=True)
    assert "New organisation" in html and "All kinds" in html and "新建单位" not in html
    html = client.get("/organisations/new").get_data(as_text=True)
    assert "Unified social credit code" in html and "统一社会信用代码" not in html
