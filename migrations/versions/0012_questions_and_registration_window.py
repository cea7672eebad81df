"""registration questions and answers; the events' registration window

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 06:29:18

Questions an event asks on its registration form (text, choice, multi, number, yes/no) and the answers
of each registration; events get registration_opens_at / registration_closes_at (both optional, the
close after the open). Existing events have no window: registration stays as it was.
"""
from alembic import op
import sqlalchemy as sa

import roadshow.models.types


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('text', 'choice', 'multi', 'number', 'yes_no', name='questionkind', native_enum=False, length=10), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('created_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_questions_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_event_id'), ['event_id'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('created_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_answers_question_id_questions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_answers_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('registration_id', 'question_id', name='uq_answers_registration_question')
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answers_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_opens_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('registration_closes_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_events_registration_closes_after_opens'),
            'registration_closes_at IS NULL OR registration_opens_at IS NULL '
            'OR registration_closes_at > registration_opens_at')



def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_registration_closes_after_opens'), type_='check')
        batch_op.drop_column('registration_closes_at')
        batch_op.drop_column('registration_opens_at')

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_registration_id'))
        batch_op.drop_index(batch_op.f('ix_answers_question_id'))

    op.drop_table('answers')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_event_id'))

    op.drop_table('questions')
