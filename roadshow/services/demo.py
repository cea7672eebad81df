"""The reference scenario of DESIGN.md as demo data.

Tianjia'an District (田家庵区, Huainan) held the 淮南牛肉汤产业项目路演会 on 2023-04-18; its 2023
pipeline carries the projects named in the district's annual summary. Every record is found
by its natural key before it is created, so loading twice changes nothing.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..extensions import db
from ..models import (Event, EventStatus, Industry, Organisation, OrgKind, Project, RegistrationMode,
                      Role, Stage, StageChange, STAGE_ORDER, User)
from . import audit
from .credit_code import complete

SHANGHAI = ZoneInfo("Asia/Shanghai")

INDUSTRIES = ["新一代信息技术", "新能源汽车及零部件", "数字创意和文化旅游", "高端装备制造", "智能家电",
              "绿色食品", "生命健康", "新材料", "新能源", "现代服务业"]

# Demo accounts for `make run`; never load the demo into a production database.
USERS = [
    ("admin@example.com", "roadshow-admin", Role.admin, "管理员"),
    ("organiser@example.com", "roadshow-organiser", Role.organiser, "招商局 王主任"),
    ("door@example.com", "roadshow-door", Role.door, "签到员 李"),
    ("viewer@example.com", "roadshow-viewer", Role.viewer, "区领导 张"),
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
    ("芯源实业有限公司", OrgKind.enterprise, "广东省", "深圳市", "新一代信息技术"),
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
)

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
)


def _d(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, 0, tzinfo=SHANGHAI)


# name, organisation, industry, amount 万元, out of province, team, [(stage, date)], from roadshow
PROJECTS = [
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


def _team_for(industry: str) -> str:
    return f"{industry}产业专班"


def load() -> str:
    created: list[str] = []

    for position, name in enumerate(INDUSTRIES):
        if db.session.scalar(select(Industry).where(Industry.name == name)) is None:
            db.session.add(Industry(name=name, position=position))
            created.append(f"industry {name}")

    for email, password, role, name in USERS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            user = User(email=email, role=role, name=name)
            user.set_password(password)
            db.session.add(user)
            created.append(f"user {email}")

    orgs: dict[str, Organisation] = {}
    for index, (name, kind, province, city, industry) in enumerate(ORGANISATIONS, start=1):
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name, kind=kind, province=province, city=city, industry=industry,
                               credit_code=complete(f"91340403MA2N{index:04d}"))
            db.session.add(org)
            created.append(f"organisation {name}")
        orgs[name] = org

    events = {}
    for fields in (ROADSHOW, UPCOMING):
        event = db.session.scalar(select(Event).where(Event.title == fields["title"]))
        if event is None:
            event = Event(**fields)
            db.session.add(event)
            created.append(f"event {fields['title']}")
        events[fields["title"]] = event
    db.session.flush()

    for name, org_name, industry, amount, out_of_province, stages, from_roadshow in PROJECTS:
        if db.session.scalar(select(Project).where(Project.name == name)) is not None:
            continue
        project = Project(name=name, organisation=orgs[org_name], industry=industry,
                          amount_wan=Decimal(amount), out_of_province=out_of_province,
                          stage=stages[-1][0], team=_team_for(industry),
                          source_event_id=events[ROADSHOW["title"]].id if from_roadshow else None)
        previous = None
        for stage, at in stages:
            # A forward jump counts the skipped stages as reached at the same moment.
            start = STAGE_ORDER.index(previous) + 1 if previous else 0
            for reached in STAGE_ORDER[start:STAGE_ORDER.index(stage) + 1]:
                project.history.append(StageChange(from_stage=previous, to_stage=reached, at=at,
                                                   note="演示数据" if reached == stage else "跨阶段推进"))
                previous = reached
        db.session.add(project)
        created.append(f"project {name}")

    created.extend(_load_invitations())
    db.session.flush()
    if created:
        audit.record(None, "demo.load", "demo", None, {"created": len(created)})
        return f"demo data: created {len(created)} records"
    return "demo data: already loaded, nothing changed"


INVITEE_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"


def _load_invitations() -> list[str]:
    """The twenty organisations of the beef-soup roadshow, each with one invited contact; the
    invitations went out a week before the event (no mail is queued by the demo)."""
    import secrets

    from ..models import Invitation, InvitationStatus
    from .organisations import find_or_create_contact

    event = db.session.scalar(select(Event).where(Event.title == ROADSHOW["title"]))
    if event is None:
        return []
    created = []
    sent_at = datetime(2023, 4, 10, 10, 0, tzinfo=SHANGHAI)
    for index, (name, kind, *_rest) in enumerate(ORGANISATIONS[:20], start=1):
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            continue
        contact = find_or_create_contact(org, f"{INVITEE_SURNAMES[index - 1]}经理",
                                         email=f"invitee{index:02d}@example.com", phone=f"1385540{index:04d}")
        if db.session.scalar(select(Invitation).where(Invitation.event_id == event.id,
                                                      Invitation.contact_id == contact.id)) is not None:
            continue
        db.session.add(Invitation(event_id=event.id, organisation=org, contact=contact,
                                  seats=2 if kind is OrgKind.enterprise else 1, token=secrets.token_urlsafe(24),
                                  status=InvitationStatus.sent, sent_at=sent_at))
        created.append(f"invitation {name}")
    return created
