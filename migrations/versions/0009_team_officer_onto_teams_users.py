"""projects' free-text team and officer moved onto teams and users, and the text columns dropped

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:47:04

Each distinct `projects.team` becomes a team of that name (kind `industry` when the name ends in 产业专班,
its industry the name's beginning; else kind `team`), unless a team of that name exists already; the project
gets its `team_id`. Each `projects.officer` becomes `officer_id` when an active user has exactly that name
(the oldest such user when several do). A name that matches no user is not dropped silently: it is kept in
the project's `notes` ("负责人：<name>") so it can be given to a user by hand, and reported in the log.
Every project changed gets an audit entry (`project.migrate`, actor "system").
"""
import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = "0008"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

INDUSTRY_SUFFIX = "产业专班"
NOTES_MAX = 5000

projects = sa.table("projects", sa.column("id", sa.Integer), sa.column("team", sa.String),
                    sa.column("officer", sa.String), sa.column("team_id", sa.Integer),
                    sa.column("officer_id", sa.Integer), sa.column("notes", sa.Text))
teams = sa.table("teams", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("kind", sa.String),
                 sa.column("industry", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
                 sa.column("updated_at", sa.DateTime(timezone=True)))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("name", sa.String),
                 sa.column("active", sa.Boolean))
audit_log = sa.table("audit_log", sa.column("at", sa.DateTime(timezone=True)), sa.column("user_id", sa.Integer),
                     sa.column("actor", sa.String), sa.column("action", sa.String),
                     sa.column("entity_type", sa.String), sa.column("entity_id", sa.Integer),
                     sa.column("changes", sa.JSON))


def _now():
    # UTCDateTime stores naive UTC on SQLite and aware on PostgreSQL; a naive UTC value reads back right on both.
    return datetime.now(UTC).replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" \
        else datetime.now(UTC)


def _team_id(conn, name: str, cache: dict) -> int:
    if name in cache:
        return cache[name]
    found = conn.execute(sa.select(teams.c.id).where(teams.c.name == name)).scalar()
    if found is None:
        industry = name[:-len(INDUSTRY_SUFFIX)] if name.endswith(INDUSTRY_SUFFIX) else None
        kind = "industry" if industry is not None else "team"
        now = _now()
        conn.execute(teams.insert().values(name=name, kind=kind, industry=industry or None, created_at=now,
                                           updated_at=now))
        found = conn.execute(sa.select(teams.c.id).where(teams.c.name == name)).scalar_one()
        conn.execute(audit_log.insert().values(at=now, user_id=None, actor="system", action="team.create",
                                               entity_type="team", entity_id=found,
                                               changes={"name": name, "kind": kind, "industry": industry,
                                                        "migration": "0009"}))
    cache[name] = found
    return found


def _user_id(conn, name: str) -> int | None:
    return conn.execute(sa.select(users.c.id).where(users.c.name == name, users.c.active.is_(True))
                        .order_by(users.c.id).limit(1)).scalar()


def upgrade():
    conn = op.get_bind()
    cache: dict[str, int] = {}
    rows = conn.execute(sa.select(projects.c.id, projects.c.team, projects.c.officer, projects.c.team_id,
                                  projects.c.officer_id, projects.c.notes)
                        .where(sa.or_(projects.c.team.is_not(None), projects.c.officer.is_not(None)))
                        .order_by(projects.c.id)).all()
    for row in rows:
        values, changes = {}, {}
        team = (row.team or "").strip()
        if team and row.team_id is None:
            values["team_id"] = _team_id(conn, team, cache)
            changes["team_id"] = {"from": None, "to": values["team_id"], "name": team}
        officer = (row.officer or "").strip()
        if officer and row.officer_id is None:
            user_id = _user_id(conn, officer)
            if user_id is not None:
                values["officer_id"] = user_id
                changes["officer_id"] = {"from": None, "to": user_id, "name": officer}
            else:
                line = f"负责人：{officer}"
                notes = f"{row.notes}\n{line}" if row.notes else line
                values["notes"] = notes[-NOTES_MAX:] if len(notes) > NOTES_MAX else notes
                changes["notes"] = {"from": row.notes, "to": values["notes"], "unmatched_officer": officer}
                log.warning("project %s: officer %r matches no user; kept in its notes", row.id, officer)
        if values:
            conn.execute(projects.update().where(projects.c.id == row.id).values(**values))
            conn.execute(audit_log.insert().values(at=_now(), user_id=None, actor="system",
                                                   action="project.migrate", entity_type="project",
                                                   entity_id=row.id, changes={**changes, "migration": "0009"}))

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('officer')
        batch_op.drop_column('team')


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team', sa.VARCHAR(length=50), nullable=True))
        batch_op.add_column(sa.Column('officer', sa.VARCHAR(length=100), nullable=True))
    conn = op.get_bind()
    # The names come back from the teams and users; the ids stay.
    conn.execute(projects.update().values(
        team=sa.select(sa.func.substr(teams.c.name, 1, 50)).where(teams.c.id == projects.c.team_id)
        .scalar_subquery(),
        officer=sa.select(sa.func.substr(sa.func.coalesce(sa.func.nullif(users.c.name, ""), ""), 1, 100))
        .where(users.c.id == projects.c.officer_id).scalar_subquery()))
