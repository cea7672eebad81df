"""the bureau's work: teams, follow-up records, receptions, trips; projects' team, officer, source, referral

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:17:31

Tables and columns only; moving the free-text `projects.team` / `projects.officer` onto teams and users is
the data migration that follows.
"""
from alembic import op
import sqlalchemy as sa

import roadshow.models.types


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('team', 'industry', 'station', name='teamkind', native_enum=False, length=20), nullable=False),
    sa.Column('city', sa.String(length=50), nullable=True),
    sa.Column('industry', sa.String(length=50), nullable=True),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_teams_leader_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_kind'), ['kind'], unique=False)

    op.create_table('receptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('visitors', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('hosts', sa.String(length=300), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_receptions_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receptions'))
    )
    with op.batch_alter_table('receptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receptions_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_receptions_team_id'), ['team_id'], unique=False)

    op.create_table('team_members',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_members_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_members'))
    )
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_members_user_id'), ['user_id'], unique=False)

    op.create_table('trips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=50), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('leader', sa.String(length=100), nullable=True),
    sa.Column('members', sa.String(length=500), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_trips_dates')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_trips_team_id_teams'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trips'))
    )
    with op.batch_alter_table('trips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trips_destination'), ['destination'], unique=False)
        batch_op.create_index(batch_op.f('ix_trips_starts_on'), ['starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_trips_team_id'), ['team_id'], unique=False)

    op.create_table('reception_organisations',
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_reception_organisations_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reception_id'], ['receptions.id'], name=op.f('fk_reception_organisations_reception_id_receptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reception_id', 'organisation_id', name=op.f('pk_reception_organisations'))
    )
    with op.batch_alter_table('reception_organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_organisations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('trip_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trip_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_trip_visits_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['trip_id'], ['trips.id'], name=op.f('fk_trip_visits_trip_id_trips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trip_visits'))
    )
    with op.batch_alter_table('trip_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trip_visits_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trip_visits_trip_id'), ['trip_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('call', 'visit', 'meeting', 'reception', 'message', 'other', name='followupkind', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=True),
    sa.Column('next_follow_up', sa.Date(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_follow_ups_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follow_ups_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_project_at', ['project_id', 'at'], unique=False)

    op.create_table('reception_projects',
    sa.Column('reception_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_reception_projects_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reception_id'], ['receptions.id'], name=op.f('fk_reception_projects_reception_id_receptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reception_id', 'project_id', name=op.f('pk_reception_projects'))
    )
    with op.batch_alter_table('reception_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_projects_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fund_size_wan', sa.Numeric(precision=14, scale=2), nullable=True))

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('officer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_trip_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_reception_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('referred_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_projects_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_referred_by_id'), ['referred_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_source_reception_id'), ['source_reception_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_source_trip_id'), ['source_trip_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_team_id'), ['team_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_projects_officer_id_users'), 'users', ['officer_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_projects_referred_by_id_organisations'), 'organisations', ['referred_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_projects_source_reception_id_receptions'), 'receptions', ['source_reception_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_projects_team_id_teams'), 'teams', ['team_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_projects_source_trip_id_trips'), 'trips', ['source_trip_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_projects_source_trip_id_trips'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_projects_team_id_teams'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_projects_source_reception_id_receptions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_projects_referred_by_id_organisations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_projects_officer_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_projects_team_id'))
        batch_op.drop_index(batch_op.f('ix_projects_source_trip_id'))
        batch_op.drop_index(batch_op.f('ix_projects_source_reception_id'))
        batch_op.drop_index(batch_op.f('ix_projects_referred_by_id'))
        batch_op.drop_index(batch_op.f('ix_projects_officer_id'))
        batch_op.drop_column('referred_by_id')
        batch_op.drop_column('source_reception_id')
        batch_op.drop_column('source_trip_id')
        batch_op.drop_column('officer_id')
        batch_op.drop_column('team_id')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('fund_size_wan')

    with op.batch_alter_table('reception_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_projects_project_id'))

    op.drop_table('reception_projects')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_project_at')

    op.drop_table('follow_ups')
    with op.batch_alter_table('trip_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trip_visits_trip_id'))
        batch_op.drop_index(batch_op.f('ix_trip_visits_organisation_id'))

    op.drop_table('trip_visits')
    with op.batch_alter_table('reception_organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_organisations_organisation_id'))

    op.drop_table('reception_organisations')
    with op.batch_alter_table('trips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trips_team_id'))
        batch_op.drop_index(batch_op.f('ix_trips_starts_on'))
        batch_op.drop_index(batch_op.f('ix_trips_destination'))

    op.drop_table('trips')
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_members_user_id'))

    op.drop_table('team_members')
    with op.batch_alter_table('receptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receptions_team_id'))
        batch_op.drop_index(batch_op.f('ix_receptions_date'))

    op.drop_table('receptions')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_kind'))

    op.drop_table('teams')
