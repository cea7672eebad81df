"""Migration 0009 on a database that has free-text teams and officers (upgraded from 0007 with rows in it)."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from tests.db.test_migrations import empty_database_url  # noqa: F401  (the fixture)


def test_free_text_teams_and_officers_move_onto_teams_and_users(empty_database_url):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    from roadshow import create_app
    from roadshow.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    now = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    with app.app_context():
        upgrade(revision="0007")
        stamp = now.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else now
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (email, name, password_hash, role, active, session_version, "
                              "created_at) VALUES ('li@example.com', '李科长', 'x', 'organiser', :t, 0, :at)"),
                         {"t": True, "at": stamp})
            conn.execute(text("INSERT INTO teams (name, kind, created_at, updated_at) "
                              "VALUES ('第一招商工作队', 'team', :at, :at)"), {"at": stamp})
            rows = [("甲", "绿色食品产业专班", "李科长", None), ("乙", "绿色食品产业专班", "不存在的人", "原有备注"),
                    ("丙", "第一招商工作队", None, None), ("丁", "装备组", "", None), ("戊", None, None, None)]
            for name, team, officer, notes in rows:
                conn.execute(text("INSERT INTO projects (name, stage, out_of_province, team, officer, notes, "
                                  "created_at, updated_at) VALUES (:n, 'lead', :f, :team, :officer, :notes, :at, :at)"),
                             {"n": name, "f": False, "team": team, "officer": officer, "notes": notes, "at": stamp})
        upgrade()
        assert "team" not in {c["name"] for c in inspect(db.engine).get_columns("projects")}
        with db.engine.connect() as conn:
            teams = {name: (tid, kind, industry) for tid, name, kind, industry in conn.execute(
                text("SELECT id, name, kind, industry FROM teams"))}
            assert set(teams) == {"第一招商工作队", "绿色食品产业专班", "装备组"}  # one team a distinct name
            assert teams["绿色食品产业专班"][1:] == ("industry", "绿色食品")
            assert teams["装备组"][1:] == ("team", None)
            li = conn.execute(text("SELECT id FROM users WHERE email = 'li@example.com'")).scalar_one()
            projects = {name: (team_id, officer_id, notes) for name, team_id, officer_id, notes in conn.execute(
                text("SELECT name, team_id, officer_id, notes FROM projects"))}
            assert projects["甲"] == (teams["绿色食品产业专班"][0], li, None)
            # a name that matches no user is kept in the notes, never lost
            assert projects["乙"] == (teams["绿色食品产业专班"][0], None, "原有备注\n负责人：不存在的人")
            assert projects["丙"][:2] == (teams["第一招商工作队"][0], None)
            assert projects["戊"] == (None, None, None)
            audited = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'project.migrate'")).scalar()
            assert audited == 4
        # and back: the names return from the teams and users
        downgrade(revision="0007")
        with db.engine.connect() as conn:
            back = dict(conn.execute(text("SELECT name, team FROM projects")).all())
            assert back["甲"] == "绿色食品产业专班" and back["丙"] == "第一招商工作队"
            assert conn.execute(text("SELECT officer FROM projects WHERE name = '甲'")).scalar() == "李科长"
        downgrade(revision="base")
        db.engine.dispose()
