"""Bulk loaders for the big data sets of the bureau's benchmarks (reports, door, reminders).

Loading 10,000 projects or 20,000 guests one service call at a time takes longer than the benchmark itself, so
these write the same rows the app's services write (the columns `pipeline.create_project`/`update_project`,
`registration.register` and `tickets.assign` fill, the app's own ticket codes), a few thousand rows per INSERT.
Run inside an app context; each loader commits.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

SHANGHAI = timezone(timedelta(hours=8))
CHUNK = 2000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建文红波宁浩宇欣怡晨阳思雨"
ORG_WORDS = ["皖能", "淮河", "长三角", "新源", "华信", "国泰", "金桥", "东方", "瑞丰", "恒通", "中科", "博远"]
ORG_TRADES = ["科技", "新能源", "智能制造", "材料", "食品", "医药", "电子", "环保"]
INDUSTRIES = ["新一代信息技术", "新能源", "高端装备制造", "绿色食品", "新材料"]
TEAM_NAMES = [f"招商{n}队" for n in "一二三四五六七八"] + \
             [f"{i}产业专班" for i in INDUSTRIES[:3]] + ["上海驻点招商组", "深圳驻点招商组"]


def _insert(model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT the rows in chunks; their ids, in the order given."""
    from sqlalchemy import insert

    from roadshow.extensions import db

    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        ids += db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True),
                                  rows[start:start + CHUNK]).all()
    return ids


def _insert_only(model: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT the rows in chunks, without reading their ids back."""
    from sqlalchemy import insert

    from roadshow.extensions import db

    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")


def organisations(count: int, rng: random.Random, kind: str = "enterprise") -> list[tuple[int, str]]:
    """`count` organisations with distinct, plausible names: [(id, name)]."""
    from roadshow.models import Organisation

    names = [f"{rng.choice(ORG_WORDS)}{rng.choice(ORG_TRADES)}{i}号有限公司" for i in range(count)]
    ids = _insert(Organisation, [{"name": n, "kind": kind, "province": "安徽省", "city": "淮南市"} for n in names])
    return list(zip(ids, names))


# --- the bureau's pipeline: projects, histories, figures, teams, targets, trips, receptions ---------------

# A project's stage by i % 20: lead, negotiating, signed, started, producing, dropped.
STAGE_PLAN = ["lead"] * 6 + ["negotiating"] * 2 + ["signed"] * 4 + ["started"] * 4 + ["producing"] * 3 + ["dropped"]
ORIGINS = ["local", "in_province", "out_of_province", "out_of_province", "foreign"]


@dataclass
class Pipeline:
    projects: int
    teams: list[int]
    team_names: list[str]
    expected: dict[str, int] = field(default_factory=dict)  # the district's figures for 2023-12, from the seed


def pipeline(count: int, seed: int = 11) -> Pipeline:
    """`count` projects over 13 teams, with their stage histories from 2021 to 2023, two follow-ups each, twelve
    months of 2023 figures each (project_investments), the year's targets for the district and each team, a trip
    for every 50 projects (four companies visited each) and a reception for every 20."""
    from roadshow.extensions import db
    from roadshow.models import (
        FollowUp,
        Industry,
        Project,
        ProjectInvestment,
        Reception,
        StageChange,
        Target,
        Team,
        Trip,
        TripVisit,
    )

    rng = random.Random(seed)
    for i, name in enumerate(INDUSTRIES):
        if db.session.query(Industry).filter_by(name=name).first() is None:
            db.session.add(Industry(name=name, position=i))
    kinds = ["team"] * 8 + ["industry"] * 3 + ["station"] * 2
    teams = _insert(Team, [{"name": n, "kind": k, "city": n[:2] if k == "station" else None,
                            "industry": n.removesuffix("产业专班") if k == "industry" else None}
                           for n, k in zip(TEAM_NAMES, kinds)])
    orgs = organisations(max(count // 5, 10), rng)

    projects: list[dict[str, Any]] = []
    histories: list[list[tuple[str | None, str, datetime]]] = []
    for i in range(count):
        stage = STAGE_PLAN[i % len(STAGE_PLAN)]
        origin = ORIGINS[i % len(ORIGINS)]
        created = date(2021, 1, 1) + timedelta(days=rng.randrange(3 * 365 - 60))
        history: list[tuple[str | None, str, datetime]] = [(None, "lead", _at(created))]
        day = created
        forward = ["negotiating", "signed", "started", "producing"]
        path = forward[:forward.index(stage) + 1] if stage in forward else ["negotiating"] * (stage == "dropped")
        for nxt in path:
            day = min(day + timedelta(days=rng.randrange(20, 300)), date(2023, 12, 28))
            history.append((history[-1][1], nxt, _at(day, 10 + len(history))))
        if stage == "dropped":
            history.append((history[-1][1], "dropped", _at(day + timedelta(days=30))))
        histories.append(history)
        projects.append({
            "name": f"{rng.choice(ORG_WORDS)}{rng.choice(ORG_TRADES)}项目{i}",
            "organisation_id": orgs[i % len(orgs)][0],
            "industry": INDUSTRIES[i % len(INDUSTRIES)],
            "amount_wan": Decimal(rng.randrange(10_000, 20_000_000)) / 100,
            "origin": origin, "out_of_province": origin == "out_of_province", "industrial": i % 2 == 0,
            "stage": history[-1][1], "team_id": teams[i % len(teams)], "created_at": _at(created)})
    project_ids = _insert(Project, projects)
    _insert_only(StageChange, [{"project_id": pid, "from_stage": frm, "to_stage": to, "at": at}
                          for pid, history in zip(project_ids, histories) for frm, to, at in history])
    _insert_only(FollowUp, [{"project_id": pid, "at": history[-1][2] + timedelta(days=d), "kind": kind,
                        "note": f"电话跟进，企业反馈{kind}进展顺利", "next_step": "下月回访"}
                       for pid, history in zip(project_ids, histories) for d, kind in ((3, "call"), (20, "visit"))])
    _insert_only(ProjectInvestment, [
        {"project_id": pid, "month": date(2023, month, 1), "funds_in_place_wan": Decimal(rng.randrange(10**6)) / 100,
         "fixed_asset_wan": Decimal(rng.randrange(10**6)) / 100} for pid in project_ids for month in range(1, 13)])

    def target(team_id: int | None, share: int) -> dict[str, Any]:
        return {"year": 2023, "team_id": team_id, "signed_count": max(count // (5 * share), 1),
                "signed_amount_wan": Decimal(count * 50_000 // share), "started_count": max(count // (6 * share), 1),
                "producing_count": max(count // (8 * share), 1),
                "out_of_province_over_100m_funds_wan": Decimal(count * 30_000 // share),
                "industrial_fixed_asset_wan": Decimal(count * 20_000 // share),
                "trips": max(count // (60 * share), 1), "receptions": max(count // (25 * share), 1),
                "companies_visited": max(count // (20 * share), 1)}

    _insert_only(Target, [target(None, 1)] + [target(t, len(teams)) for t in teams])
    trip_rows = []
    for i in range(max(count // 50, 1)):
        start = date(2023, 1, 3) + timedelta(days=rng.randrange(355))
        trip_rows.append({"team_id": teams[i % len(teams)], "destination": rng.choice(["上海", "杭州", "深圳", "宁波"]),
                          "starts_on": start, "ends_on": start + timedelta(days=2), "leader": person_name(rng)})
    trip_ids = _insert(Trip, trip_rows)
    _insert_only(TripVisit, [{"trip_id": tid, "organisation_id": rng.choice(orgs)[0], "date": row["starts_on"]}
                        for tid, row in zip(trip_ids, trip_rows) for _ in range(4)])
    _insert_only(Reception, [{"date": date(2023, 1, 2) + timedelta(days=rng.randrange(360)),
                         "visitors": rng.randrange(1, 9), "team_id": teams[i % len(teams)], "purpose": "考察投资环境"}
                        for i in range(max(count // 20, 1))])
    db.session.commit()

    def first_in_2023(stage: str) -> int:
        return sum(1 for h in histories if any(to == stage and at.year == 2023 for _, to, at in h))

    return Pipeline(count, teams, TEAM_NAMES, {
        "signed_count": first_in_2023("signed"), "started_count": first_in_2023("started"),
        "producing_count": first_in_2023("producing"), "trips": len(trip_rows)})


# --- an event's guests ----------------------------------------------------------------------------------

@dataclass
class Guests:
    attendees: list[dict[str, Any]]  # name, phone, email, organisation
    organisations: list[str]


def guests(event_id: int, count: int, *, per_registration: int = 2, with_email: bool = False,
           confirmed_at: datetime | None = None, seed: int = 5) -> Guests:
    """`count` confirmed guests of the event, `per_registration` to a registration, an organisation for every
    five registrations, each guest with a ticket code (tickets.new_code) and a distinct mobile number; with
    `with_email`, each guest an address of their own (guest{n}@example.com)."""
    from flask import current_app

    from roadshow.extensions import db
    from roadshow.models import Attendee, Registration
    from roadshow.services.tickets import new_code

    rng = random.Random(seed)
    now = datetime.now(UTC)
    confirmed_at = confirmed_at or now
    version = current_app.config["PRIVACY_POLICY_VERSION"]
    registrations = -(-count // per_registration)
    orgs = organisations(max(registrations // 5, 1), rng)
    sizes = [min(per_registration, count - r * per_registration) for r in range(registrations)]
    reg_ids = _insert(Registration, [
        {"event_id": event_id, "organisation_id": orgs[r % len(orgs)][0], "status": "confirmed", "seats": size,
         "manage_token": secrets.token_urlsafe(24), "consent_at": confirmed_at, "consent_version": version,
         "created_at": confirmed_at, "confirmed_at": confirmed_at} for r, size in enumerate(sizes)])
    phones = rng.sample(range(10**8), count)
    people: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    n = 0
    for r, (reg_id, size) in enumerate(zip(reg_ids, sizes)):
        for position in range(size):
            person = {"name": person_name(rng), "phone": f"139{phones[n]:08d}",
                      "email": f"guest{n}@example.com" if with_email else None, "organisation": orgs[r % len(orgs)][1]}
            people.append(person)
            rows.append({"registration_id": reg_id, "position": position, "name": person["name"],
                         "phone": person["phone"], "email": person["email"], "ticket_code": new_code(),
                         "consent_at": confirmed_at, "consent_version": version, "created_at": confirmed_at})
            n += 1
    _insert_only(Attendee, rows)
    db.session.commit()
    return Guests(people, [name for _, name in orgs])

