"""Reminders and mail retries: events.reminder_hours_before, registrations.reminded_at, mail_outbox.gave_up_at

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 06:28:03

Events send a reminder 24 hours before the start unless set otherwise (existing events too: the default is
the server's). A registration's reminder is claimed in `reminded_at`. A message that failed for good (a
permanent SMTP refusal, or retried for days) has `gave_up_at`; before, a message gave up after 8 attempts,
so those still failed are retried again from now on.
"""
from alembic import op
import sqlalchemy as sa

import roadshow.models.types


revision = '0014'
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_hours_before', sa.Integer(), server_default='24', nullable=True))

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gave_up_at', roadshow.models.types.UTCDateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', roadshow.models.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('gave_up_at')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('reminder_hours_before')
