"""the programme: agenda sessions (pitched projects), guests' interest and 1:1 meetings; projects' related project

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03 06:29:03.022424

"""
from alembic import op
import sqlalchemy as sa

import roadshow.models.types


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agenda_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('speaker', sa.String(length=200), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('created_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_agenda_sessions_session_ends_after_start')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_agenda_sessions_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_agenda_sessions_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_agenda_sessions_project_id_projects'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_sessions'))
    )
    with op.batch_alter_table('agenda_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_agenda_sessions_event_starts', ['event_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_sessions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_sessions_project_id'), ['project_id'], unique=False)

    op.create_table('interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('meeting', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('meeting_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('meeting_place', sa.String(length=200), nullable=True),
    sa.Column('meeting_sequence', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('created_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_interests_attendee_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_interests_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['projects.id'], name=op.f('fk_interests_lead_id_projects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_interests_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interests')),
    sa.UniqueConstraint('attendee_id', 'project_id', name='uq_interests_attendee_project'),
    sa.UniqueConstraint('lead_id', name=op.f('uq_interests_lead_id'))
    )
    with op.batch_alter_table('interests', schema=None) as batch_op:
        batch_op.create_index('ix_interests_event', ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interests_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('related_project_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_projects_related_project_id'), ['related_project_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_projects_related_project_id_projects'), 'projects', ['related_project_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_projects_related_project_id_projects'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_projects_related_project_id'))
        batch_op.drop_column('related_project_id')

    with op.batch_alter_table('interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interests_project_id'))
        batch_op.drop_index('ix_interests_event')

    op.drop_table('interests')
    with op.batch_alter_table('agenda_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_sessions_project_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_sessions_organisation_id'))
        batch_op.drop_index('ix_agenda_sessions_event_starts')

    op.drop_table('agenda_sessions')
