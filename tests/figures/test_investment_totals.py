"""The reports' sums over the monthly figures (figures.investment_totals: per project first, then by team) against
an independent sum in Python over the rows, to the cent: by team, for the district, month and year to date in the
monthly report, the year and a quarter in the pipeline report and the year summary. The data set is built for
the edges: agreed investments just under, at and over 1 亿元 or missing, every origin, projects without a team
or without figures, months just outside the year, and amounts whose fen SQLite's REAL storage does not hold
exactly (0.29 × 100 is 28.999…)."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from roadshow.extensions import db
from roadshow.models import Origin, Project, ProjectInvestment, Stage, Team
from tests.perf.test_query_counts import statements

YEAR = 2038  # a year no other test touches
AMOUNTS = [None, Decimal("9999.99"), Decimal("10000"), Decimal("10000.01"), Decimal("250000.50"), Decimal("12")]
ORIGINS = [None, *Origin]
CENTS = [Decimal("0.29"), Decimal("0.57"), Decimal("1.15"), Decimal("0.01"), Decimal("0.00"), Decimal("123456.78"),
         Decimal("4.35"), Decimal("8.20")]


def _add_projects(count: int, rng: random.Random, teams: list[int | None], offset: int = 0) -> None:
    for n in range(offset, offset + count):
        project = Project(name=f"合计核对{n}", stage=Stage.signed, amount_wan=AMOUNTS[n % len(AMOUNTS)],
                          origin=ORIGINS[n % len(ORIGINS)], industrial=n % 3 != 0, team_id=teams[n % len(teams)])
        db.session.add(project)
        if n % 7 == 6:
            continue  # no figures at all
        months = [date(YEAR - 1, 12, 1), date(YEAR + 1, 1, 1)] + [date(YEAR, m, 1) for m in range(1, 13)
                                                                    if rng.random() < 0.7]
        project_rows = [ProjectInvestment(month=m, funds_in_place_wan=rng.choice(CENTS) * rng.randrange(1, 40),
                                          fixed_asset_wan=rng.choice(CENTS) * rng.randrange(0, 40)) for m in months]
        db.session.flush()
        for row in project_rows:
            row.project_id = project.id
        db.session.add_all(project_rows)
    db.session.commit()


def _expected(first: date, last: date, split: date) -> dict[int | None, dict[str, list[Decimal]]]:
    """team id → figure → [from `split` on, all], summed in Python over the rows as they are stored."""
    out: dict[int | None, dict[str, list[Decimal]]] = {}
    rows = db.session.execute(db.select(ProjectInvestment, Project).join(Project)).all()
    for inv, project in rows:
        if not first <= inv.month <= last:
            continue
        big = project.origin == Origin.out_of_province and project.amount_wan is not None \
            and project.amount_wan >= 10000
        team = out.setdefault(project.team_id, {name: [Decimal("0.00"), Decimal("0.00")] for name in (
            "funds_in_place_wan", "out_of_province_over_100m_funds_wan", "industrial_fixed_asset_wan")})
        for name, value in (("funds_in_place_wan", inv.funds_in_place_wan),
                            ("out_of_province_over_100m_funds_wan", inv.funds_in_place_wan if big else 0),
                            ("industrial_fixed_asset_wan", inv.fixed_asset_wan if project.industrial else 0)):
            cents = Decimal(value).quantize(Decimal("0.01"))
            team[name][1] += cents
            if inv.month >= split:
                team[name][0] += cents
    return out


@pytest.fixture
def teams(app_ctx):
    ids: list[int | None] = []
    for name in ("合计核对一队", "合计核对二队", "合计核对三队"):
        team = Team(name=name, kind="team")
        db.session.add(team)
        db.session.flush()
        ids.append(team.id)
    db.session.commit()
    return [*ids, None]


def test_the_sums_equal_an_independent_sum_over_the_rows(teams, app):
    from roadshow.services import figures, monthly, reports, summary

    _add_projects(90, random.Random(19), teams)
    split = date(YEAR, 5, 1)
    expected = _expected(date(YEAR, 1, 1), date(YEAR, 12, 31), split)
    assert len(expected) == 4 and expected[None]["out_of_province_over_100m_funds_wan"][1] > 0

    def fen(values: list[Decimal]) -> list[int]:
        return [int(v * 100) for v in values]

    got = figures.investment_totals(date(YEAR, 1, 1), date(YEAR, 12, 31), split=split)
    assert got == {team: {name: fen(v) for name, v in sums.items()} for team, sums in expected.items()}

    district = {name: sum((t[name][1] for t in expected.values()), Decimal("0.00"))
                for name in figures.OFFICIAL}
    assert figures.period_figures(date(YEAR, 1, 1), date(YEAR, 12, 31)) == district
    with app.test_request_context("/"):
        report = reports.pipeline_report(YEAR)
        year = summary.year_summary(YEAR)
        may = monthly.monthly_report(split)
    assert {name: report[name] for name in figures.OFFICIAL} == district
    assert {s: year[s] for s in ("signed", "started", "producing")} == \
        {s: report[s] for s in ("signed", "started", "producing")}
    for name in ("out_of_province_over_100m_funds_wan", "industrial_fixed_asset_wan"):
        assert year[name] == district[name]
        # The monthly report of May: May itself, and January to May.
        to_may = _expected(date(YEAR, 1, 1), date(YEAR, 5, 31), split)
        assert may["district"][name]["month"] == sum((t[name][0] for t in to_may.values()), Decimal("0.00"))
        assert may["district"][name]["year_to_date"] == sum((t[name][1] for t in to_may.values()), Decimal("0.00"))
        for team in may["teams"]:
            assert [team[name]["month"], team[name]["year_to_date"]] == to_may[team["team_id"]][name]

    q2 = _expected(date(YEAR, 4, 1), date(YEAR, 6, 30), split)
    report = reports.pipeline_report(YEAR, 2)
    for name in figures.OFFICIAL:
        assert report[name] == sum((t[name][1] for t in q2.values()), Decimal("0.00"))


def test_one_statement_whatever_the_number_of_projects(teams):
    from roadshow.services import figures

    rng = random.Random(3)
    counts = []
    for offset in (0, 10):
        _add_projects(10 if offset == 0 else 120, rng, teams, offset)
        with statements() as seen:
            figures.investment_totals(date(YEAR, 1, 1), date(YEAR, 12, 31), split=date(YEAR, 6, 1))
        counts.append(len(seen))
    assert counts == [1, 1]
