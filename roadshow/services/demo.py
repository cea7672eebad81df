"""The reference scenario of DESIGN.md as demo data.

Tianjia'an District (田家庵区, Huainan) held the 淮南牛肉汤产业项目路演会 on 2023-04-18; its 2023
pipeline carries the projects named in the district's annual summary. Every record is found
by its natural key before it is created, so loading twice changes nothing.
"""
from __future__ import annotations

from datetime import date, datetime
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
    created += _load_organisations(orgs)
    # Registrations first: the pipeline's loader adds guests only for organisations not yet registered.
    created.extend(_load_registrations(events[ROADSHOW["title"]], orgs))
    db.session.flush()
    _load_pipeline(events[ROADSHOW["title"]], orgs, created)
    db.session.flush()
    if created:
        audit.record(None, "demo.load", "demo", None, {"created": len(created)})
        return f"demo data: created {len(created)} records"
    return "demo data: already loaded, nothing changed"


# organisation, [(contact name, title, phone, email)] — fictitious people for the console demo
ORGANISATION_CONTACTS = [
    ("老乡鸡集团有限公司", [("束经理", "投资发展部经理", "13905510001", "invest@example.com")]),
    ("西部优势资本投资有限公司", [("周总", "合伙人", "13800290002", "partner@example.com")]),
    ("徽商银行股份有限公司淮南分行", [("陈行长", "副行长", "13905540003", "branch@example.com")]),
]


def _load_organisations(orgs: dict[str, Organisation]) -> list[str]:
    """Contacts of a few demo organisations (found by name and email before adding)."""
    from .organisations import find_or_create_contact

    created = []
    for name, contacts in ORGANISATION_CONTACTS:
        org = orgs[name]
        for contact_name, title, phone, email in contacts:
            if not any(c.name == contact_name and c.email == email for c in org.contacts):
                find_or_create_contact(org, contact_name, email=email, phone=phone, title=title)
                created.append(f"contact {contact_name}")
    return created
# The rest of the district's 2023 pipeline, so the 2023 report shows the annual summary's picture:
# 28 newly signed projects, 7 newly started, and 38.01 亿元 (380,100 万元) signed out of province in
# projects of 1 亿元 or more. name, organisation, province, industry, 万元, out of province,
# [(stage, date)], met at the roadshow, officer
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

# Guests of the roadshow: organisation, [guest names]; the first N_CHECKED_IN organisations came.
ROADSHOW_GUESTS = [
    ("老乡鸡集团有限公司", ["束总", "刘经理"]), ("淮南市牛肉汤食品有限公司", ["张总"]),
    ("安徽八公山豆制品有限公司", ["李总"]), ("安徽皖中牧业有限公司", ["赵经理"]),
    ("淮南市农家香调味品有限公司", ["钱总"]), ("安徽淮河粮油集团有限公司", ["孙总"]),
    ("阜阳市清真肉类加工有限公司", ["马总"]), ("安徽寿州香食品有限公司", ["周经理"]),
    ("淮南市田家庵区电子商务产业园运营有限公司", ["吴主任"]), ("杭州味道优选电子商务有限公司", ["郑总"]),
    ("上海鲜到家网络科技有限公司", ["王总监"]), ("西部优势资本投资有限公司", ["冯总"]),
    ("桉树资本管理有限公司", ["陈总"]), ("徽商银行股份有限公司淮南分行", ["褚行长"]),
    ("中国农业银行股份有限公司淮南分行", ["卫经理"]), ("淮南市大学生创业孵化基地", ["蒋主任"]),
    ("田家庵区科技企业孵化器有限公司", ["沈主任"]), ("淮南农村商业银行股份有限公司", ["韩经理"]),
]
N_CHECKED_IN = 15


def _load_pipeline(roadshow: Event, orgs: dict[str, Organisation], created: list[str]) -> None:
    """The rest of the 2023 pipeline, and the roadshow's invitations, guests and check-ins (only for
    organisations that have no registration for it yet, so other demo loaders can add their own)."""
    import secrets

    from ..models import (Attendee, CheckIn, Contact, Invitation, InvitationStatus, Registration,
                          RegistrationStatus)
    from . import tickets

    for name, org_name, province, industry, amount, out_of_province, stages, from_roadshow, officer \
            in PIPELINE_2023:
        if db.session.scalar(select(Project).where(Project.name == name)) is not None:
            continue
        org = orgs.get(org_name) or db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        if org is None:
            org = Organisation(name=org_name, kind=OrgKind.enterprise, province=province, industry=industry)
            db.session.add(org)
            created.append(f"organisation {org_name}")
        orgs[org_name] = org
        last = stages[-1][0]
        project = Project(name=name, organisation=org, industry=industry, amount_wan=Decimal(amount),
                          out_of_province=out_of_province, stage=last, team=_team_for(industry), officer=officer,
                          source_event_id=roadshow.id if from_roadshow else None,
                          next_follow_up=date(2024, 1, 15) if last in (Stage.lead, Stage.negotiating) else None)
        previous = None
        for stage, at in stages:
            if stage is Stage.dropped:
                project.history.append(StageChange(from_stage=previous, to_stage=stage, at=at, note="企业战略调整，项目终止"))
                previous = stage
                continue
            start = STAGE_ORDER.index(previous) + 1 if previous else 0
            for reached in STAGE_ORDER[start:STAGE_ORDER.index(stage) + 1]:
                project.history.append(StageChange(from_stage=previous, to_stage=reached, at=at,
                                                   note="演示数据" if reached == stage else "跨阶段推进"))
                previous = reached
        db.session.add(project)
        created.append(f"project {name}")
    db.session.flush()

    morning = datetime(2023, 4, 18, 8, 30, tzinfo=SHANGHAI)
    for index, (org_name, guests) in enumerate(ROADSHOW_GUESTS):
        org = orgs[org_name]
        has_registration = db.session.scalar(select(Registration.id).where(
            Registration.event_id == roadshow.id, Registration.organisation_id == org.id).limit(1))
        if has_registration is not None:
            continue
        # the organisation's invitation to the roadshow, when another demo loader has made it already
        invitation = db.session.scalar(select(Invitation).where(Invitation.event_id == roadshow.id,
                                                                Invitation.organisation_id == org.id).limit(1))
        if invitation is None:
            contact = db.session.scalar(select(Contact).where(Contact.organisation_id == org.id,
                                                              Contact.name == guests[0]))
            if contact is None:
                contact = Contact(organisation=org, name=guests[0], phone=f"1390554{index:04d}",
                                  email=f"guest{index + 1}@example.com")
                db.session.add(contact)
            invitation = Invitation(event=roadshow, organisation=org, contact=contact, seats=len(guests),
                                    token=secrets.token_urlsafe(24), status=InvitationStatus.registered,
                                    sent_at=datetime(2023, 4, 3, 10, 0, tzinfo=SHANGHAI))
        invitation.status = InvitationStatus.registered
        invitation.seats = max(invitation.seats, len(guests))
        registration = Registration(event=roadshow, organisation=org, invitation=invitation,
                                    status=RegistrationStatus.confirmed, seats=len(guests),
                                    manage_token=secrets.token_urlsafe(24),
                                    consent_at=datetime(2023, 4, 6, 15, 0, tzinfo=SHANGHAI), consent_version="2023-01",
                                    confirmed_at=datetime(2023, 4, 6, 15, 0, tzinfo=SHANGHAI))
        for position, guest in enumerate(guests):
            registration.attendees.append(Attendee(name=guest, position=position, title="总经理",
                                                   phone=f"1390554{index:02d}{position:02d}"))
        db.session.add(registration)
        tickets.assign(registration)
        db.session.flush()
        if index < N_CHECKED_IN:
            for position, attendee in enumerate(registration.attendees):
                db.session.add(CheckIn(event_id=roadshow.id, attendee_id=attendee.id, device="demo-door-1",
                                       scanned_at=morning.replace(minute=30 + index + position)))
        created.append(f"roadshow guests of {org_name}")
    db.session.flush()
# Guests of the roadshow: organisation, contact (email), [(attendee, title, mobile)], registered on
REGISTRATIONS = [
    ("老乡鸡集团有限公司", "shu@laoxiangji.example.com",
     [("束从轩", "董事长", "13805540001"), ("王晓明", "副总经理", "13805540002")], datetime(2023, 4, 10, 9, 30)),
    ("淮南市牛肉汤食品有限公司", "li@niuroutang.example.com",
     [("李国强", "总经理", "13905540003"), ("陈静", "市场总监", "13905540004")], datetime(2023, 4, 10, 14, 5)),
    ("安徽八公山豆制品有限公司", "zhao@bagongshan.example.com", [("赵立新", "总经理", "13605540005")],
     datetime(2023, 4, 11, 10, 12)),
    ("杭州味道优选电子商务有限公司", "hu@weidao.example.com", [("胡晓婷", "运营总监", "13705710006")],
     datetime(2023, 4, 11, 16, 40)),
    ("西部优势资本投资有限公司", "sun@xbyszb.example.com", [("孙志远", "投资总监", "13902900007")],
     datetime(2023, 4, 12, 11, 0)),
    ("徽商银行股份有限公司淮南分行", "qian@hsbank.example.com",
     [("钱卫东", "副行长", "13805540008"), ("周敏", "公司业务部经理", "13805540009")], datetime(2023, 4, 12, 15, 20)),
    ("淮南市大学生创业孵化基地", "wu@incubator.example.com", [("吴磊", "主任", "15805540010")],
     datetime(2023, 4, 13, 9, 45)),
]


def _load_registrations(event: Event, orgs: dict[str, Organisation]) -> list[str]:
    """Invitations and confirmed registrations (with tickets) of demo guests to the roadshow; an
    organisation's invitation to the event is its natural key, so reloading adds nothing."""
    import secrets

    from flask import current_app

    from ..models import Attendee, Invitation, InvitationStatus, Registration, RegistrationStatus
    from . import tickets
    from .organisations import find_or_create_contact

    created = []
    for org_name, email, people, at in REGISTRATIONS:
        org = orgs[org_name]
        at = at.replace(tzinfo=SHANGHAI)
        invitation = db.session.scalar(select(Invitation).where(Invitation.event_id == event.id,
                                                                Invitation.organisation_id == org.id))
        if invitation is None:
            name, title, phone = people[0]
            contact = find_or_create_contact(org, name, email=email, phone=phone, title=title)
            invitation = Invitation(event_id=event.id, organisation_id=org.id, contact_id=contact.id,
                                    seats=max(len(people), 2), token=secrets.token_urlsafe(24),
                                    status=InvitationStatus.registered, sent_at=at, opened_at=at,
                                    created_at=at)
            db.session.add(invitation)
            db.session.flush()
            created.append(f"invitation {org_name}")
        if db.session.scalar(select(Registration.id).where(Registration.invitation_id == invitation.id)):
            continue
        reg = Registration(event_id=event.id, invitation_id=invitation.id, organisation_id=org.id,
                           status=RegistrationStatus.confirmed, seats=len(people),
                           manage_token=secrets.token_urlsafe(24), consent_at=at,
                           consent_version=current_app.config["PRIVACY_POLICY_VERSION"], created_at=at,
                           confirmed_at=at)
        for position, (name, title, phone) in enumerate(people):
            reg.attendees.append(Attendee(position=position, name=name, title=title, phone=phone,
                                          email=email if position == 0 else None, created_at=at))
        db.session.add(reg)
        tickets.assign(reg)
        invitation.status = InvitationStatus.registered
        db.session.flush()
        audit.record(None, "registration.create", "registration", reg.id,
                     {"event_id": event.id, "status": reg.status, "seats": reg.seats, "source": "demo"})
        created.append(f"registration {org_name}")
    return created


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
