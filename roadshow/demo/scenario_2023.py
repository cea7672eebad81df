"""The reference scenario of DESIGN.md, 2023, replayed through the services under a fixed clock.

Tianjia'an District (田家庵区, Huainan) held the 淮南牛肉汤产业项目路演会 on 2023-04-18. What the scenario
declares, and what `load()` makes true:

- the bureau's four demo accounts and the district's organisations (funds, banks, incubators,
  e-commerce companies and the agricultural enterprises, 老乡鸡集团 among them);
- the roadshow, created on 2023-03-20; 20 organisations invited on 2023-04-03 (one contact each, with
  the seats of the invitation), 18 of them registered by 2023-04-14, never more guests than seats;
- the roadshow's registration questions (关注产业, 投资意向, 融资需求) asked from the start, answered by
  every registration, and its registration window: open from the invitations' sending on 2023-04-03
  until the evening of 2023-04-17;
- on the morning of 2023-04-18, 15 of the registered organisations checked in at the door (老乡鸡
  first), each check-in by the check-in service with its audit row; 3 registered but did not come;
- the district's 2023 pipeline, stage by stage at its own dates, so the 2023 report shows the annual
  summary's figures: 28 newly signed projects, 7 newly started, and 38.01 亿元 (380,100 万元) signed
  out of province in projects of 1 亿元 or more; six leads were met at the roadshow;
- the roadshow's agenda (2023-04-12): seven sessions, three of them pitching the district's beef-soup
  projects (路演项目, entered 2023-04-10); six guests marked their interest after the pitches, and the
  bureau scheduled two 1:1 meetings;
- the next event, the 2027 promotion in Shanghai.

Every step is a service call at its moment of the timeline: the clock is frozen there
(`models.types.frozen_clock`) and the services stamp the records with it; the outbox is held
(`services.mail.held`): the scenario's mails went out in 2023. Loading is recorded once in the audit
log ("demo.load"); a second load finds that record and changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    AuditEntry,
    Event,
    EventStatus,
    Industry,
    Interest,
    Invitation,
    Organisation,
    OrgKind,
    Project,
    Registration,
    RegistrationMode,
    Role,
    Stage,
    User,
)
from ..models.types import frozen_clock
from ..services import (
    audit,
    checkin,
    events,
    figures,
    follow_ups,
    invitations,
    mail,
    organisations,
    pipeline,
    programme,
    questions,
    registration,
    teams,
    users,
)
from ..services.credit_code import complete
from . import figures_2023, visits_2023

SCENARIO = "roadshow-2023"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of the scenario, Beijing time."""
    return datetime(y, m, d, hour, minute, tzinfo=SHANGHAI)


_d = _at  # stage dates: 10:00 Beijing time on the day

# The bureau's directory and its accounts exist before the first project of the pipeline (2022-06-01).
SET_UP_AT = _at(2022, 5, 16, 9, 0)
ROADSHOW_CREATED_AT = _at(2023, 3, 20, 10, 0)
INVITED_AT = _at(2023, 4, 3, 9, 0)
INVITATIONS_SENT_AT = _at(2023, 4, 3, 10, 0)
DOORS_OPEN_AT = _at(2023, 4, 18, 8, 30)
DOOR_DEVICE = "demo-door-1"
UPCOMING_CREATED_AT = _at(2026, 11, 30, 10, 0)
FOLLOW_UP = date(2024, 1, 15)  # the next follow-up of projects still in lead or negotiation
DROPPED_NOTE = "企业战略调整，项目终止"

# The district's default industry list (migration 0003 seeds it; an emptied database gets it here).
INDUSTRIES = ["新一代信息技术", "新能源汽车及零部件", "数字创意和文化旅游", "高端装备制造", "智能家电",
              "绿色食品", "生命健康", "新材料", "新能源", "现代服务业"]

# Demo accounts for `make run`; never load the demo into a production database.
USERS = [
    ("admin@example.com", "roadshow-admin", Role.admin, "管理员"),
    ("organiser@example.com", "roadshow-organiser", Role.organiser, "招商局 王主任"),
    ("door@example.com", "roadshow-door", Role.door, "签到员 李"),
    ("viewer@example.com", "roadshow-viewer", Role.viewer, "区领导 张"),
]
ORGANISER, DOOR = "organiser@example.com", "door@example.com"

# The bureau's staff (fictitious), organisers all: the officers who follow projects and the teams' people.
STAFF_PASSWORD = "roadshow-staff"
OFFICERS = ["陈科长", "周主任", "吴科长", "郑科长", "冯主任", "王主任", "孙科长", "李科长"]
STAFF = OFFICERS + ["赵队长", "钱队长", "刘队长", "杨队长", "黄队长", "徐队长", "朱队长", "胡队长", "郭队长",
                    "何队长", "高队长", "林队长", "罗队长", "梁干事", "宋干事", "唐干事", "许干事", "韩干事",
                    "邓干事", "曹干事", "彭干事", "曾干事", "肖组长", "田组长", "董组长"]


def staff_email(index: int) -> str:
    return f"staff{index + 1:02d}@example.com"


TEAM_NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"]
# The nine industry teams (九大产业专班): each industry's officer leads it.
INDUSTRY_TEAM_LEADERS = {"新一代信息技术": "陈科长", "新能源汽车及零部件": "陈科长", "数字创意和文化旅游": "冯主任",
                         "高端装备制造": "李科长", "智能家电": "周主任", "绿色食品": "王主任", "生命健康": "吴科长",
                         "新材料": "郑科长", "新能源": "郑科长"}
STATIONS = [("驻宁波招商组", "宁波", "肖组长"), ("驻台州招商组", "台州", "田组长"), ("驻温州招商组", "温州", "董组长")]


def team_plans() -> list[dict[str, Any]]:
    """All 25 teams: name, kind, city or industry, leader and members (by staff name)."""
    clerks = STAFF[STAFF.index("梁干事"):STAFF.index("肖组长")]
    plans: list[dict[str, Any]] = []
    for i, number in enumerate(TEAM_NUMBERS):
        leader = STAFF[len(OFFICERS) + i]
        members = [OFFICERS[i % len(OFFICERS)], clerks[i % len(clerks)]]
        plans.append({"name": f"第{number}招商工作队", "kind": "team", "leader": leader, "members": members})
    for industry, leader in INDUSTRY_TEAM_LEADERS.items():
        members = [clerks[len(plans) % len(clerks)], clerks[(len(plans) + 3) % len(clerks)]]
        plans.append({"name": f"{industry}产业专班", "kind": "industry", "industry": industry, "leader": leader,
                      "members": members})
    for name, city, leader in STATIONS:
        plans.append({"name": name, "kind": "station", "city": city, "leader": leader,
                      "members": [clerks[len(plans) % len(clerks)]]})
    return plans


# Who follows the projects DESIGN.md names (the rest of the pipeline names its officer in its row).
NAMED_OFFICERS = {"数字经济产业园": "陈科长", "沐轩智能生产基地": "李科长",
                  "质达 2GWh 钠离子电芯 + 2GWh PACK 项目": "郑科长",
                  "科沛达半导体清洗设备项目": "陈科长", "旭火 5G 光纤设备生产线": "陈科长", "淮雅门窗项目": "郑科长",
                  "淮南牛肉汤预制菜中央厨房": "王主任", "牛肉汤产业电商直播基地": "孙科长"}

# Follow-up records (跟进记录) on the named projects: project, when, kind, by, note, next step, next date.
FOLLOW_UPS = [
    ("数字经济产业园", _at(2023, 3, 2, 15), "visit", "陈科长", "赴园区运营公司实地踏勘，确认一期用地 120 亩。",
     "准备投资协议草案", date(2023, 3, 20)),
    ("数字经济产业园", _at(2023, 5, 10, 10), "meeting", "陈科长", "与企业就入驻企业税收分成条款会商，基本达成一致。",
     "报区政府常务会审议", date(2023, 6, 1)),
    ("沐轩智能生产基地", _at(2023, 4, 12, 9, 30), "call", "李科长", "电话沟通厂房定制需求，企业希望 10 月前交付。",
     "协调园区平台公司报价", date(2023, 5, 15)),
    ("沐轩智能生产基地", _at(2023, 8, 24, 14), "reception", "李科长", "接待企业董事长一行考察标准化厂房。",
     "确定签约时间", date(2023, 9, 20)),
    ("质达 2GWh 钠离子电芯 + 2GWh PACK 项目", _at(2023, 2, 21, 10), "meeting", "郑科长",
     "专班与企业技术团队对接环评与能评事项。", "环评报告送审", date(2023, 3, 15)),
    ("质达 2GWh 钠离子电芯 + 2GWh PACK 项目", _at(2023, 7, 18, 16), "visit", "郑科长",
     "现场查看施工准备，临时用电已接通。",
     "督促 8 月上旬开工", date(2023, 8, 5)),
    ("科沛达半导体清洗设备项目", _at(2023, 3, 30, 11), "message", "陈科长", "发送产业扶持政策汇编，企业确认收到。",
     "约企业来淮考察", date(2023, 4, 20)),
    ("科沛达半导体清洗设备项目", _at(2023, 9, 14, 10), "visit", "陈科长", "走访企业，设备进场计划已排定。",
     "跟踪开工手续", date(2023, 10, 10)),
    ("旭火 5G 光纤设备生产线", _at(2023, 10, 30, 15), "visit", "陈科长", "生产线调试完成，试生产良品率 96%。",
     "协助申报投产认定", date(2023, 11, 25)),
    ("淮雅门窗项目", _at(2023, 6, 20, 10), "call", "郑科长", "企业反映用工缺口 30 人，已对接区人社局。",
     "跟踪招工进展", date(2023, 7, 1)),
    ("淮南牛肉汤预制菜中央厨房", _at(2023, 4, 25, 10), "call", "王主任", "路演后回访，企业对冷链配套很关注。",
     "整理冷链物流配套方案", date(2023, 5, 20)),
    ("淮南牛肉汤预制菜中央厨房", _at(2023, 6, 28, 14, 30), "meeting", "王主任", "进入实质性洽谈，讨论选址与产能。",
     "报送项目可研", FOLLOW_UP),
    ("牛肉汤产业电商直播基地", _at(2023, 5, 9, 10), "message", "孙科长", "微信发送基地场地资料与直播补贴政策。",
     "邀请企业实地看场地", FOLLOW_UP),
]

# name, kind, province, city, industry
ORGANISATIONS = [
    ("老乡鸡集团有限公司", OrgKind.enterprise, "安徽省", "合肥市", "绿色食品"),
    ("淮南市牛肉汤食品有限公司", OrgKind.enterprise, "安徽省", "淮南市", "绿色食品"),
    ("安徽八公山豆制品有限公司", OrgKind.enterprise, "安徽省", "淮南市", "绿色食品"),
    ("安徽皖中牧业有限公司", OrgKind.enterprise, "安徽省", "六安市", "绿色食品"),
    ("淮南市农家香调味品有限公司", OrgKind.enterprise, "安徽省", "淮南市", "绿色食品"),
    ("安徽淮河粮油集团有限公司", OrgKind.enterprise, "安徽省", "淮南市", "绿色食品"),
    ("阜阳市清真肉类加工有限公司", OrgKind.enterprise, "安徽省", "阜阳市", "绿色食品"),
    ("安徽寿州香食品有限公司", OrgKind.enterprise, "安徽省", "淮南市", "绿色食品"),
    ("淮南市田家庵区电子商务产业园运营有限公司", OrgKind.ecommerce, "安徽省", "淮南市", "现代服务业"),
    ("杭州味道优选电子商务有限公司", OrgKind.ecommerce, "浙江省", "杭州市", "现代服务业"),
    ("上海鲜到家网络科技有限公司", OrgKind.ecommerce, "上海市", "上海市", "现代服务业"),
    ("西部优势资本投资有限公司", OrgKind.fund, "陕西省", "西安市", None),
    ("桉树资本管理有限公司", OrgKind.fund, "上海市", "上海市", None),
    ("徽商银行股份有限公司淮南分行", OrgKind.bank, "安徽省", "淮南市", None),
    ("中国农业银行股份有限公司淮南分行", OrgKind.bank, "安徽省", "淮南市", None),
    ("淮南农村商业银行股份有限公司", OrgKind.bank, "安徽省", "淮南市", None),
    ("淮南市大学生创业孵化基地", OrgKind.incubator, "安徽省", "淮南市", None),
    ("田家庵区科技企业孵化器有限公司", OrgKind.incubator, "安徽省", "淮南市", None),
    ("芯源实业有限公司", OrgKind.agent, "广东省", "深圳市", "新一代信息技术"),  # commissioned agent (委托招商)
    ("淮南市餐饮行业协会", OrgKind.association, "安徽省", "淮南市", "现代服务业"),
    ("田家庵区投资促进局", OrgKind.government, "安徽省", "淮南市", None),
    ("淮南数字经济产业园运营有限公司", OrgKind.enterprise, "上海市", "上海市", "新一代信息技术"),
    ("沐轩智能科技有限公司", OrgKind.enterprise, "浙江省", "宁波市", "高端装备制造"),
    ("质达新能源科技有限公司", OrgKind.enterprise, "江苏省", "苏州市", "新能源"),
    ("科沛达半导体设备有限公司", OrgKind.enterprise, "浙江省", "杭州市", "新一代信息技术"),
    ("旭火光电科技有限公司", OrgKind.enterprise, "广东省", "深圳市", "新一代信息技术"),
    ("淮雅门窗有限公司", OrgKind.enterprise, "安徽省", "淮南市", "新材料"),
]

ROADSHOW = dict(
    title="淮南牛肉汤产业项目路演会",
    starts_at=datetime(2023, 4, 18, 9, 0, tzinfo=SHANGHAI),
    ends_at=datetime(2023, 4, 18, 12, 0, tzinfo=SHANGHAI),
    venue="田家庵区招商服务中心一楼路演厅",
    address="安徽省淮南市田家庵区",
    description="二十家农业产业化龙头企业与电商、基金、银行、孵化器共话淮南牛肉汤产业链项目合作。",
    capacity=120,
    registration_mode=RegistrationMode.invite,
    status=EventStatus.published,
    industries=["绿色食品", "现代服务业"],
    registration_opens_at=datetime(2023, 4, 3, 10, 0, tzinfo=SHANGHAI),
    registration_closes_at=datetime(2023, 4, 17, 18, 0, tzinfo=SHANGHAI),
)

# The roadshow's registration questions: label, kind, options, required.
QUESTIONS = [
    ("关注产业", "multi", ["牛肉汤预制菜", "原料养殖", "调味品", "冷链物流", "电商直播", "产业基金与金融服务"], True),
    ("投资意向", "choice", ["有明确投资意向", "有合作意向，待洽谈", "了解情况"], True),
    ("融资需求（万元）", "number", [], False),
]

# Each registered organisation's answers: 关注产业, 投资意向, 融资需求 (万元; None: none).
ANSWERS = {
    "老乡鸡集团有限公司": (["牛肉汤预制菜", "冷链物流"], "有明确投资意向", None),
    "淮南市牛肉汤食品有限公司": (["牛肉汤预制菜", "调味品", "电商直播"], "有明确投资意向", "3000"),
    "安徽八公山豆制品有限公司": (["牛肉汤预制菜"], "有合作意向，待洽谈", "1500"),
    "安徽皖中牧业有限公司": (["原料养殖"], "有合作意向，待洽谈", "2000"),
    "淮南市农家香调味品有限公司": (["调味品"], "有合作意向，待洽谈", "800"),
    "安徽淮河粮油集团有限公司": (["原料养殖", "牛肉汤预制菜"], "了解情况", None),
    "阜阳市清真肉类加工有限公司": (["原料养殖", "牛肉汤预制菜"], "有明确投资意向", "1200"),
    "安徽寿州香食品有限公司": (["牛肉汤预制菜", "电商直播"], "了解情况", "500"),
    "淮南市田家庵区电子商务产业园运营有限公司": (["电商直播"], "有合作意向，待洽谈", None),
    "杭州味道优选电子商务有限公司": (["电商直播", "牛肉汤预制菜"], "有明确投资意向", None),
    "上海鲜到家网络科技有限公司": (["冷链物流", "电商直播"], "有明确投资意向", None),
    "西部优势资本投资有限公司": (["产业基金与金融服务", "牛肉汤预制菜"], "有明确投资意向", None),
    "桉树资本管理有限公司": (["产业基金与金融服务"], "有合作意向，待洽谈", None),
    "徽商银行股份有限公司淮南分行": (["产业基金与金融服务"], "有合作意向，待洽谈", None),
    "中国农业银行股份有限公司淮南分行": (["产业基金与金融服务"], "了解情况", None),
    "淮南市大学生创业孵化基地": (["电商直播"], "了解情况", "200"),
    "田家庵区科技企业孵化器有限公司": (["电商直播", "冷链物流"], "了解情况", None),
    "淮南农村商业银行股份有限公司": (["产业基金与金融服务", "原料养殖"], "了解情况", None),
}

UPCOMING = dict(
    title="田家庵区2027年长三角招商推介会（上海）",
    starts_at=datetime(2027, 3, 18, 14, 0, tzinfo=SHANGHAI),
    ends_at=datetime(2027, 3, 18, 17, 30, tzinfo=SHANGHAI),
    venue="上海市徐汇区 会议中心三楼",
    address="上海市徐汇区",
    description="面向长三角新一代信息技术、新能源和高端装备制造企业的专场推介。",
    capacity=200,
    registration_mode=RegistrationMode.open,
    status=EventStatus.published,
    industries=["新一代信息技术", "新能源", "高端装备制造"],
    registration_closes_at=datetime(2027, 3, 16, 18, 0, tzinfo=SHANGHAI),
)


# The projects DESIGN.md names, and two leads of the roadshow. name, organisation, industry, 万元, out of
# province, [(stage, date)], met at the roadshow
NAMED_PROJECTS = [
    ("数字经济产业园", "淮南数字经济产业园运营有限公司", "新一代信息技术", "52000.00", True,
     [(Stage.lead, _d(2023, 2, 20)), (Stage.negotiating, _d(2023, 4, 3)), (Stage.signed, _d(2023, 6, 16))], False),
    ("沐轩智能生产基地", "沐轩智能科技有限公司", "高端装备制造", "15600.00", True,
     [(Stage.lead, _d(2023, 3, 8)), (Stage.negotiating, _d(2023, 5, 22)), (Stage.signed, _d(2023, 9, 26))], False),
    ("质达 2GWh 钠离子电芯 + 2GWh PACK 项目", "质达新能源科技有限公司", "新能源", "120000.00", True,
     [(Stage.lead, _d(2022, 11, 2)), (Stage.negotiating, _d(2023, 1, 10)), (Stage.signed, _d(2023, 3, 28)),
      (Stage.started, _d(2023, 8, 8))], False),
    ("科沛达半导体清洗设备项目", "科沛达半导体设备有限公司", "新一代信息技术", "21000.00", True,
     [(Stage.lead, _d(2023, 1, 16)), (Stage.signed, _d(2023, 5, 19)), (Stage.started, _d(2023, 10, 12))], False),
    ("旭火 5G 光纤设备生产线", "旭火光电科技有限公司", "新一代信息技术", "8500.00", True,
     [(Stage.lead, _d(2022, 6, 1)), (Stage.signed, _d(2022, 10, 20)), (Stage.started, _d(2023, 2, 15)),
      (Stage.producing, _d(2023, 11, 28))], False),
    ("淮雅门窗项目", "淮雅门窗有限公司", "新材料", "3200.00", False,
     [(Stage.lead, _d(2022, 8, 9)), (Stage.signed, _d(2022, 12, 1)), (Stage.started, _d(2023, 1, 5)),
      (Stage.producing, _d(2023, 7, 3))], False),
    ("淮南牛肉汤预制菜中央厨房", "老乡鸡集团有限公司", "绿色食品", "18000.00", True,
     [(Stage.lead, _d(2023, 4, 18)), (Stage.negotiating, _d(2023, 6, 5))], True),
    ("牛肉汤产业电商直播基地", "杭州味道优选电子商务有限公司", "现代服务业", "1500.00", True,
     [(Stage.lead, _d(2023, 4, 18))], True),
]


# The rest of the district's 2023 pipeline, so that with the projects above the 2023 report shows the
# annual summary: 28 newly signed, 7 newly started, 38.01 亿元 signed out of province in projects of
# 1 亿元 or more. name, organisation, its province (organisations not in ORGANISATIONS are made with
# their first project), industry, 万元, out of province, [(stage, date)], met at the roadshow, officer
PIPELINE_2023 = [
    ("长三角新能源汽车零部件产业园", "宁波拓新汽车部件有限公司", "浙江省", "新能源汽车及零部件", "45000.00", True,
     [(Stage.lead, _d(2022, 12, 5)), (Stage.negotiating, _d(2023, 2, 14)), (Stage.signed, _d(2023, 7, 21)),
      (Stage.started, _d(2023, 11, 16))], False, "陈科长"),
    ("智能家电核心部件生产基地", "佛山美智电器配件有限公司", "广东省", "智能家电", "38000.00", True,
     [(Stage.lead, _d(2023, 1, 9)), (Stage.signed, _d(2023, 4, 27))], False, "周主任"),
    ("生物医药研发生产中试平台", "苏州康研生物医药有限公司", "江苏省", "生命健康", "32500.00", True,
     [(Stage.lead, _d(2023, 2, 2)), (Stage.negotiating, _d(2023, 3, 15)), (Stage.signed, _d(2023, 8, 30))],
     False, "吴科长"),
    ("高性能铝合金新材料项目", "温州瑞铝新材料有限公司", "浙江省", "新材料", "30000.00", True,
     [(Stage.lead, _d(2023, 3, 1)), (Stage.signed, _d(2023, 6, 28)), (Stage.started, _d(2023, 12, 8))],
     False, "郑科长"),
    ("文旅数字光影综合体", "杭州光影文旅科技有限公司", "浙江省", "数字创意和文化旅游", "26000.00", True,
     [(Stage.lead, _d(2023, 4, 10)), (Stage.negotiating, _d(2023, 5, 6)), (Stage.signed, _d(2023, 10, 18))],
     False, "冯主任"),
    ("淮南牛肉汤标准化生产线", "淮南市牛肉汤食品有限公司", "安徽省", "绿色食品", "6800.00", False,
     [(Stage.lead, _d(2023, 4, 18)), (Stage.signed, _d(2023, 7, 6)), (Stage.started, _d(2023, 10, 25))],
     True, "王主任"),
    ("八公山豆制品精深加工扩建项目", "安徽八公山豆制品有限公司", "安徽省", "绿色食品", "4200.00", False,
     [(Stage.lead, _d(2023, 4, 18)), (Stage.signed, _d(2023, 9, 12))], True, "王主任"),
    ("清真牛肉预制菜加工项目", "阜阳市清真肉类加工有限公司", "安徽省", "绿色食品", "3500.00", False,
     [(Stage.lead, _d(2023, 4, 18)), (Stage.negotiating, _d(2023, 5, 20)), (Stage.signed, _d(2023, 11, 3))],
     True, "王主任"),
    ("牛肉汤冷链物流中心", "上海鲜到家网络科技有限公司", "上海市", "现代服务业", "9800.00", True,
     [(Stage.lead, _d(2023, 4, 18)), (Stage.signed, _d(2023, 12, 15))], True, "孙科长"),
    ("工业互联网标识解析节点", "合肥云标信息技术有限公司", "安徽省", "新一代信息技术", "5200.00", False,
     [(Stage.lead, _d(2023, 1, 12)), (Stage.signed, _d(2023, 3, 9))], False, "陈科长"),
    ("新能源汽车线束配套项目", "淮南恒通汽车电子有限公司", "安徽省", "新能源汽车及零部件", "7600.00", False,
     [(Stage.lead, _d(2023, 2, 20)), (Stage.signed, _d(2023, 5, 11))], False, "陈科长"),
    ("精密数控机床维修中心", "常州精工数控有限公司", "江苏省", "高端装备制造", "2800.00", True,
     [(Stage.lead, _d(2023, 3, 3)), (Stage.signed, _d(2023, 6, 2))], False, "李科长"),
    ("智能小家电组装基地", "淮南美居电器有限公司", "安徽省", "智能家电", "5600.00", False,
     [(Stage.lead, _d(2023, 2, 8)), (Stage.signed, _d(2023, 4, 20))], False, "周主任"),
    ("中医药康养综合体", "安徽寿春康养产业有限公司", "安徽省", "生命健康", "8900.00", False,
     [(Stage.lead, _d(2023, 5, 5)), (Stage.signed, _d(2023, 8, 17))], False, "吴科长"),
    ("分布式光伏屋顶项目", "淮南皖能光伏科技有限公司", "安徽省", "新能源", "6300.00", False,
     [(Stage.lead, _d(2023, 3, 20)), (Stage.signed, _d(2023, 7, 13))], False, "郑科长"),
    ("储能电池回收利用项目", "湖州绿能循环科技有限公司", "浙江省", "新能源", "9500.00", True,
     [(Stage.lead, _d(2023, 6, 1)), (Stage.signed, _d(2023, 9, 21))], False, "郑科长"),
    ("改性塑料新材料项目", "淮南瑞丰新材料有限公司", "安徽省", "新材料", "4800.00", False,
     [(Stage.lead, _d(2023, 4, 3)), (Stage.signed, _d(2023, 8, 8))], False, "郑科长"),
    ("直播电商产业基地二期", "淮南市田家庵区电子商务产业园运营有限公司", "安徽省", "现代服务业", "1800.00", False,
     [(Stage.lead, _d(2023, 5, 15)), (Stage.signed, _d(2023, 7, 28))], False, "孙科长"),
    ("软件外包交付中心", "南京智码软件有限公司", "江苏省", "新一代信息技术", "3000.00", True,
     [(Stage.lead, _d(2023, 6, 12)), (Stage.signed, _d(2023, 10, 9))], False, "陈科长"),
    ("老字号食品文创街区", "淮南古城文旅发展有限公司", "安徽省", "数字创意和文化旅游", "7200.00", False,
     [(Stage.lead, _d(2023, 5, 25)), (Stage.signed, _d(2023, 11, 22))], False, "冯主任"),
    ("医疗器械消毒耗材生产项目", "淮南康达医疗器械有限公司", "安徽省", "生命健康", "3900.00", False,
     [(Stage.lead, _d(2023, 7, 1)), (Stage.signed, _d(2023, 9, 28))], False, "吴科长"),
    ("风电装备零部件加工项目", "盐城海风装备有限公司", "江苏省", "高端装备制造", "8600.00", True,
     [(Stage.lead, _d(2023, 8, 2)), (Stage.signed, _d(2023, 11, 30))], False, "李科长"),
    ("供应链物流分拨中心", "淮南顺达供应链管理有限公司", "安徽省", "现代服务业", "2500.00", False,
     [(Stage.lead, _d(2023, 8, 15)), (Stage.signed, _d(2023, 12, 6))], False, "孙科长"),
    ("智能门锁生产线", "深圳安居智能科技有限公司", "广东省", "智能家电", "4500.00", True,
     [(Stage.lead, _d(2023, 9, 5)), (Stage.signed, _d(2023, 12, 22))], False, "周主任"),
    ("新能源重卡换电站项目", "上海捷换能源科技有限公司", "上海市", "新能源汽车及零部件", "12000.00", True,
     [(Stage.lead, _d(2023, 10, 16)), (Stage.negotiating, _d(2023, 12, 1))], False, "陈科长"),
    ("氢能装备制造项目", "北京氢途科技有限公司", "北京市", "新能源", "20000.00", True,
     [(Stage.lead, _d(2023, 3, 10)), (Stage.negotiating, _d(2023, 5, 18)), (Stage.dropped, _d(2023, 9, 30))],
     False, "郑科长"),
]


# organisation, [(contact name, title, phone, email)]: fictitious people for the console demo
ORGANISATION_CONTACTS = [
    ("老乡鸡集团有限公司", [("束经理", "投资发展部经理", "13905510001", "invest@example.com")]),
    ("西部优势资本投资有限公司", [("周总", "合伙人", "13800290002", "partner@example.com")]),
    ("徽商银行股份有限公司淮南分行", [("陈行长", "副行长", "13905540003", "branch@example.com")]),
]


# The roadshow's invitations, in the order they were made: organisation, contact (the person invited:
# name, title, mobile, email), seats, registered at (None: did not register), guests registered
# [(name, title, mobile, came to the door)]. The contact registers and is the first guest.
INVITED = [
    ("老乡鸡集团有限公司", ("束从轩", "董事长", "13805540001", "shu@laoxiangji.example.com"), 2,
     _at(2023, 4, 4, 9, 30), [("束从轩", "董事长", "13805540001", True),
                              ("王晓明", "副总经理", "13805540002", True)]),
    ("淮南市牛肉汤食品有限公司", ("李国强", "总经理", "13905540003", "li@niuroutang.example.com"), 2,
     _at(2023, 4, 4, 14, 5), [("李国强", "总经理", "13905540003", True),
                              ("陈静", "市场总监", "13905540004", True)]),
    ("安徽八公山豆制品有限公司", ("赵立新", "总经理", "13605540005", "zhao@bagongshan.example.com"), 2,
     _at(2023, 4, 5, 10, 12), [("赵立新", "总经理", "13605540005", True)]),
    ("安徽皖中牧业有限公司", ("赵经理", "总经理", "13805640011", "zhao@wanzhong.example.com"), 2,
     _at(2023, 4, 5, 16, 20), [("赵经理", "总经理", "13805640011", True)]),
    ("淮南市农家香调味品有限公司", ("钱总", "总经理", "13905540012", "qian@nongjiaxiang.example.com"), 2,
     _at(2023, 4, 6, 9, 10), [("钱总", "总经理", "13905540012", True)]),
    ("安徽淮河粮油集团有限公司", ("孙总", "副总经理", "13905540013", "sun@huaihe.example.com"), 2,
     _at(2023, 4, 6, 11, 45), [("孙总", "副总经理", "13905540013", True)]),
    ("阜阳市清真肉类加工有限公司", ("马总", "总经理", "13905580014", "ma@fuyangqz.example.com"), 2,
     _at(2023, 4, 7, 8, 55), [("马总", "总经理", "13905580014", True)]),
    ("安徽寿州香食品有限公司", ("周经理", "营销经理", "13705540015", "zhou@shouzhouxiang.example.com"), 2,
     _at(2023, 4, 7, 15, 30), [("周经理", "营销经理", "13705540015", True)]),
    ("淮南市田家庵区电子商务产业园运营有限公司", ("吴主任", "主任", "13805540016", "wu@tjaec.example.com"), 1,
     _at(2023, 4, 10, 9, 0), [("吴主任", "主任", "13805540016", True)]),
    ("杭州味道优选电子商务有限公司", ("胡晓婷", "运营总监", "13705710006", "hu@weidao.example.com"), 1,
     _at(2023, 4, 10, 16, 40), [("胡晓婷", "运营总监", "13705710006", True)]),
    ("上海鲜到家网络科技有限公司", ("王总监", "供应链总监", "13916210017", "wang@xiandaojia.example.com"), 1,
     _at(2023, 4, 11, 10, 5), [("王总监", "供应链总监", "13916210017", True)]),
    ("西部优势资本投资有限公司", ("孙志远", "投资总监", "13902900007", "sun@xbyszb.example.com"), 1,
     _at(2023, 4, 11, 11, 0), [("孙志远", "投资总监", "13902900007", True)]),
    ("桉树资本管理有限公司", ("陈总", "合伙人", "13817210018", "chen@eucalyptus.example.com"), 1,
     _at(2023, 4, 12, 9, 40), [("陈总", "合伙人", "13817210018", True)]),
    ("徽商银行股份有限公司淮南分行", ("钱卫东", "副行长", "13805540008", "qian@hsbank.example.com"), 2,
     _at(2023, 4, 12, 15, 20), [("钱卫东", "副行长", "13805540008", True),
                                ("周敏", "公司业务部经理", "13805540009", False)]),
    ("中国农业银行股份有限公司淮南分行", ("卫经理", "客户经理", "13805540019", "wei@abchn.example.com"), 1,
     _at(2023, 4, 13, 10, 30), [("卫经理", "客户经理", "13805540019", True)]),
    ("淮南市大学生创业孵化基地", ("吴磊", "主任", "15805540010", "wu@incubator.example.com"), 1,
     _at(2023, 4, 13, 9, 45), [("吴磊", "主任", "15805540010", False)]),
    ("田家庵区科技企业孵化器有限公司", ("沈主任", "主任", "15805540020", "shen@tjakj.example.com"), 1,
     _at(2023, 4, 14, 14, 0), [("沈主任", "主任", "15805540020", False)]),
    ("淮南农村商业银行股份有限公司", ("韩经理", "经理", "13805540021", "han@hnrcb.example.com"), 1,
     _at(2023, 4, 14, 16, 10), [("韩经理", "经理", "13805540021", False)]),
    ("芯源实业有限公司", ("林志强", "招商合作部经理", "13602550022", "lin@xinyuan.example.com"), 1, None, []),
    ("淮南市餐饮行业协会", ("何建平", "秘书长", "13905540023", "he@hncyxh.example.com"), 1, None, []),
]


# The roadshow's programme. The district's own projects pitched on the day (路演项目), entered into the
# pipeline while the roadshow was prepared: name, organisation presenting it, industry, 万元, entered on.
PITCHED = [
    ("淮南牛肉汤产业园（一期）", "淮南市牛肉汤食品有限公司", "绿色食品", "30000.00", _d(2023, 4, 10)),
    ("牛肉汤汤料包精深加工项目", "淮南市农家香调味品有限公司", "绿色食品", "8000.00", _d(2023, 4, 10)),
    ("皖中肉牛标准化养殖基地", "安徽皖中牧业有限公司", "绿色食品", "12000.00", _d(2023, 4, 10)),
]
AGENDA_SET_AT = _at(2023, 4, 12, 15, 0)
# start, end (Beijing time on 2023-04-18), title, speaker, organisation, pitched project
AGENDA = [
    ((9, 0), (9, 15), "开幕致辞", "田家庵区人民政府 副区长", None, None),
    ((9, 15), (9, 35), "淮南牛肉汤产业发展推介", "区投资促进中心 王主任", None, None),
    ((9, 35), (10, 0), "项目路演：淮南牛肉汤产业园（一期）", "李国强", "淮南市牛肉汤食品有限公司",
     "淮南牛肉汤产业园（一期）"),
    ((10, 0), (10, 20), "项目路演：牛肉汤汤料包精深加工", "钱总", "淮南市农家香调味品有限公司",
     "牛肉汤汤料包精深加工项目"),
    ((10, 20), (10, 40), "项目路演：皖中肉牛标准化养殖基地", "赵经理", "安徽皖中牧业有限公司",
     "皖中肉牛标准化养殖基地"),
    ((10, 40), (11, 10), "金融支持与产业基金政策解读", "孙志远、钱卫东", None, None),
    ((11, 10), (12, 0), "项目对接洽谈", None, None, None),
]
# Guests' interest, marked on their phones after the pitches: organisation (its first guest who came),
# project, meeting asked for, note, marked at; and the meetings the bureau then scheduled.
INTERESTS = [
    ("老乡鸡集团有限公司", "淮南牛肉汤产业园（一期）", True, "关注中央厨房配套用地", _at(2023, 4, 18, 11, 12)),
    ("西部优势资本投资有限公司", "淮南牛肉汤产业园（一期）", True, "可通过区产业基金参与", _at(2023, 4, 18, 11, 15)),
    ("上海鲜到家网络科技有限公司", "淮南牛肉汤产业园（一期）", False, None, _at(2023, 4, 18, 11, 18)),
    ("徽商银行股份有限公司淮南分行", "牛肉汤汤料包精深加工项目", False, "可提供技改贷款", _at(2023, 4, 18, 11, 20)),
    ("杭州味道优选电子商务有限公司", "牛肉汤汤料包精深加工项目", True, "希望合作开发线上汤包产品",
     _at(2023, 4, 18, 11, 22)),
    ("桉树资本管理有限公司", "皖中肉牛标准化养殖基地", False, None, _at(2023, 4, 18, 11, 25)),
]
MEETINGS = [
    ("西部优势资本投资有限公司", "淮南牛肉汤产业园（一期）", _at(2023, 4, 18, 14, 0), "区招商服务中心二楼洽谈室",
     _at(2023, 4, 18, 12, 10)),
    ("老乡鸡集团有限公司", "淮南牛肉汤产业园（一期）", _at(2023, 4, 20, 10, 0), "老乡鸡集团合肥总部",
     _at(2023, 4, 18, 12, 15)),
]


def checked_in_organisations() -> list[str]:
    """The organisations whose guests came to the door, as the scenario declares them."""
    return [name for name, _contact, _seats, _at_, guests in INVITED if any(came for *_g, came in guests)]


def registered_organisations() -> list[str]:
    return [name for name, _contact, _seats, registered_at, _guests in INVITED if registered_at is not None]


# --- the replay ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProjectPlan:
    """One project of the pipeline: its stages at their dates, the first one its creation."""

    name: str
    organisation: str
    province: str | None
    industry: str
    amount_wan: str
    out_of_province: bool
    stages: list[tuple[Stage, datetime]]
    at_roadshow: bool
    officer: str | None


def project_plans() -> list[ProjectPlan]:
    named = [ProjectPlan(name, org, None, industry, amount, oop, stages, roadshow, None)
             for name, org, industry, amount, oop, stages, roadshow in NAMED_PROJECTS]
    return named + [ProjectPlan(*row) for row in PIPELINE_2023]


Step = Callable[[], None]


class ScenarioBroken(RuntimeError):
    """A service refused or answered otherwise than the scenario says (its data or a rule changed)."""


class _Replay:
    """The scenario as a timeline of service calls; each runs with the clock frozen at its moment."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.staff: dict[str, User] = {}  # by name
        self.orgs: dict[str, Organisation] = {}
        self.events: dict[str, Event] = {}
        self.invitations: dict[str, Invitation] = {}
        self.registrations: dict[str, Registration] = {}
        self.questions: dict[str, int] = {}  # the roadshow's questions' ids by label
        self.projects: dict[str, Project] = {}
        self.steps: list[tuple[datetime, int, Step]] = []

    def at(self, moment: datetime, step: Step) -> None:
        self.steps.append((moment, len(self.steps), step))

    def run(self) -> int:
        for moment, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            with frozen_clock(moment):
                step()
        db.session.flush()
        return len(self.steps)

    # -- the directory ----------------------------------------------------------------------------

    def user(self, email: str, password: str, role: Role, name: str) -> None:
        found = users.find_by_email(email)
        self.users[email] = found or users.create_user(email, password, role.value, name=name)
        self.staff.setdefault(name, self.users[email])

    def team(self, plan: dict[str, Any]) -> None:
        if teams.team_by_name(plan["name"]) is not None:  # made already (by the other half of the bureau's demo)
            return
        teams.create_team({"name": plan["name"], "kind": plan["kind"], "city": plan.get("city"),
                           "industry": plan.get("industry"), "leader_id": self.staff[plan["leader"]].id,
                           "member_ids": [self.staff[name].id for name in plan["members"]]},
                          actor=self.users[ORGANISER])

    def follow_up(self, project: str, at: datetime, kind: str, by: str, note: str, next_step: str | None,
                  next_day: date | None) -> None:
        follow_ups.add_follow_up(self.projects[project], {"at": at, "kind": kind, "note": note,
                                                          "next_step": next_step, "next_follow_up": next_day},
                                 actor=self.staff[by])

    def organisation(self, index: int, name: str, kind: OrgKind, province: str, city: str,
                     industry: str | None) -> None:
        org, created = organisations.find_or_create_organisation(
            name, kind, credit_code=complete(f"91340403MA2N{index:04d}"), actor=self.users[ORGANISER],
            province=province, city=city, industry=industry)
        people = dict(ORGANISATION_CONTACTS).get(name)
        if created and people:
            rows = [{"name": n, "title": t, "phone": p, "email": e} for n, t, p, e in people]
            organisations.set_contacts(org, rows, actor=self.users[ORGANISER])
        self.orgs[name] = org

    def event(self, fields: dict[str, Any]) -> None:
        found = db.session.scalar(select(Event).where(Event.title == fields["title"]).order_by(Event.id))
        self.events[fields["title"]] = found or events.create_event(self.users[ORGANISER], **fields)

    # -- the roadshow -----------------------------------------------------------------------------

    def ask(self, label: str, kind: str, options: list[str], required: bool) -> None:
        question = questions.create_question(self.events[ROADSHOW["title"]], self.users[ORGANISER], label=label,
                                             kind=kind, options=options, required=required)
        self.questions[label] = question.id

    def invite(self, org_name: str, contact: tuple[str, str, str, str], seats: int) -> None:
        name, _title, phone, email = contact
        self.invitations[org_name] = invitations.create_invitation(
            self.events[ROADSHOW["title"]], organisation_id=self.orgs[org_name].id, contact_name=name,
            email=email, phone=phone, seats=seats, actor=self.users[ORGANISER])

    def send_invitations(self) -> None:
        result = invitations.send_invitations(self.events[ROADSHOW["title"]], actor=self.users[ORGANISER])
        if result.skipped or len(result.sent) != len(INVITED):
            raise ScenarioBroken(f"invitations not all sent: {result.skipped}")

    def register(self, org_name: str, email: str, guests: list[tuple[str, str, str, bool]]) -> None:
        people = [{"name": name, "title": title, "phone": phone, "email": email if position == 0 else None}
                  for position, (name, title, phone, _came) in enumerate(guests)]
        industry, intent, financing = ANSWERS[org_name]
        answers = {str(self.questions[label]): value for (label, *_q), value
                   in zip(QUESTIONS, (industry, intent, financing)) if value is not None}
        self.registrations[org_name] = registration.register(
            invitation_token=self.invitations[org_name].token, attendees=people, consent=True, answers=answers)

    def check_in(self, org_name: str, position: int, scanned_at: datetime) -> None:
        attendee = self.registrations[org_name].attendees[position]
        result = checkin.check_in(self.events[ROADSHOW["title"]].id, attendee.ticket_code, device=DOOR_DEVICE,
                                  scanned_at=scanned_at, actor=self.users[DOOR])
        if result.result != checkin.OK:
            raise ScenarioBroken(f"check-in of {attendee.name}: {result.result}")

    # -- the pipeline -----------------------------------------------------------------------------

    def create_project(self, plan: ProjectPlan) -> None:
        organiser = self.users[ORGANISER]
        org = self.orgs.get(plan.organisation)
        if org is None:
            org, _created = organisations.find_or_create_organisation(
                plan.organisation, OrgKind.enterprise, actor=organiser, province=plan.province,
                industry=plan.industry)
            self.orgs[plan.organisation] = org
        origin, industrial = figures_2023.origin(plan.out_of_province, org.city), plan.name in figures_2023.INDUSTRIAL
        last = plan.stages[-1][0]
        follow_up = FOLLOW_UP if last in (Stage.lead, Stage.negotiating) else None
        first_stage, first_at = plan.stages[0]
        officer = plan.officer or NAMED_OFFICERS.get(plan.name)
        officer_id = self.staff[officer].id if officer else None
        if plan.at_roadshow:
            roadshow = self.events[ROADSHOW["title"]]
            guests = {name: guests for name, _c, _s, _r, guests in INVITED}[plan.organisation]
            came = next(position for position, (*_g, came) in enumerate(guests) if came)
            guest = self.registrations[plan.organisation].attendees[came]  # met at the roadshow
            project = pipeline.capture_lead(
                roadshow, organisation_id=org.id, name=plan.name, actor=organiser, attendee_id=guest.id,
                industry=plan.industry, amount_wan=plan.amount_wan, out_of_province=plan.out_of_province,
                next_follow_up=follow_up, officer_id=officer_id, captured_at=first_at, origin=origin,
                industrial=industrial)
        else:
            project = pipeline.create_project(
                {"name": plan.name, "organisation_id": org.id, "industry": plan.industry,
                 "amount_wan": plan.amount_wan, "out_of_province": plan.out_of_province,
                 "officer_id": officer_id, "next_follow_up": follow_up, "origin": origin,
                 "industrial": industrial},
                actor=organiser, stage=first_stage, stage_changed_at=first_at)
        self.projects[plan.name] = project

    def record_month(self, name: str, month: date, figure: str, wan: Any) -> None:
        figures.set_month(self.projects[name], month, {figure: wan}, actor=self.users[ORGANISER])

    def move(self, name: str, stage: Stage, at: datetime) -> None:
        note = DROPPED_NOTE if stage is Stage.dropped else None
        pipeline.update_project(self.projects[name], {}, actor=self.users[ORGANISER], stage=stage,
                                stage_note=note, stage_changed_at=at)


    # -- the programme ----------------------------------------------------------------------------

    def pitched_project(self, name: str, org_name: str, industry: str, amount: str) -> None:
        self.projects[name] = pipeline.create_project(
            {"name": name, "organisation_id": self.orgs[org_name].id, "industry": industry, "amount_wan": amount,
             "next_follow_up": FOLLOW_UP}, actor=self.users[ORGANISER])

    def agenda(self) -> None:
        roadshow = self.events[ROADSHOW["title"]]
        for (h1, m1), (h2, m2), title, speaker, org_name, project in AGENDA:
            programme.create_session(
                roadshow, self.users[ORGANISER], starts_at=_at(2023, 4, 18, h1, m1), ends_at=_at(2023, 4, 18, h2, m2),
                title=title, speaker=speaker, organisation_id=self.orgs[org_name].id if org_name else None,
                project_id=self.projects[project].id if project else None)

    def _guest(self, org_name: str):
        guests = {name: guests for name, _c, _s, _r, guests in INVITED}[org_name]
        came = next(position for position, (*_g, came) in enumerate(guests) if came)
        return self.registrations[org_name].attendees[came]

    def interest(self, org_name: str, project: str, meeting: bool, note: str | None) -> None:
        programme.add_interest(self.registrations[org_name], attendee_id=self._guest(org_name).id,
                               project_id=self.projects[project].id, meeting=meeting, note=note)

    def meeting(self, org_name: str, project: str, at: datetime, place: str) -> None:
        interest = db.session.scalar(select(Interest).where(Interest.attendee_id == self._guest(org_name).id,
                                                            Interest.project_id == self.projects[project].id))
        if interest is None:
            raise ScenarioBroken(f"no interest of {org_name} in {project}")
        programme.schedule_meeting(interest, self.users[ORGANISER], meeting_at=at, meeting_place=place)


def _programme(replay: _Replay) -> None:
    """The roadshow's agenda with its pitched projects, the guests' interest and the meetings scheduled."""
    for name, org_name, industry, amount, entered_at in PITCHED:
        replay.at(entered_at, lambda args=(name, org_name, industry, amount): replay.pitched_project(*args))
    replay.at(AGENDA_SET_AT, replay.agenda)
    for org_name, project, meeting, note, marked_at in INTERESTS:
        replay.at(marked_at, lambda args=(org_name, project, meeting, note): replay.interest(*args))
    for org_name, project, meeting_at, place, scheduled_at in MEETINGS:
        replay.at(scheduled_at, lambda args=(org_name, project, meeting_at, place): replay.meeting(*args))


def _figures(replay: _Replay) -> None:
    """The money in place and the fixed assets formed (demo/figures_2023.py), entered at each month's end."""
    for plan in project_plans():
        signed = next((at for stage, at in plan.stages if stage is Stage.signed and at.year == 2023), None)
        entries = []
        if signed is not None and plan.out_of_province and Decimal(plan.amount_wan) >= figures_2023.OVER_100M_WAN:
            entries += [(month, "funds_in_place_wan", wan)
                        for month, wan in figures_2023.spread(Decimal(plan.amount_wan), signed.date())]
        if plan.name in figures_2023.FIXED_ASSETS_2023:
            started = next(at for stage, at in plan.stages if stage is Stage.started)
            entries += [(month, "fixed_asset_wan", wan) for month, wan in figures_2023.spread(
                figures_2023.FIXED_ASSETS_2023[plan.name], max(started.date(), date(2022, 12, 1)))]
        for month, figure, wan in entries:
            replay.at(datetime(month.year, month.month, 28, 17, 0, tzinfo=SHANGHAI),
                      lambda args=(plan.name, month, figure, wan): replay.record_month(*args))


def timeline() -> _Replay:
    """Every step of the scenario at its moment (run in order of time, ties in the order given)."""
    replay = _Replay()
    for email, password, role, name in USERS:
        replay.at(SET_UP_AT, lambda args=(email, password, role, name): replay.user(*args))
    for index, name in enumerate(STAFF):
        staff = (staff_email(index), STAFF_PASSWORD, Role.organiser, name)
        replay.at(SET_UP_AT, lambda args=staff: replay.user(*args))
    for plan in team_plans():
        replay.at(SET_UP_AT, lambda plan=plan: replay.team(plan))
    for index, (name, kind, province, city, industry) in enumerate(ORGANISATIONS, start=1):
        org = (index, name, kind, province, city, industry)
        replay.at(SET_UP_AT, lambda args=org: replay.organisation(*args))

    replay.at(ROADSHOW_CREATED_AT, lambda: replay.event(ROADSHOW))
    for question in QUESTIONS:
        replay.at(ROADSHOW_CREATED_AT + timedelta(minutes=30), lambda args=question: replay.ask(*args))
    for org_name, contact, seats, _registered_at, _guests in INVITED:
        replay.at(INVITED_AT, lambda args=(org_name, contact, seats): replay.invite(*args))
    replay.at(INVITATIONS_SENT_AT, replay.send_invitations)
    scans = 0
    for org_name, contact, _seats, registered_at, guests in INVITED:
        if registered_at is None:
            continue
        replay.at(registered_at, lambda args=(org_name, contact[3], guests): replay.register(*args))
        for position, (_name, _title, _phone, came) in enumerate(guests):
            if came:  # at the door one after the other, a minute apart
                scanned_at = DOORS_OPEN_AT + timedelta(minutes=scans)
                replay.at(scanned_at, lambda args=(org_name, position, scanned_at): replay.check_in(*args))
                scans += 1

    for plan in project_plans():
        replay.at(plan.stages[0][1], lambda plan=plan: replay.create_project(plan))
        for stage, at in plan.stages[1:]:
            replay.at(at, lambda args=(plan.name, stage, at): replay.move(*args))

    _figures(replay)
    _programme(replay)  # the day's agenda, pitched projects, interest and meetings
    visits_2023.add_to(replay)  # trips, receptions, funds and agents
    for record in FOLLOW_UPS:
        replay.at(record[1], lambda args=record: replay.follow_up(*args))
    replay.at(UPCOMING_CREATED_AT, lambda: replay.event(UPCOMING))
    return replay


def _ensure_industries() -> None:
    """The default industry list (reference data no service edits; the migration seeds it)."""
    present = set(db.session.scalars(select(Industry.name)))
    for position, name in enumerate(INDUSTRIES):
        if name not in present:
            db.session.add(Industry(name=name, position=position))
    db.session.flush()


def is_loaded() -> bool:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "demo.load")) > 0


def load() -> str:
    """Replay the scenario once, inside the caller's unit of work (`flask demo load`); a second call
    changes nothing."""
    if is_loaded():
        return "demo data: already loaded, nothing changed"
    _ensure_industries()
    replay = timeline()
    with mail.held():
        steps = replay.run()
    audit.record(None, "demo.load", "demo", None, {"scenario": SCENARIO, "steps": steps})
    return f"demo data: scenario {SCENARIO} loaded ({steps} steps)"
