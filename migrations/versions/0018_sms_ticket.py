"""The ticket link by SMS: events.sms_ticket

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 11:00:00

An event with `sms_ticket` on sends each confirmed registrant with a mobile number the short link to their
ticket and manage page by SMS (services/sms.py `queue_ticket`). Off for existing events: their registrants
were not told to expect one.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_ticket', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('sms_ticket')
