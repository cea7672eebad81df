"""The demo's 2023 reads as the district's own summary does: the API's figures and names, and the console page's
prose in Chinese in a browser (one test: the demo takes a while to load)."""
from __future__ import annotations

import os

from roadshow.extensions import db
from tests.conftest import sign_in_page

SHOTS = os.environ.get("ROADSHOW_SCREENSHOTS")


def test_demo_2023_summary_in_the_api_and_the_browser(app, client, auth, live_server, browser, make_user):
    from roadshow.demo import scenario_2023

    with app.app_context():
        scenario_2023.load()
        db.session.commit()
    r = client.get("/api/v1/reports/summary?year=2023", headers=auth("viewer"))
    assert r.status_code == 200, r.json
    s = r.json
    assert s["out_of_province_over_100m_funds_wan"] == 380100  # 38.01 亿元
    assert s["industrial_fixed_asset_wan"] == 31900  # 3.19 亿元
    assert s["signed"] == {"count": 28, "amount_wan": 486600} and s["started"]["count"] == 7
    assert s["producing"]["count"] == 2
    assert s["teams"] == {"team": 13, "industry": 9, "station": 3}
    assert s["stations"] == ["宁波", "台州", "温州"]
    assert s["trips"] == {"count": 46, "destinations": ["上海", "杭州", "深圳"]}
    assert s["companies_visited"] > 100 and s["receptions"] == 210
    assert s["funds"] == [{"name": "西部优势资本投资有限公司", "fund_size_wan": 50000},
                          {"name": "桉树资本管理有限公司", "fund_size_wan": 30000}]
    assert s["agents"] == ["芯源实业有限公司"]
    assert [e["title"] for e in s["events"]] == ["淮南牛肉汤产业项目路演会"] and s["events"][0]["date"] == "2023-04-18"
    projects = s["projects"]
    assert len(projects["signed"]) == 28 and {"数字经济产业园", "沐轩智能生产基地"} <= set(projects["signed"])
    assert len(projects["started"]) == 7
    assert {"质达 2GWh 钠离子电芯 + 2GWh PACK 项目", "科沛达半导体清洗设备项目"} <= set(projects["started"])
    assert projects["producing"] == ["旭火 5G 光纤设备生产线", "淮雅门窗项目"]

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in_page(page, live_server, make_user("viewer"))
        page.goto(f"{live_server}/pipeline/report?year=2023")
        page.click("#nav-summary")
        page.fill("#year-form [name=year]", "2023")
        page.click("#year-form button.btn-primary")
        page.wait_for_url(f"{live_server}/reports/summary?year=2023")
        assert page.inner_text("h1") == "年度综述 2023"
        text = page.inner_text("#summary-text")
        for phrase in ("2023年，全区引进亿元以上省外项目资金38.01亿元，工业招商项目实际形成固定资产投资3.19亿元；"
                       "新签约项目28个，协议投资48.66亿元，新开工项目7个，新投产项目2个。",
                       "组建招商工作队13支、产业专班9个、驻点招商组3个（宁波、台州、温州）；外出招商46批次，赴上海、杭州、深圳，"
                       f"走访企业{s['companies_visited']}家；接待客商210批次。",
                       "与西部优势资本投资有限公司合作设立5.00亿元产业基金，与桉树资本管理有限公司合作设立3.00亿元产业基金；"
                       "与芯源实业有限公司签订委托招商协议；举办招商活动1场（淮南牛肉汤产业项目路演会）。",
                       "数字经济产业园、", "沐轩智能生产基地等项目签约，质达 2GWh 钠离子电芯 + 2GWh PACK 项目、",
                       "科沛达半导体清洗设备项目、", "开工，旭火 5G 光纤设备生产线、淮雅门窗项目投产。"):
            assert phrase in text, phrase
        assert page.get_attribute("#summary-json", "href") == "/reports/summary.json?year=2023"
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, "figures-summary.png"), full_page=True)
        page.emulate_media(media="print")
        assert not page.is_visible("#year-form") and page.is_visible("#summary-text")
    finally:
        context.close()
