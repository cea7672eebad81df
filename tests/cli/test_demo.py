"""`flask --app app demo load` loads the reference scenario and is idempotent."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Event, Industry, Organisation, OrgKind, Project, Stage
from tests.cli.test_users_cli import flask


def _counts() -> dict[str, int]:
    return {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables}


def test_demo_load_is_idempotent_and_carries_the_scenario(app):
    first = flask("demo", "load")
    assert first.returncode == 0, first.stderr
    with app.app_context():
        after_first = _counts()
        snapshot = sorted((o.name, o.credit_code) for o in db.session.scalars(select(Organisation)))
    second = flask("demo", "load")
    assert second.returncode == 0, second.stderr
    with app.app_context():
        assert _counts() == after_first
        assert sorted((o.name, o.credit_code) for o in db.session.scalars(select(Organisation))) == snapshot

        names = {o.name: o for o in db.session.scalars(select(Organisation))}
        assert len(names) >= 20
        assert names["老乡鸡集团有限公司"].kind is OrgKind.enterprise
        assert names["西部优势资本投资有限公司"].kind is OrgKind.fund
        assert names["桉树资本管理有限公司"].kind is OrgKind.fund
        assert "芯源实业有限公司" in names
        kinds = {o.kind for o in names.values()}
        assert {OrgKind.enterprise, OrgKind.fund, OrgKind.bank, OrgKind.incubator, OrgKind.ecommerce} <= kinds

        from roadshow.services.credit_code import is_valid
        assert all(is_valid(o.credit_code) for o in names.values() if o.credit_code)

        industries = db.session.scalars(select(Industry.name).order_by(Industry.position)).all()
        assert industries[:2] == ["新一代信息技术", "新能源汽车及零部件"] and industries[-1] == "现代服务业"
        assert len(industries) == 10

        event = db.session.scalar(select(Event).where(Event.title == "淮南牛肉汤产业项目路演会"))
        assert event.starts_at.isoformat() == "2023-04-18T01:00:00+00:00"  # 09:00 Beijing time

        stages = {p.name: p.stage for p in db.session.scalars(select(Project))}
        assert stages["数字经济产业园"] is Stage.signed
        assert stages["沐轩智能生产基地"] is Stage.signed
        assert stages["科沛达半导体清洗设备项目"] is Stage.started
        assert any("质达" in n and s is Stage.started for n, s in stages.items())
        assert any("旭火" in n and s is Stage.producing for n, s in stages.items())
        assert stages["淮雅门窗项目"] is Stage.producing
        for project in db.session.scalars(select(Project)):
            assert project.history and project.history[-1].to_stage is project.stage
            assert isinstance(project.amount_wan, Decimal)
