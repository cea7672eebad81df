"""The bureau's 2023 between events, for the demo: 46 trips of the 13 investment teams to 上海, 杭州 and 深圳
visiting over 100 companies, 210 receptions (接待客商 210 批次), the two industry funds and the agent.

Added to the scenario's timeline (scenario_2023.timeline) and replayed through the services like the rest:
each trip is recorded on its last day, each reception on its day, with the clock frozen there. The
companies are fictitious and generated from a fixed pattern, so a load is always the same.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..models import Organisation, OrgKind, Reception, Team, TeamKind, Trip
from ..services import organisations, pipeline, teams, visits

if TYPE_CHECKING:
    from .scenario_2023 import _Replay

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"]
INVESTMENT_TEAMS = [f"第{n}招商工作队" for n in NUMERALS]

TRIPS_BY_CITY = {"上海": 28, "杭州": 10, "深圳": 8}  # 46 trips, most to Shanghai
COMPANIES_BY_CITY = {"上海": 60, "杭州": 26, "深圳": 24}  # 110 companies visited
PROVINCE = {"上海": "上海市", "杭州": "浙江省", "深圳": "广东省"}
CITY = {"上海": "上海市", "杭州": "杭州市", "深圳": "深圳市"}
RECEPTIONS = 210

# Word stems of the fictitious companies' names, and their industries.
STEMS = ["云帆", "启明", "恒信", "博睿", "华辰", "联创", "致远", "中科", "瑞达", "新锐", "同方", "卓越", "汇智", "天成",
         "鼎盛", "优联", "明德", "嘉禾", "星河", "宏图"]
BUSINESSES = [("智能装备", "高端装备制造"), ("新能源科技", "新能源"), ("生物医药", "生命健康"),
              ("电子信息", "新一代信息技术"), ("汽车零部件", "新能源汽车及零部件"), ("新材料", "新材料"),
              ("食品", "绿色食品"), ("数字文化", "数字创意和文化旅游"), ("智能家居", "智能家电"),
              ("供应链管理", "现代服务业")]
# Companies of the scenario that the teams visited in their cities.
NAMED_VISITS = {"上海": ["淮南数字经济产业园运营有限公司", "桉树资本管理有限公司"],
                "杭州": ["科沛达半导体设备有限公司", "杭州味道优选电子商务有限公司"],
                "深圳": ["旭火光电科技有限公司", "芯源实业有限公司"]}
PURPOSES = ["考察投资环境", "洽谈项目合作", "参观产业园区", "对接产业链配套", "商谈厂房租赁", "了解招商政策",
            "回访在谈项目"]
HOSTS = ["王主任、李科长", "王主任", "陈科长、周科员", "孙科长", "冯主任、吴科长", "郑科长、李科员"]
TRIP_LEADERS = ["区委副书记 刘", "副区长 赵", "招商局 王主任", "招商局 冯主任"]

FUNDS = {"西部优势资本投资有限公司": "50000", "桉树资本管理有限公司": "30000"}  # 5 亿元 and 3 亿元 district funds
# Projects of the scenario's pipeline, and the fund or agent that referred them.
REFERRALS = {"质达 2GWh 钠离子电芯 + 2GWh PACK 项目": "西部优势资本投资有限公司",
             "储能电池回收利用项目": "桉树资本管理有限公司",
             "科沛达半导体清洗设备项目": "芯源实业有限公司",
             "工业互联网标识解析节点": "芯源实业有限公司"}
# Projects first met on a trip to their city (their source becomes that trip).
TRIP_LEADS = {"新能源重卡换电站项目": "上海捷换能源科技有限公司", "智能门锁生产线": "深圳安居智能科技有限公司"}
RECEPTION_PROJECTS = ["数字经济产业园", "沐轩智能生产基地", "长三角新能源汽车零部件产业园", "生物医药研发生产中试平台"]

SET_UP_AT = datetime(2022, 12, 20, 9, 0, tzinfo=SHANGHAI)
FUNDS_AT = datetime(2023, 2, 6, 10, 0, tzinfo=SHANGHAI)
REFERRALS_AT = datetime(2023, 12, 28, 16, 0, tzinfo=SHANGHAI)


def companies(city: str) -> list[tuple[str, str]]:
    """The fictitious companies visited in `city`: (name, industry), always the same."""
    out = []
    for i in range(COMPANIES_BY_CITY[city]):
        stem = STEMS[(i * 7 + len(city)) % len(STEMS)]
        business, industry = BUSINESSES[i % len(BUSINESSES)]
        out.append((f"{city}{stem}{business}有限公司" if i < len(STEMS) else f"{city}{stem}{business}{i}号有限公司",
                    industry))
    return out


def trip_plans() -> list[tuple[str, date, int]]:
    """(city, first day, trip length in days) of the 46 trips, spread over 2023 from February."""
    plans = []
    total = sum(TRIPS_BY_CITY.values())
    cities: list[str] = []
    counts = dict(TRIPS_BY_CITY)
    while len(cities) < total:  # interleaved: about every other trip is to Shanghai
        for city in ("上海", "杭州", "上海", "深圳", "上海"):
            if counts[city] > 0 and len(cities) < total:
                cities.append(city)
                counts[city] -= 1
    start = date(2023, 2, 13)
    for n, city in enumerate(cities):
        first = start + timedelta(days=(n * 300) // total)
        while first.weekday() >= 5:
            first += timedelta(days=1)
        plans.append((city, first, 2 + n % 2))
    return plans


def reception_days() -> list[date]:
    """210 working days' receptions through 2023 (some days two)."""
    days = []
    day = date(2023, 1, 4)
    n = 0
    while len(days) < RECEPTIONS:
        if day.weekday() < 5:
            days.append(day)
            if n % 6 == 0 and len(days) < RECEPTIONS:
                days.append(day)
            n += 1
        day += timedelta(days=1 if n % 3 else 2)
    return days[:RECEPTIONS]


class _Bureau:
    def __init__(self, replay: _Replay) -> None:
        self.replay = replay
        self.teams: list[Team] = []
        self.companies: dict[str, list[Organisation]] = {}
        self.trips: list[Trip] = []
        self.receptions: list[Reception] = []

    @property
    def actor(self):
        from .scenario_2023 import ORGANISER

        return self.replay.users[ORGANISER]

    def set_up(self) -> None:
        for name in INVESTMENT_TEAMS:
            team = teams.team_by_name(name) or teams.create_team({"name": name, "kind": TeamKind.team.value},
                                                                 actor=self.actor)
            self.teams.append(team)
        for city in TRIPS_BY_CITY:
            orgs = []
            for name, industry in companies(city):
                org, _created = organisations.find_or_create_organisation(
                    name, OrgKind.enterprise, actor=self.actor, province=PROVINCE[city], city=CITY[city],
                    industry=industry)
                orgs.append(org)
            for name in NAMED_VISITS[city]:
                if name in self.replay.orgs:
                    orgs.insert(len(orgs) // 2, self.replay.orgs[name])
            self.companies[city] = orgs

    def funds(self) -> None:
        for name, size in FUNDS.items():
            organisations.update_organisation(self.replay.orgs[name], {"fund_size_wan": size}, actor=self.actor)

    def trip(self, n: int, city: str, first: date, days: int) -> None:
        pool = self.companies[city]
        seen = sum(1 for c, *_ in trip_plans()[:n] if c == city)  # earlier trips to this city
        visited = [pool[(seen * 3 + k) % len(pool)] for k in range(3)]
        last = first + timedelta(days=days - 1)
        team = self.teams[n % len(self.teams)]
        trip = visits.create_trip({
            "team_id": team.id, "destination": city, "starts_on": first, "ends_on": last,
            "leader": TRIP_LEADERS[n % len(TRIP_LEADERS)], "members": "招商专员 李、周",
            "visits": [{"organisation_id": org.id, "date": first + timedelta(days=k % days),
                        "note": PURPOSES[(n + k) % len(PURPOSES)]} for k, org in enumerate(visited)],
            "notes": f"走访企业 {len(visited)} 家，收集项目信息，约请来淮考察。"}, actor=self.actor)
        self.trips.append(trip)

    def trip_lead(self, project_name: str, company: str) -> None:
        """The project was first met on the last trip to its company's city before it became a lead: that
        trip visited the company, and is the project's source."""
        project = self.replay.projects.get(project_name)
        if project is None or project.organisation is None:
            return
        met = project.history[0].at.astimezone(SHANGHAI).date()
        city = next((c for c, full in CITY.items() if full == project.organisation.city), None) or \
            next(c for c, province in PROVINCE.items() if province == project.organisation.province)
        trip = max((t for t in self.trips if t.destination == city and t.ends_on <= met), key=lambda t: t.ends_on)
        rows = [{"organisation_id": v.organisation_id, "date": v.date, "note": v.note} for v in trip.visits]
        rows.append({"organisation_id": project.organisation_id, "date": trip.ends_on, "note": "项目初步洽谈"})
        visits.update_trip(trip, {"visits": rows}, actor=self.actor)
        pipeline.update_project(project, {"source_trip_id": trip.id}, actor=self.actor)

    def reception(self, n: int, day: date) -> None:
        pool = [org for city in TRIPS_BY_CITY for org in self.companies[city]] + list(self.replay.orgs.values())
        guests = [pool[(n * 5) % len(pool)]] + ([pool[(n * 5 + 1) % len(pool)]] if n % 7 == 0 else [])
        projects = []
        if n % 30 == 3:
            name = RECEPTION_PROJECTS[(n // 30) % len(RECEPTION_PROJECTS)]
            if name in self.replay.projects:
                projects.append(self.replay.projects[name].id)
        self.receptions.append(visits.create_reception({
            "date": day, "organisation_ids": [o.id for o in guests], "visitors": 2 + n % 6,
            "team_id": self.teams[n % len(self.teams)].id, "hosts": HOSTS[n % len(HOSTS)],
            "purpose": PURPOSES[n % len(PURPOSES)], "project_ids": projects}, actor=self.actor))

    def referrals(self) -> None:
        for project, referrer in REFERRALS.items():
            if project in self.replay.projects:
                pipeline.update_project(self.replay.projects[project],
                                        {"referred_by_id": self.replay.orgs[referrer].id}, actor=self.actor)


def add_to(replay: _Replay) -> None:
    """Put the bureau's 2023 trips, receptions, funds and referrals on the scenario's timeline."""
    bureau = _Bureau(replay)
    replay.at(SET_UP_AT, bureau.set_up)
    replay.at(FUNDS_AT, bureau.funds)
    for n, (city, first, days) in enumerate(trip_plans()):
        last = first + timedelta(days=days - 1)
        moment = datetime.combine(last, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=18)
        replay.at(moment, lambda args=(n, city, first, days): bureau.trip(*args))
    for n, day in enumerate(reception_days()):
        moment = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI).replace(hour=16, minute=n % 60)
        replay.at(moment, lambda args=(n, day): bureau.reception(*args))
    replay.at(REFERRALS_AT, bureau.referrals)
    for project, company in TRIP_LEADS.items():
        replay.at(REFERRALS_AT, lambda args=(project, company): bureau.trip_lead(*args))
